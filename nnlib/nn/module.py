"""``Module``: the base class of every layer and model, shaped like ``torch.nn.Module``.

A module owns three kinds of named things, each kept in its own ordered registry:

* **parameters** (``Parameter`` objects): what the optimizer trains;
* **buffers** (plain ``Tensor`` objects): state that is saved but not trained;
* **sub-modules**: the layers a model is built from.

Assigning an attribute (``self.fc = Linear(2, 3)``) registers it by its type, so
``parameters()``, ``state_dict()``, ``train()`` and friends can walk the whole tree.
Registered objects are also kept in the instance ``__dict__``, so reading
``self.weight`` in ``forward`` is an ordinary (fast) attribute lookup.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from nnlib.autograd import no_grad
from nnlib.backend import check_device, device_of, is_array, move
from nnlib.nn.parameter import Parameter
from nnlib.tensor import Tensor

__all__ = ["Module", "IncompatibleKeys"]


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What :meth:`Module.load_state_dict` returns: the keys it could not match."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _shape_str(shape: tuple[int, ...]) -> str:
    """``(3, 2)`` for shapes, ``()`` for scalars: the way error messages show shapes."""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _as_array(value: Any) -> np.ndarray:
    """A checkpoint value as a NumPy array: nnlib Tensors, NumPy arrays and (duck-typed,
    without importing torch) torch tensors are accepted."""
    if isinstance(value, Tensor):
        return value._array
    if isinstance(value, np.ndarray):
        return value
    if all(hasattr(value, name) for name in ("detach", "cpu", "numpy")):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _is_array_like(value: Any) -> bool:
    """Tensors, arrays, NumPy scalars and torch tensors are checkpoint values; lists are not."""
    return isinstance(value, (Tensor, np.ndarray, np.generic)) or all(
        hasattr(value, name) for name in ("detach", "cpu", "numpy")
    )


def _indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (children inside a parent's repr)."""
    return text.replace("\n", "\n" + " " * spaces)


class Module:
    """Base class of all layers and models.

    Subclasses call ``super().__init__()`` first, assign their parameters and sub-modules
    as attributes, and implement :meth:`forward`. Calling the module calls ``forward``.

    Examples
    --------
    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = Linear(2, 8)
    ...         self.out = Linear(8, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ bypasses our own __setattr__, which needs these registries.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; every subclass implements this."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------- registration
    def _check_ready(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {what} before Module.__init__() call "
                f"(call super().__init__() first in {type(self).__name__}.__init__)"
            )

    def _check_new_name(self, name: str, registry: dict) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a str, got {type(name).__name__}")
        if name == "":
            raise KeyError(f'{type(self).__name__}: name can\'t be empty string ""')
        if "." in name:
            raise KeyError(f'{type(self).__name__}: name can\'t contain ".", got {name!r}')
        if (name in self.__dict__ or hasattr(type(self), name)) and name not in registry:
            raise KeyError(f"{type(self).__name__}: attribute {name!r} already exists")

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Drop ``name`` from every registry but ``keep`` (where re-registering it keeps
        its position, as in torch)."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or ``None``, a placeholder such as a missing bias) as ``name``."""
        self._check_ready("parameters")
        self._check_new_name(name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__!r} object to parameter {name!r} "
                "(nnlib.nn.Parameter or None required)"
            )
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a buffer: saved in ``state_dict`` (if ``persistent``) but not trained.

        Parameters
        ----------
        name : str
            Attribute name of the buffer.
        tensor : Tensor or None
            The buffer's value; ``None`` registers a placeholder that is skipped when saving.
        persistent : bool, default True
            Whether the buffer is part of :meth:`state_dict`.
        """
        self._check_ready("buffers")
        self._check_new_name(name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign {type(tensor).__name__!r} object to buffer {name!r} "
                "(nnlib Tensor or None required)"
            )
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the child called ``name``."""
        self._check_ready("child modules")
        self._check_new_name(name, self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name, keep=self._modules)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        registries = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)):
            if registries is not None:
                # A name that held something else (plain attribute, other registry) is cleared;
                # a name re-assigned within its registry keeps its position.
                registry = self._parameters if isinstance(value, Parameter) else self._modules
                if name not in registry:
                    self._forget(name)
                    self.__dict__.pop(name, None)
            if isinstance(value, Parameter):
                self.register_parameter(name, value)
            else:
                self.add_module(name, value)
        elif registries is not None and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__!r} as parameter {name!r} "
                    "(nnlib.nn.Parameter or None expected)"
                )
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        elif registries is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__!r} as child module {name!r} "
                    "(nnlib.nn.Module or None expected)"
                )
            self._modules[name] = None
            object.__setattr__(self, name, None)
        elif registries is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__!r} as buffer {name!r} "
                    "(nnlib Tensor or None expected)"
                )
            self._buffers[name] = value
            object.__setattr__(self, name, value)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if "_parameters" in self.__dict__:
            self._forget(name)
        object.__delattr__(self, name)

    def __getattr__(self, name: str) -> Any:
        # Only reached when ordinary lookup fails: registered names live in __dict__.
        if name in ("_parameters", "_buffers", "_modules", "_non_persistent_buffers"):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}; "
                f"did {type(self).__name__}.__init__ call super().__init__()?"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_submodule(self, target: str) -> Module:
        """The sub-module at dotted path ``target`` (``""`` is the module itself)."""
        module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part) if isinstance(module, Module) else None
            if child is None:
                raise AttributeError(
                    f"{type(module).__name__} has no child module {part!r} (looking up {target!r})"
                )
            module = child
        return module

    # ------------------------------------------------------------------ walking
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for this module and all descendants, depth first.

        A module reachable twice is yielded once (unless ``remove_duplicate=False``).
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            child_prefix = f"{prefix}.{name}" if prefix else name
            yield from child.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield this module and all descendants."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, child)`` for the direct children."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """Yield the direct children."""
        for _, child in self.named_children():
            yield child

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Tensor]]:
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        seen: set[int] = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)``; a parameter shared by two layers appears once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every parameter (what an optimizer takes)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted_name, buffer)`` for every buffer."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield every buffer."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ------------------------------------------------------------ whole-tree ops
    def train(self, mode: bool = True) -> Module:
        """Put this module and all descendants in training mode (``mode=False``: evaluation)."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Put this module and all descendants in evaluation mode; same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad._array[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient tracking of every parameter on or off (e.g. to freeze a layer)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every descendant (children first) and then on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _convert(self, convert: Callable[[Tensor], Tensor]) -> Module:
        """Replace the storage of every parameter, gradient and buffer by ``convert``'s result.

        The Parameter objects themselves stay the same, so an optimizer built before the
        conversion keeps working.
        """
        with no_grad():
            self._convert_tensors(convert)
        return self

    def _convert_tensors(self, convert: Callable[[Tensor], Tensor]) -> None:
        for module in self.modules():
            for param in module._parameters.values():
                if param is None:
                    continue
                param._array = convert(param)._array
                if param.grad is not None:
                    param.grad._array = convert(param.grad)._array
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    module._buffers[name] = convert(buffer)
                    object.__setattr__(module, name, module._buffers[name])

    def to(self, *args: Any, device: Any = None, dtype: Any = None) -> Module:
        """Move to a device and/or cast floating-point parameters and buffers, in place.

        Accepts torch's forms: ``to("cpu")``, ``to(nnlib.float64)``, ``to("cpu", "float64")``,
        ``to(device=..., dtype=...)``.

        Parameters
        ----------
        device : str or Device, optional
            ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (a device nnlib cannot use raises).
        dtype : dtype, optional
            A floating dtype such as ``nnlib.float64``; integer buffers keep theirs, as in torch.

        Returns
        -------
        Module
            ``self``; the Parameter objects stay the same.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype, device = arg.dtype, arg.device
            elif _is_dtype_like(arg):
                dtype = arg
            else:
                device = arg
        if device is not None:
            device = check_device(device)
            self._convert(lambda t: t.detach().to(device))
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(
                f"{type(self).__name__}.to() only accepts floating point dtypes, got {dtype}"
            )
        return self._convert(lambda t: t.to(dtype) if _is_floating(t) else t)

    def cpu(self) -> Module:
        """Move parameters and buffers to the CPU, in place; returns ``self``."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Module:
        """Move parameters and buffers to a CUDA GPU (``cuda:0`` or ``device``), in place."""
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to ``float32``; returns ``self``."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to ``float64``; returns ``self``."""
        return self.to(np.float64)

    # ---------------------------------------------------------------- state_dict
    def state_dict(
        self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Return an ordered dict ``dotted_name -> tensor`` of parameters and persistent buffers.

        As in torch, the values are *detached views*: they share memory with the module's
        parameters, so in-place updates by later training show through. Take a snapshot
        with ``{k: v.clone() for k, v in model.state_dict().items()}`` (or ``copy.deepcopy``).
        Keys follow torch: a module's own parameters, then its buffers, then each child's
        entries prefixed by the child's name.
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module, in place.

        Parameters
        ----------
        state_dict : dict
            ``dotted_name -> value``; values may be nnlib Tensors, NumPy arrays or torch
            tensors (a torch ``state_dict`` loads directly). Values are cast to the
            dtype of the parameter they are copied into.
        strict : bool, default True
            Whether missing and unexpected keys are an error. Shape mismatches always are.

        Returns
        -------
        IncompatibleKeys
            Named tuple ``(missing_keys, unexpected_keys)``.

        Raises
        ------
        RuntimeError
            Listing every missing key, unexpected key and shape mismatch at once.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"expected state_dict to be dict-like, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        wrong_type = [
            f'While copying the parameter named "{key}", expected a Tensor or array from '
            f"checkpoint but received {type(state_dict[key]).__name__}"
            for key in own
            if key in state_dict and not _is_array_like(state_dict[key])
        ]
        arrays = {
            key: _as_array(state_dict[key])
            for key in own
            if key in state_dict and _is_array_like(state_dict[key])
        }
        mismatched = wrong_type + [
            f"size mismatch for {key}: copying a param with shape {_shape_str(array.shape)} "
            f"from checkpoint, the shape in current model is {_shape_str(own[key].shape)}."
            for key, array in arrays.items()
            if array.shape != tuple(own[key].shape)
        ]
        errors = list(mismatched)
        if strict:
            if unexpected:
                keys = ", ".join(f'"{key}"' for key in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}.")
            if missing:
                keys = ", ".join(f'"{key}"' for key in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}.")
        if errors:
            details = "".join("\n\t" + line for line in errors)
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:{details}"
            )
        with no_grad():
            for key, array in arrays.items():
                target = own[key]._array
                value = array if is_array(array) else np.asarray(array)
                target[...] = move(value, device_of(target))  # onto the parameter's device
        return IncompatibleKeys(missing, unexpected)

    # --------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (override in subclasses)."""
        return ""

    def _child_lines(self) -> list[str]:
        return [f"({name}): {_indent(repr(child), 2)}" for name, child in self._modules.items()]

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = self._child_lines()
        lines = extra_lines + child_lines
        if not lines:
            body = ""
        elif len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        else:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def _is_dtype_like(value: Any) -> bool:
    """Whether ``value`` names a dtype (``np.float32``, ``"float64"``) rather than a device."""
    if isinstance(value, str):
        try:
            np.dtype(value)
        except TypeError:
            return False
        return True
    if isinstance(value, np.dtype):
        return True
    return isinstance(value, type) and issubclass(value, np.generic)


def _is_floating(t: Tensor) -> bool:
    return np.issubdtype(t.dtype, np.floating)
