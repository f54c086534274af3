"""``Tensor``: an array that remembers how it was computed, and the factories that make tensors.

A :class:`Tensor` wraps a NumPy array (``._array``) and, when it was computed from tensors that
require gradients, the graph node that made it (``.grad_fn``). Calling ``.backward()`` on a
scalar result fills the ``.grad`` of every leaf tensor that requires grad.

How the methods reach the ops
-----------------------------
The operations themselves live in :mod:`nnlib.ops` (one module per family), and the ops
import ``Tensor`` from here. To avoid a circular import, this module imports the ops package
only at its very bottom, as ``_ops``; every method below (``t.exp()``, ``t + u``, ...) is
listed in the class body so readers and editors can see it, and simply calls the op of the
same name through ``_ops`` when it runs.
"""

from __future__ import annotations

import builtins
import functools
import math
import numbers
from collections.abc import Iterator, Sequence
from typing import Any
from weakref import ref as weakref_ref

import numpy as np

from nnlib.backend import (
    Device,
    array_module,
    check_device,
    device_context,
    device_of,
    get_array_module,
    get_default_device,
    is_array,
    is_writeable,
    move,
)
from nnlib.random import generator_for
from nnlib.random import normal as draw_normal

__all__ = [
    "Size",
    "Tensor",
    "arange",
    "bool_",
    "double",
    "empty",
    "eye",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "half",
    "int16",
    "int32",
    "int64",
    "int8",
    "linspace",
    "long",
    "normal",
    "numpy_names",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "short",
    "tensor",
    "uint8",
    "zeros",
    "zeros_like",
]

# Data types are plain ``numpy.dtype`` objects; ``nnlib.float32`` plays ``torch.float32``.
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
float16 = np.dtype("float16")
bool_ = np.dtype("bool")
#: torch's other names for the same dtypes.
half = float16
double = float64
long = int64
short = int16
#: The dtype of new floating-point tensors, like torch's default dtype.
default_float_dtype = float32

# ``bool`` cannot be a module-level name here without hiding the builtin inside this module,
# so ``from nnlib.tensor import bool`` is served by this module ``__getattr__`` (PEP 562).
_MODULE_ALIASES = {"bool": bool_, "float": float32, "int": int32}


def __getattr__(name: str) -> Any:
    if name in _MODULE_ALIASES:
        return _MODULE_ALIASES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _as_dtype(dtype: Any) -> np.dtype | None:
    """``None`` stays ``None``; anything NumPy understands becomes a ``numpy.dtype``."""
    return None if dtype is None else np.dtype(dtype)


def _check_requires_grad(dtype: np.dtype) -> None:
    if dtype.kind not in "fc":
        raise RuntimeError(
            f"only Tensors of floating point dtype can require gradients; got dtype {dtype}. "
            "Convert first, e.g. t.float()"
        )


def _infer_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    """Turn Python data into an array with torch's default dtypes.

    Python floats become float32, ints int64 and bools bool; NumPy arrays and scalars keep
    their dtype (float64 stays float64, like ``torch.from_numpy``). In a (nested) list, the
    elements' types are promoted as torch does: ``[np.float64(1), 2.0]`` is float64 and
    ``[tensor(1.), tensor(2.)]`` a float32 tensor of shape ``(2,)``.
    """
    if isinstance(data, Tensor):
        data = data._array
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data, dtype=dtype)
    explicit = None
    if isinstance(data, (list, tuple)):
        data, explicit = _unwrap_sequence(data)
    try:
        array = np.array(data)
    except ValueError:
        raise ValueError(
            f"tensor(): the nested sequence is ragged: {_ragged_detail(data)}; every list at "
            "the same depth must have the same length"
        ) from None
    if array.dtype == object:
        raise ValueError(
            f"tensor(): the nested sequence is ragged or holds objects that are not numbers: "
            f"{_ragged_detail(data)}"
        )
    if dtype is not None:
        return array.astype(dtype, copy=False)
    kind = array.dtype.kind
    if explicit is not None:  # NumPy scalars / tensors inside: torch promotes element types
        from nnlib.ops._util import promote_types

        target = explicit
        if kind == "f" and explicit.kind != "f":
            target = default_float_dtype
        elif kind in "iu" and explicit.kind == "b":
            target = int64
        if _has_python_numbers(data):
            python_kind = {"f": default_float_dtype, "i": int64, "u": int64, "b": bool_}
            target = promote_types(target, python_kind.get(kind, target))
        return array.astype(target, copy=False)
    if kind == "f":
        return array.astype(default_float_dtype, copy=False)
    if kind in "iu":
        return array.astype(int64, copy=False)
    if kind == "b":
        return array
    raise TypeError(
        f"tensor(): cannot make a tensor from data of type {type(data).__name__} "
        f"(NumPy read it as dtype {array.dtype}); pass numbers, nested lists or an array"
    )


def _unwrap_sequence(data: Any) -> tuple[Any, np.dtype | None]:
    """Replace Tensors in a nested list by arrays; the promoted dtype of Tensors and NumPy
    scalars/arrays found inside (``None`` if there are only Python numbers)."""
    from nnlib.ops._util import promote_types

    explicit = None

    def walk(item: Any) -> Any:
        nonlocal explicit
        if isinstance(item, (list, tuple)):
            return [walk(i) for i in item]
        if isinstance(item, Tensor):
            item = move(item._array, Device("cpu"))  # GPU values are read back to build the list
        if isinstance(item, (np.ndarray, np.generic)):
            explicit = promote_types(explicit, item.dtype)
        return item

    return walk(data), explicit


def _has_python_numbers(data: Any) -> builtins.bool:
    if isinstance(data, list):
        return any(_has_python_numbers(d) for d in data)
    return isinstance(data, (builtins.int, builtins.float, builtins.bool))


def _ragged_detail(data: Any) -> str:
    """Where a nested list first changes length, in torch's terms."""

    def walk(item: Any, depth: builtins.int) -> str | None:
        if not isinstance(item, (list, tuple)) or not item:
            return None
        lengths = [len(i) if isinstance(i, (list, tuple)) else None for i in item]
        first = lengths[0]
        for n in lengths[1:]:
            if n != first:
                if first is None or n is None:
                    return f"numbers and lists mixed at dim {depth + 1}"
                return f"expected sequence of length {first} at dim {depth + 1} (got {n})"
        for i in item:
            found = walk(i, depth + 1)
            if found:
                return found
        return None

    return walk(data, 0) or "the elements cannot form one array"


def numpy_names(func: Any) -> Any:
    """Accept NumPy's ``axis=`` / ``keepdims=`` for ``dim=`` / ``keepdim=``, as torch does."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{func.__name__}(): got both dim and its alias axis")
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            if "keepdim" in kwargs:
                raise TypeError(f"{func.__name__}(): got both keepdim and its alias keepdims")
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return func(*args, **kwargs)

    return wrapper


class Size(tuple):
    """A tensor's shape, like ``torch.Size``: a tuple (equal to plain tuples) with ``numel()``.

    It prints as the plain tuple it is, e.g. ``(2, 3)``.
    """

    __slots__ = ()

    def numel(self) -> builtins.int:
        """The number of elements of a tensor of this shape."""
        return math.prod(self)

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item


class Tensor:
    """An n-dimensional array with automatic differentiation.

    Parameters
    ----------
    data : array_like or Tensor
        The values. A NumPy array is used as it is (no copy); a Tensor shares its array.
        Python data follows :func:`tensor`'s dtype rules.
    requires_grad : bool
        Record operations on this tensor so that ``backward()`` fills its ``.grad``.

    Attributes
    ----------
    data : Tensor
        A tensor that shares this one's storage but is cut from the graph, like torch's
        ``.data``: ``p.data.normal_()`` changes ``p`` without autograd seeing it. Assigning
        ``t.data = other`` swaps the storage. The library itself reads the raw array as
        ``t._array``.
    grad : Tensor or None
        The accumulated gradient of a leaf that requires grad.
    grad_fn : Node or None
        The graph node that produced this tensor (``None`` for leaves).

    Views and versions
    ------------------
    ``view``, ``reshape`` (when it can avoid a copy), basic indexing, ``transpose``/``T``,
    ``permute``, ``squeeze``/``unsqueeze``, ``expand``, ``diagonal``, ``detach`` ... return
    tensors that share this one's memory *and its version counter* (``_version``), so an
    in-place change through any of them is seen by ``backward()``. A view also remembers its
    base (``_base``) and how it was taken from it, so that an in-place op on the view rewrites
    the base's graph history, as torch does.
    """

    __slots__ = (
        "_array",
        "grad",
        "_requires_grad",
        "grad_fn",
        "_vc",
        "_base",
        "_view",
        "_hooks",
        "__weakref__",
    )

    # Make ``ndarray + Tensor`` call ``Tensor.__radd__`` instead of NumPy broadcasting over it.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data._array
        else:
            if not is_array(data):
                data = _infer_array(data, None)
            default = get_default_device()
            if default != "cpu" and device_of(data) == "cpu":
                data = move(data, default)
        self._array = data
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._vc = [0]
        self._base = None
        self._view = None
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @property
    def data(self) -> Tensor:
        """This tensor's storage as a new tensor outside the graph (like torch's ``.data``)."""
        return _tensor_from_array(self._array)

    @data.setter
    def data(self, value: Any) -> None:
        if isinstance(value, Tensor):
            value = value._array
        elif not is_array(value):
            value = _infer_array(value, None)
        self._array = value

    @property
    def _version(self) -> builtins.int:
        """How many in-place changes this tensor's storage has seen (shared with its views)."""
        return self._vc[0]

    @_version.setter
    def _version(self, value: builtins.int) -> None:
        self._vc[0] = value

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for ``backward()``."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        flag = builtins.bool(flag)
        if flag:
            _check_requires_grad(self._array.dtype)
        elif self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use "
                "t.detach() to get a tensor that does not require grad"
            )
        self._requires_grad = flag

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor during ``backward()`` (like torch)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref_ref(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose ``.grad`` is kept by ``backward()``."""
        node = self.grad_fn
        return node is not None and node._retained is not None and node._retained() is self

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Backpropagate from this tensor into the ``.grad`` of every leaf that requires grad.

        Parameters
        ----------
        gradient : Tensor, optional
            d(loss)/d(self), same shape as ``self``; may be left out for a scalar.
        retain_graph : bool
            Keep the graph's saved arrays for another ``backward()``.
        """
        _autograd.backward(self, gradient, retain_graph)

    def detach(self) -> Tensor:
        """A tensor sharing this one's array (and version counter) but cut from the graph."""
        out = _tensor_from_array(self._array)
        out._vc = self._vc
        return out

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place, making it a leaf."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead (it shares the memory)"
            )
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        """The size of every dimension, e.g. ``(N, C)`` (a :class:`Size`, i.e. a tuple)."""
        return Size(self._array.shape)

    @property
    def dtype(self) -> np.dtype:
        """The element type, a ``numpy.dtype`` such as ``nnlib.float32``."""
        return self._array.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._array.ndim

    @property
    def device(self) -> Device:
        """Where the data lives: ``cpu`` or ``cuda:N``."""
        return device_of(self._array)

    @property
    def is_cuda(self) -> builtins.bool:
        """True for a tensor on a CUDA GPU."""
        return self.device.type == "cuda"

    @property
    def xp(self) -> Any:
        """The array module of this tensor's data: NumPy on the CPU, CuPy on a GPU."""
        return array_module(self._array)

    def is_floating_point(self) -> builtins.bool:
        """True for float16/32/64 tensors."""
        return self._array.dtype.kind == "f"

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[_ops.normalize_dim(dim, self._array.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return self._array.size

    def dim(self) -> int:
        """The number of dimensions."""
        return self._array.ndim

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force: builtins.bool = False) -> np.ndarray:
        """The underlying array (shared, not copied).

        Raises for a tensor that requires grad, like torch: use ``t.detach().numpy()``; and for
        a tensor on a GPU: use ``t.cpu().numpy()`` (``force=True`` does both).
        """
        if force:
            return move(self._array, Device("cpu")).copy()
        self._check_on_cpu()
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._array

    def _check_on_cpu(self) -> None:
        if device_of(self._array) != "cpu":
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.

        Returns a handle whose ``remove()`` unregisters the hook, like torch.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self if self.grad_fn is None else self.grad_fn
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return _HookHandle(owner, hook)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        self._check_on_cpu()
        return self._array if dtype is None else self._array.astype(dtype, copy=False)

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._array.size} elements (shape {self._array.shape}) cannot be "
                "converted to a Python scalar; item() needs exactly one element"
            )
        return self._array.item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._array.tolist()

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self._array.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return builtins.int(self.item())

    def __bool__(self) -> builtins.bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(shape {self._array.shape}); use .any() or .all()"
            )
        return builtins.bool(self._array.item())

    def to(
        self,
        *args: Any,
        dtype: Any = None,
        device: Any = None,
        non_blocking: builtins.bool = False,
        copy: builtins.bool = False,
    ) -> Tensor:
        """Move to a device and/or cast to a dtype (differentiably); returns ``self`` if no change.

        ``t.to("cpu")``, ``t.to(nnlib.float64)``, ``t.to("cpu", nnlib.float64)``,
        ``t.to("cuda")``, ``t.to(other)`` (other's dtype and device), ``t.to(device,
        non_blocking=True)`` (nnlib copies synchronously). Asking for a device nnlib cannot use
        raises a ``RuntimeError``.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype, device = arg.dtype, arg.device
            elif isinstance(arg, Device) or (isinstance(arg, str) and _looks_like_device(arg)):
                device = arg
            elif isinstance(arg, builtins.bool):
                continue  # non_blocking given positionally: nnlib copies synchronously
            elif isinstance(arg, builtins.int):
                device = arg  # t.to(0) is t.to("cuda:0")
            else:
                dtype = arg
        out = self
        if device is not None:
            target = check_device(device)
            if target != device_of(self._array):
                out = _ops.to_device(out, target)
        if dtype is not None and np.dtype(dtype) != out._array.dtype:
            out = _ops.to_dtype(out, np.dtype(dtype))
        return _ops.clone(out) if copy and out is self else out

    def type(self, dtype: Any = None, non_blocking: builtins.bool = False) -> Any:
        """Without ``dtype``: the type name (``"torch.FloatTensor"``); with it: cast to it.

        ``dtype`` may be a dtype or a name such as ``"torch.DoubleTensor"``.
        """
        if dtype is None:
            return "torch." + _torch_dtype_name(self._array.dtype) + "Tensor"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            name = dtype.rsplit(".", 1)[-1].removesuffix("Tensor")
            lookup = {v: k for k, v in _TORCH_NAMES.items()}
            if name not in lookup:
                raise ValueError(f"type(): unknown tensor type {dtype!r}")
            dtype = lookup[name]
        return self.to(np.dtype(dtype))

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: builtins.bool = False):
        """A new tensor of ``data`` with this tensor's dtype and device (unless given)."""
        return tensor(
            data,
            dtype=self.dtype if dtype is None else dtype,
            requires_grad=requires_grad,
            device=self.device,
        )

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False):
        """Zeros of shape ``size`` with this tensor's dtype and device."""
        return zeros(
            *size,
            dtype=self.dtype if dtype is None else dtype,
            requires_grad=requires_grad,
            device=self.device,
        )

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False):
        """Ones of shape ``size`` with this tensor's dtype and device."""
        return ones(
            *size,
            dtype=self.dtype if dtype is None else dtype,
            requires_grad=requires_grad,
            device=self.device,
        )

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, requires_grad=False):
        """A tensor of shape ``size`` filled with ``fill_value``, with this tensor's dtype."""
        return full(
            size,
            fill_value,
            dtype=self.dtype if dtype is None else dtype,
            requires_grad=requires_grad,
            device=self.device,
        )

    def cpu(self) -> Tensor:
        """This tensor on the CPU: itself if it is there, else a copy (differentiable)."""
        return self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: builtins.bool = False) -> Tensor:
        """This tensor on a CUDA GPU (``cuda:0`` or ``device``); raises if nnlib has none."""
        if device is None:
            device = "cuda"
        elif isinstance(device, builtins.int):
            device = f"cuda:{device}"
        return self.to(device)

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.to(float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(float64)

    def long(self) -> Tensor:
        """Cast to int64."""
        return self.to(int64)

    def int(self) -> Tensor:
        """Cast to int32."""
        return self.to(int32)

    def bool(self) -> Tensor:
        """Cast to bool."""
        return self.to(bool_)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy of the data that stays in the graph (gradients flow back to ``self``)."""
        return _ops.clone(self)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.to(float16)

    def short(self) -> Tensor:
        """Cast to int16."""
        return self.to(int16)

    def byte(self) -> Tensor:
        """Cast to uint8."""
        return self.to(uint8)

    # ------------------------------------------------------------------ in-place methods
    def _check_inplace(self) -> None:
        """Raise where torch refuses an in-place op; bring a stale view's history up to date."""
        if not is_writeable(self._array):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers "
                "to a single memory location (an expand()ed or read-only tensor); clone() it "
                "before changing it in place"
            )
        if not _autograd._grad_enabled:
            return
        base = self._base
        if base is None:
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place "
                    "operation; wrap the update in `with nnlib.no_grad():` (as optimizers do)"
                )
            return
        if base._requires_grad and base.grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation; wrap the update in `with nnlib.no_grad():` or change a clone()"
            )
        if self._view.no_grad:
            raise RuntimeError(
                "a view was created in no_grad mode and is being modified in place with grad "
                "mode enabled; autograd cannot track this change. Take the view outside "
                "no_grad, or clone() it"
            )
        if self._view.version != self._vc[0]:
            _autograd._refresh_view(self)

    def _records_inplace(self, *others: Any) -> builtins.bool:
        """Does this in-place op have to be recorded in the graph?"""
        if not _autograd._grad_enabled:
            return False
        if self._requires_grad or (self._base is not None and self._base._requires_grad):
            return True
        return any(isinstance(o, Tensor) and o._requires_grad for o in others)

    def _snapshot(self) -> Tensor:
        """A copy of the current values with this tensor's graph history (the op's input)."""
        snap = _tensor_from_array(self._array.copy(), self._requires_grad, self.grad_fn)
        return snap

    def _rebase(self, compute: Any, op: str) -> Tensor:
        """Make ``self`` take the value and the graph history of ``compute(old self)``.

        ``compute`` receives a snapshot of ``self`` (so that what the op saves for backward is
        the old value, not the one written here). For a view, the base's history is rewritten:
        the base becomes "the old base with this region replaced", as in torch.
        """
        if self._view is not None and self._view.multi is not None:
            raise RuntimeError(
                f"{op}: this tensor is one of several views returned together by "
                f"{self._view.multi.lower()}() (split, chunk, unbind); such views cannot be "
                "modified in place while autograd records. Change a clone() of it, or change "
                "the base tensor"
            )
        result = compute(self._snapshot())
        if result.shape != self.shape:
            raise RuntimeError(
                f"{op}: the result of shape {result.shape} does not fit in place into a tensor "
                f"of shape {self.shape}"
            )
        _check_inplace_dtype(op, result._array.dtype, self._array.dtype)
        base = self._base
        if base is not None and result.grad_fn is not None:
            steps = self._view.steps
            new_base = _ops.scatter_view(base, result, steps)
            self._array[...] = result._array
            self._vc[0] += 1
            base.grad_fn = new_base.grad_fn
            base._requires_grad = True
            replayed = _autograd.view_of_tensor(base, steps)
            self.grad_fn = replayed.grad_fn
            self._requires_grad = True
            self._view.version = self._vc[0]
            return self
        self._array[...] = result._array
        self._vc[0] += 1
        if result.grad_fn is not None:
            self.grad_fn = result.grad_fn
            self._requires_grad = True
        return self

    def _apply_inplace(self, compute: Any, op: str) -> Tensor:
        """Replace the values by ``compute(self)`` in place (for ops with ``inplace=True``).

        Recorded like every in-place op: ``compute`` then runs on a snapshot, and the graph
        history (of a view's base, too) is rewritten.
        """
        self._check_inplace()
        if self._records_inplace():
            return self._rebase(compute, op)
        result = compute(_tensor_from_array(self._array))
        _check_inplace_dtype(op, result._array.dtype, self._array.dtype)
        self._array[...] = result._array
        self._vc[0] += 1
        return self

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Fill with ``value`` in place."""
        self._check_inplace()
        if self._records_inplace(value):
            return self._rebase(lambda s: _ops.fill(s, value), "fill_")
        self._array[...] = value._array if isinstance(value, Tensor) else value
        self._vc[0] += 1
        return self

    def copy_(self, src: Any, non_blocking: builtins.bool = False) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype, moved to this device)."""
        self._check_inplace()
        if self._records_inplace(src):
            return self._rebase(lambda s: _ops.copy_from(s, src), "copy_")
        src_data = src._array if isinstance(src, Tensor) else src
        if is_array(src_data):
            src_data = move(src_data, device_of(self._array))  # across devices, as torch does
        elif isinstance(src_data, (list, tuple)):
            src_data = array_module(self._array).asarray(src_data)
        try:
            self._array[...] = src_data
        except ValueError:
            raise RuntimeError(
                f"copy_: cannot copy a source of shape {np.shape(src_data)} into a tensor of "
                f"shape {self.shape}"
            ) from None
        self._vc[0] += 1
        return self

    def _inplace_binary(self, op: str, other: Any, ufunc: str) -> Tensor:
        self._check_inplace()
        if self._records_inplace(other):
            return self._rebase(lambda s: getattr(_ops, op)(s, other), op + "_")
        other_data = other._array if isinstance(other, Tensor) else other
        if ufunc == "true_divide" or isinstance(other_data, builtins.float):
            if self._array.dtype.kind in "iub":
                _check_inplace_dtype(op + "_", default_float_dtype, self._array.dtype)
        elif getattr(other_data, "dtype", None) is not None:
            _check_inplace_dtype(op + "_", other_data.dtype, self._array.dtype)
        try:
            getattr(array_module(self._array), ufunc)(
                self._array, other_data, out=self._array, casting="unsafe"
            )
        except ValueError:
            raise RuntimeError(
                f"{op}_: cannot apply an operand of shape {np.shape(other_data)} in place to a "
                f"tensor of shape {self.shape}"
            ) from None
        self._vc[0] += 1
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        if alpha != 1:
            other = other * alpha
        return self._inplace_binary("add", other, "add")

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        if alpha != 1:
            other = other * alpha
        return self._inplace_binary("sub", other, "subtract")

    def mul_(self, other: Any) -> Tensor:
        """``self *= other`` in place."""
        return self._inplace_binary("mul", other, "multiply")

    def div_(self, other: Any) -> Tensor:
        """``self /= other`` in place."""
        return self._inplace_binary("div", other, "true_divide")

    def pow_(self, exponent: Any) -> Tensor:
        """``self **= exponent`` in place."""
        return self._inplace_binary("pow", exponent, "power")

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """Clamp in place to ``[min, max]``."""
        self._check_inplace()
        if self._records_inplace(min, max):
            return self._rebase(lambda s: _ops.clamp(s, min, max), "clamp_")
        lo = min._array if isinstance(min, Tensor) else min
        hi = max._array if isinstance(max, Tensor) else max
        array_module(self._array).clip(self._array, lo, hi, out=self._array, casting="unsafe")
        self._vc[0] += 1
        return self

    clip_ = clamp_

    def _inplace_unary(self, op: str) -> Tensor:
        self._check_inplace()
        if self._array.dtype.kind not in "fc":
            raise RuntimeError(
                f"{op}_: result type Float can't be cast to the desired output type "
                f"{_torch_dtype_name(self._array.dtype)} (an in-place op keeps the dtype)"
            )
        if self._records_inplace():
            return self._rebase(lambda s: getattr(_ops, op)(s), op + "_")
        self._array[...] = getattr(_ops, op)(_tensor_from_array(self._array))._array
        self._vc[0] += 1
        return self

    def exp_(self) -> Tensor:
        """e**x in place."""
        return self._inplace_unary("exp")

    def log_(self) -> Tensor:
        """Natural logarithm in place."""
        return self._inplace_unary("log")

    def sqrt_(self) -> Tensor:
        """Square root in place."""
        return self._inplace_unary("sqrt")

    def tanh_(self) -> Tensor:
        """Hyperbolic tangent in place."""
        return self._inplace_unary("tanh")

    def sigmoid_(self) -> Tensor:
        """Logistic function in place."""
        return self._inplace_unary("sigmoid")

    def relu_(self) -> Tensor:
        """max(x, 0) in place."""
        return self._apply_inplace(_ops.relu, "relu_")

    def neg_(self) -> Tensor:
        """``-self`` in place."""
        return self.mul_(-1)

    def abs_(self) -> Tensor:
        """Absolute value in place."""
        self._check_inplace()
        if self._records_inplace():
            return self._rebase(lambda s: _ops.abs(s), "abs_")
        array_module(self._array).abs(self._array, out=self._array)
        self._vc[0] += 1
        return self

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """Set the elements where ``mask`` is true to ``value``, in place."""
        self._check_inplace()
        if self._records_inplace(value):
            return self._rebase(lambda s: _ops.masked_fill(s, mask, value), "masked_fill_")
        result = _ops.masked_fill(_tensor_from_array(self._array), mask, value)
        if result.shape != self.shape:
            raise RuntimeError(
                f"masked_fill_: a mask of shape {tuple(mask.shape)} broadcasts the result to "
                f"{result.shape}, which does not fit into a tensor of shape {self.shape}"
            )
        self._array[...] = result._array
        self._vc[0] += 1
        return self

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self += value * tensor1 * tensor2`` in place."""
        return self.add_(tensor1 * tensor2, alpha=value)

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self += value * tensor1 / tensor2`` in place."""
        return self.add_(tensor1 / tensor2, alpha=value)

    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, *, generator=None):
        """Fill in place with samples from U(a, b)."""
        gen = generator_for(self.device, generator)
        return self._fill_random(gen.uniform(a, b, self.shape).astype(self.dtype, copy=False))

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator=None):
        """Fill in place with samples from N(mean, std**2)."""
        values = draw_normal(generator_for(self.device, generator), mean, std, self.shape)
        return self._fill_random(values.astype(self.dtype, copy=False))

    def _fill_random(self, values: np.ndarray) -> Tensor:
        self._check_inplace()
        if self._records_inplace():  # new values that depend on nothing: no gradient flows
            return self._rebase(lambda s: _ops.fill(s, 0) + _tensor_from_array(values), "fill")
        self._array[...] = values
        self._vc[0] += 1
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace()
        if self._records_inplace(value):
            self._rebase(lambda s: _ops.index_put(s, index, value), "__setitem__")
            return
        xp = array_module(self._array)
        index = _ops.as_index(index, self._array.shape, xp)
        if isinstance(value, Tensor):
            value = value._array
        if xp is not np and isinstance(value, (np.ndarray, list, tuple)):
            value = xp.asarray(value)  # CPU data written into a GPU tensor: copied over
        try:
            self._array[index] = value
        except (IndexError, ValueError) as error:
            raise RuntimeError(
                f"setitem: cannot assign a value of shape {np.shape(value)} to index "
                f"{index!r} of a tensor of shape {self.shape}: {error}"
            ) from None
        self._vc[0] += 1

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return _ops.pow(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _ops.pow(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        return _ops.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other``."""
        return _ops.mul(self, other)

    def div(self, other: Any) -> Tensor:
        """``self / other``."""
        return _ops.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return _ops.pow(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        """Matrix product with torch's rules for 1-D and batched operands."""
        return _ops.matmul(self, other)

    def neg(self) -> Tensor:
        """``-self``."""
        return _ops.neg(self)

    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _ops.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value."""
        return _ops.abs(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Limit values to ``[min, max]`` (either may be ``None``)."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic function 1 / (1 + e**-x)."""
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return _ops.relu(self)

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum with ``other``."""
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum with ``other``."""
        return _ops.minimum(self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is true, ``self`` elsewhere."""
        return _ops.masked_fill(self, mask, value)

    # ------------------------------------------------------------------ reductions
    @numpy_names
    def sum(self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None):
        """Sum over ``dim`` (an int, a tuple, or ``None`` for all); ints sum to int64."""
        return _ops.sum(self, dim, keepdim, dtype=dtype)

    @numpy_names
    def mean(self, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        """Mean over ``dim`` (an int, a tuple, or ``None`` for all)."""
        return _ops.mean(self, dim, keepdim)

    @numpy_names
    def max(self, dim: Any = None, keepdim: builtins.bool = False) -> Any:
        """Largest value; with ``dim`` (int) a ``(values, indices)`` named tuple; or
        the elementwise maximum with another tensor, like ``torch.max(a, b)``."""
        return _ops.max(self, dim, keepdim)

    @numpy_names
    def min(self, dim: Any = None, keepdim: builtins.bool = False) -> Any:
        """Smallest value; with ``dim`` (int) a ``(values, indices)`` named tuple."""
        return _ops.min(self, dim, keepdim)

    @numpy_names
    def var(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """Variance over ``dim`` with Bessel's ``correction`` (1 by default, like torch)."""
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    @numpy_names
    def std(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """Standard deviation over ``dim`` (square root of :meth:`var`)."""
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    @numpy_names
    def argmax(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Index of the largest value (of the flattened tensor when ``dim`` is None)."""
        return _ops.argmax(self, dim, keepdim)

    @numpy_names
    def argmin(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Index of the smallest value (of the flattened tensor when ``dim`` is None)."""
        return _ops.argmin(self, dim, keepdim)

    @numpy_names
    def logsumexp(self, dim: Any, keepdim: builtins.bool = False) -> Tensor:
        """log(sum(exp(self))) over ``dim``, computed without overflow."""
        return _ops.logsumexp(self, dim, keepdim)

    @numpy_names
    def prod(self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None):
        """Product over ``dim`` (an int, or ``None`` for all elements)."""
        return _ops.prod(self, dim, keepdim, dtype=dtype)

    @numpy_names
    def norm(self, p: Any = "fro", dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        """The ``p``-norm over ``dim`` (all elements by default)."""
        return _ops.norm(self, p, dim, keepdim)

    def softmax(self, dim: builtins.int) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim``."""
        return _ops.softmax(self, dim)

    def log_softmax(self, dim: builtins.int) -> Tensor:
        """log(softmax(x)) along ``dim``, computed without overflow."""
        return _ops.log_softmax(self, dim)

    def all(self) -> Tensor:
        """True if every element is true (not differentiable)."""
        return _tensor_from_array(array_module(self._array).asarray(self._array.all()))

    def any(self) -> Tensor:
        """True if some element is true (not differentiable)."""
        return _tensor_from_array(array_module(self._array).asarray(self._array.any()))

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape; one size may be -1."""
        return _ops.reshape(self, _size_args(shape))

    def view(self, *shape: Any) -> Tensor:
        """A view with a new shape (shares memory); raises if that needs a copy, like torch.

        ``t.view(dtype)`` is not supported.
        """
        return _ops.view(self, _size_args(shape))

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """``self`` if its elements are laid out row by row, else a row-major copy."""
        if self._array.flags.c_contiguous:
            return self
        return _ops.clone(self)

    def is_contiguous(self, memory_format: Any = None) -> builtins.bool:
        """True if the elements are laid out row by row (C order) in memory."""
        return builtins.bool(self._array.flags.c_contiguous)

    def diagonal(self, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1):
        """The diagonal (a view), like ``torch.diagonal``."""
        return _ops.diagonal(self, offset, dim1, dim2)

    def narrow(self, dim: builtins.int, start: builtins.int, length: builtins.int) -> Tensor:
        """``length`` elements of ``dim`` from ``start`` on (a view)."""
        return _ops.narrow(self, dim, start, length)

    def view_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """Swap dimensions ``dim0`` and ``dim1``."""
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: output dim i is input dim ``dims[i]``."""
        return _ops.permute(self, _size_args(dims))

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Merge dimensions ``start_dim..end_dim`` into one."""
        return _ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Remove dimensions of size 1 (all of them, or ``dim``)."""
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps a dimension) without copying."""
        return _ops.expand(self, _size_args(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape."""
        return _ops.expand(self, other.shape)

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed (the transpose of a matrix)."""
        return _ops.permute(self, tuple(range(self._array.ndim - 1, -1, -1)))

    def t(self) -> Tensor:
        """The transpose of a matrix (a 0-d or 1-D tensor is returned as it is), as a view."""
        if self._array.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self._array.ndim}D; "
                "use transpose(dim0, dim1) or mT"
            )
        if self._array.ndim < 2:
            return _ops.reshape(self, self.shape)
        return _ops.transpose(self, 0, 1)

    def split(self, split_size: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        """Views of consecutive pieces along ``dim`` (see :func:`nnlib.ops.split`)."""
        return _ops.split(self, split_size, dim)

    def chunk(self, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        """``chunks`` views of (nearly) equal size along ``dim``."""
        return _ops.chunk(self, chunks, dim)

    def unbind(self, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim`` as views."""
        return _ops.unbind(self, dim)

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        return _ops.transpose(self, -2, -1)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # ------------------------------------------------------------------ comparisons
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not isinstance(other, _COMPARABLE):
            return NotImplemented  # e.g. t == "text": Python falls back to identity
        return _ops.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not isinstance(other, _COMPARABLE):
            return NotImplemented
        return _ops.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _ops.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ops.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.ge(self, other)

    def eq(self, other: Any) -> Tensor:
        """Elementwise ``==`` as a bool tensor."""
        return _ops.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        """Elementwise ``!=`` as a bool tensor."""
        return _ops.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        """Elementwise ``<`` as a bool tensor."""
        return _ops.lt(self, other)

    def le(self, other: Any) -> Tensor:
        """Elementwise ``<=`` as a bool tensor."""
        return _ops.le(self, other)

    def gt(self, other: Any) -> Tensor:
        """Elementwise ``>`` as a bool tensor."""
        return _ops.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        """Elementwise ``>=`` as a bool tensor."""
        return _ops.ge(self, other)

    def allclose(self, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> builtins.bool:
        """True if all elements are close to ``other``'s (see :meth:`isclose`)."""
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
        """Elementwise ``|self - other| <= atol + rtol * |other|``."""
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    # ------------------------------------------------------------------ integer and bool ops
    def __floordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _ops.remainder(other, self)

    def __and__(self, other: Any) -> Tensor:
        return _ops.bitwise("and", self, other)

    __rand__ = __and__

    def __or__(self, other: Any) -> Tensor:
        return _ops.bitwise("or", self, other)

    __ror__ = __or__

    def __xor__(self, other: Any) -> Tensor:
        return _ops.bitwise("xor", self, other)

    __rxor__ = __xor__

    def __invert__(self) -> Tensor:
        return _ops.bitwise_not(self)

    def logical_not(self) -> Tensor:
        """Elementwise not, as a bool tensor."""
        return _tensor_from_array(array_module(self._array).logical_not(self._array))

    def floor_divide(self, other: Any) -> Tensor:
        """``self // other`` (rounded towards minus infinity)."""
        return _ops.floor_divide(self, other)

    def remainder(self, other: Any) -> Tensor:
        """``self % other`` (sign of ``other``)."""
        return _ops.remainder(self, other)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along dimension ``i``."""
        return _ops.repeat(self, _size_args(sizes))

    def __format__(self, spec: str) -> str:
        if self._array.ndim == 0:
            return format(self._array.item(), spec)
        if not spec:
            return str(self)
        raise TypeError(
            f"unsupported format string {spec!r} passed to Tensor.__format__: only a 0-d tensor "
            "can be formatted like a number (use t.item() or t.tolist())"
        )

    def equal(self, other: Tensor) -> builtins.bool:
        """True if both tensors have the same shape and values."""
        return builtins.bool(array_module(self._array).array_equal(self._array, other._array))

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        extras = []
        if self._array.size == 0 and self._array.shape != (0,):
            extras.append(f"size={self._array.shape}")
        if self._array.dtype not in (float32, int64, bool_):
            extras.append(f"dtype={self._array.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        device = device_of(self._array)
        if device != "cpu":
            extras.insert(0, f"device='{device}'")
        body = _format_array(move(self._array, Device("cpu")), indent=len("tensor("))
        return "tensor(" + ", ".join([body, *extras]) + ")"

    __str__ = __repr__


_COMPARABLE = (Tensor, numbers.Number, np.ndarray, np.generic)


class _HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    def __init__(self, owner: Any, hook: Any) -> None:
        self._owner, self._hook = owner, hook

    def remove(self) -> None:
        hooks = self._owner._hooks
        if hooks is not None and self._hook in hooks:
            hooks.remove(self._hook)
            if not hooks:
                self._owner._hooks = None


def _tensor_from_array(data: Any, requires_grad: builtins.bool = False, grad_fn: Any = None):
    """Wrap an array in a Tensor without any checks (the fast path used by the ops)."""
    t = _new_tensor(Tensor)
    t._array = data
    t.grad = None
    t._requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._vc = [0]
    t._base = None
    t._view = None
    t._hooks = None
    return t


_TORCH_NAMES = {
    np.dtype("float32"): "Float",
    np.dtype("float64"): "Double",
    np.dtype("float16"): "Half",
    np.dtype("int64"): "Long",
    np.dtype("int32"): "Int",
    np.dtype("int16"): "Short",
    np.dtype("int8"): "Char",
    np.dtype("uint8"): "Byte",
    np.dtype("bool"): "Bool",
}


def _torch_dtype_name(dtype: np.dtype) -> str:
    """torch's name of a dtype in messages: Float, Double, Long, Int, Bool, ..."""
    return _TORCH_NAMES.get(np.dtype(dtype), str(dtype))


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _check_inplace_dtype(op: str, result: np.dtype, target: np.dtype) -> None:
    """An in-place op keeps the dtype; torch refuses to cast a float result into an int tensor."""
    if _CATEGORY.get(result.kind, 0) > _CATEGORY.get(target.kind, 0):
        raise RuntimeError(
            f"{op}: result type {_torch_dtype_name(result)} can't be cast to the desired output "
            f"type {_torch_dtype_name(target)} (an in-place op keeps the tensor's dtype)"
        )


_new_tensor = object.__new__


def _looks_like_device(name: str) -> builtins.bool:
    """A device name, or a string that is no dtype either (then ``check_device`` says why)."""
    if name.split(":", 1)[0].strip().lower() in ("cpu", "cuda", "mps", "xpu", "meta"):
        return True
    try:
        np.dtype(name)
    except TypeError:
        return True
    return False


def _size_args(sizes: Sequence[Any]) -> tuple[builtins.int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as torch does."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    return tuple(builtins.int(s) for s in sizes)


def _shape(size: tuple, kwargs: dict, op: str) -> tuple[builtins.int, ...]:
    """The shape of a factory call: ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``."""
    extra = set(kwargs) - {"size", "layout", "pin_memory", "out", "memory_format"}
    if extra:
        raise TypeError(f"{op}() got an unexpected keyword argument {sorted(extra)[0]!r}")
    if "size" in kwargs:
        if size:
            raise TypeError(f"{op}(): give the shape either positionally or as size=, not both")
        given = kwargs["size"]
        size = (given,) if isinstance(given, numbers.Integral) else (tuple(given),)
    return _size_args(size)


def _format_array(data: np.ndarray, indent: builtins.int) -> str:
    """Format values the way torch prints them: ``1.``, ``1.5000``, ``1.0000e-05``, aligned."""
    if data.size == 0:
        return "[]"
    flat = data.ravel()
    if flat.size > 1000:  # only the edges are printed (threshold below)
        flat = np.concatenate([flat[:500], flat[-500:]])
    fmt = _float_format(flat) if data.dtype.kind == "f" else str
    finite = flat[np.isfinite(flat)] if data.dtype.kind == "f" else flat
    width = max((len(fmt(v)) for v in finite), default=0)
    return np.array2string(
        data,
        separator=", ",
        prefix=" " * indent,
        threshold=1000,
        edgeitems=3,
        formatter={"all": lambda v: fmt(v).rjust(width)},
    )


def _float_format(values: np.ndarray) -> Any:
    """torch's choice: integers as ``1.``, else 4 decimals, else scientific for wide ranges."""
    finite = values[np.isfinite(values)]
    magnitude = np.abs(finite[finite != 0])
    large = magnitude.size > 0 and magnitude.max() >= 1e8
    if np.all(finite == np.round(finite)) and not large:
        pattern = "{:.0f}."
    elif magnitude.size > 0 and (
        large or magnitude.min() < 1e-4 or magnitude.max() / magnitude.min() > 1e3
    ):
        pattern = "{:.4e}"
    else:
        pattern = "{:.4f}"

    def fmt(v: Any) -> str:
        return pattern.format(v) if np.isfinite(v) else str(v)

    return fmt


# ---------------------------------------------------------------------- factories
def tensor(
    data: Any,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Make a new tensor that owns a copy of ``data``.

    Parameters
    ----------
    data : array_like
        Numbers, nested lists, a NumPy array, a GPU array or a Tensor.
    dtype : numpy.dtype, optional
        Python floats default to float32, ints to int64, bools to bool; NumPy data keeps its
        dtype.
    requires_grad : bool
        Make a leaf that collects gradients (floating dtypes only).
    device : str, optional
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``. By default a GPU tensor's or array's own device,
        and the default device (:func:`nnlib.set_default_device`) for other data.
    """
    source = data._array if isinstance(data, Tensor) else data
    if is_array(source) and device_of(source) != "cpu":  # GPU data: copied where it is asked
        target = device_of(source) if device is None else check_device(device)
        array = move(source, target)
        if array is source:
            array = array.copy()
        if dtype is not None:
            array = array.astype(np.dtype(dtype), copy=False)
        return _leaf(array, requires_grad)
    target = check_device(device)
    array = _infer_array(data, _as_dtype(dtype))
    if target != "cpu":
        array = move(array, target)
    return _leaf(array, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor that shares ``array``'s memory and dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return _tensor_from_array(array)


def _array_of(data: Any) -> Any:
    """The array behind ``data``, copying nothing that need not be copied: a tensor's own
    array, a NumPy or GPU array itself, anything else (lists, numbers) through ``np.asarray``."""
    if isinstance(data, Tensor):
        return data._array
    return data if is_array(data) else np.asarray(data)


def _leaf(array: Any, requires_grad: builtins.bool) -> Tensor:
    """A new leaf tensor of ``array``, on the array's own device."""
    if requires_grad:
        _check_requires_grad(array.dtype)
    return _tensor_from_array(array, builtins.bool(requires_grad))


def _make(device: Any, make: Any, requires_grad: builtins.bool) -> Tensor:
    """A tensor of the array ``make(xp)`` creates on ``device`` (the default device if None)."""
    target = check_device(device)
    if target == "cpu":
        return _leaf(make(np), requires_grad)
    with device_context(target):
        return _leaf(make(get_array_module(target)), requires_grad)


def _draw(device: Any, generator: Any, draw: Any, requires_grad: builtins.bool) -> Tensor:
    """A tensor of the array ``draw(gen)`` draws on ``device`` (see :func:`generator_for`)."""
    target = check_device(device)
    with device_context(target):
        return _leaf(draw(generator_for(target, generator)), requires_grad)


def _float_dtype(dtype: Any) -> np.dtype:
    return default_float_dtype if dtype is None else np.dtype(dtype)


def zeros(
    *size: Any,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
    **kwargs: Any,
):
    """A tensor of zeros of shape ``size`` (float32 unless ``dtype`` is given)."""
    shape, dtype = _shape(size, kwargs, "zeros"), _float_dtype(dtype)
    return _make(device, lambda xp: xp.zeros(shape, dtype), requires_grad)


def ones(
    *size: Any,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
    **kwargs: Any,
):
    """A tensor of ones of shape ``size`` (float32 unless ``dtype`` is given)."""
    shape, dtype = _shape(size, kwargs, "ones"), _float_dtype(dtype)
    return _make(device, lambda xp: xp.ones(shape, dtype), requires_grad)


def empty(
    *size: Any,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
    **kwargs: Any,
):
    """An uninitialised tensor of shape ``size``."""
    shape, dtype = _shape(size, kwargs, "empty"), _float_dtype(dtype)
    return _make(device, lambda xp: xp.empty(shape, dtype), requires_grad)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred like torch)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _infer_array(fill_value, None).dtype
    shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    return _make(device, lambda xp: xp.full(shape, fill_value, np.dtype(dtype)), requires_grad)


def rand(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
    **kwargs: Any,
) -> Tensor:
    """Samples from U[0, 1) of shape ``size``."""
    shape, dtype = _shape(size, kwargs, "rand"), _float_dtype(dtype)
    return _draw(device, generator, lambda gen: gen.random(shape, dtype), requires_grad)


def randn(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
    **kwargs: Any,
) -> Tensor:
    """Samples from the standard normal distribution of shape ``size``."""
    shape, dtype = _shape(size, kwargs, "randn"), _float_dtype(dtype)
    return _draw(device, generator, lambda gen: gen.standard_normal(shape, dtype), requires_grad)


def randint(
    low: builtins.int,
    high: builtins.int | None = None,
    size: Any = (),
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Random integers in ``[low, high)`` of shape ``size`` (``[0, low)`` without ``high``)."""
    if high is None:
        low, high = 0, low
    dtype = int64 if dtype is None else np.dtype(dtype)
    shape = tuple(size)
    return _draw(
        device, generator, lambda gen: gen.integers(low, high, size=shape).astype(dtype), False
    )


def randperm(
    n: builtins.int, *, generator: np.random.Generator | None = None, device: Any = None
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""

    def draw(gen: Any) -> Any:
        if isinstance(gen, np.random.Generator):
            return gen.permutation(n).astype(int64)
        # A GPU's generator has no permutation(): sorting random keys gives a uniform one.
        return array_module(keys := gen.random(n)).argsort(keys).astype(int64)

    return _draw(device, generator, draw, False)


def randn_like(
    input: Tensor,
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Standard normal samples with ``input``'s shape, dtype and device."""
    return randn(
        *input.shape,
        generator=generator,
        dtype=input.dtype if dtype is None else dtype,
        requires_grad=requires_grad,
        device=input.device if device is None else device,
    )


def zeros_like(
    input: Tensor, *, dtype: Any = None, requires_grad: builtins.bool = False, device: Any = None
) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device."""
    dtype = input.dtype if dtype is None else np.dtype(dtype)
    device = input.device if device is None else device
    return _make(device, lambda xp: xp.zeros(input.shape, dtype), requires_grad)


def ones_like(
    input: Tensor, *, dtype: Any = None, requires_grad: builtins.bool = False, device: Any = None
) -> Tensor:
    """Ones with ``input``'s shape, dtype and device."""
    dtype = input.dtype if dtype is None else np.dtype(dtype)
    device = input.device if device is None else device
    return _make(device, lambda xp: xp.ones(input.shape, dtype), requires_grad)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Values ``start, start + step, ...`` below ``end`` (``0 .. start-1`` if ``end`` is None).

    int64 when all arguments are integers, float32 otherwise (like torch).
    """
    if end is None:
        start, end = 0, start
    if dtype is None:
        integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if integral else default_float_dtype
    return _make(device, lambda xp: xp.arange(start, end, step).astype(dtype), requires_grad)


def linspace(
    start: Any,
    end: Any,
    steps: builtins.int,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    dtype = _float_dtype(dtype)
    return _make(device, lambda xp: xp.linspace(start, end, steps).astype(dtype), requires_grad)


def eye(
    n: builtins.int,
    m: builtins.int | None = None,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """An ``n x m`` matrix with ones on the diagonal."""
    dtype = _float_dtype(dtype)
    return _make(device, lambda xp: xp.eye(n, m, dtype=dtype), requires_grad)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Samples from N(mean, std**2), like ``torch.normal``.

    ``mean`` and ``std`` are numbers (then ``size`` gives the shape) or tensors (their
    broadcast shape, dtype and device).
    """
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        m = mean._array if isinstance(mean, Tensor) else mean
        s = std._array if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dtype = tensors[0].dtype if dtype is None else np.dtype(dtype)
        device = tensors[0].device if device is None else device
        negative = builtins.bool((s < 0).any()) if isinstance(std, Tensor) else s < 0
    else:
        if size is None:
            raise TypeError("normal(): give size= when mean and std are numbers")
        m, s = mean, std
        shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
        dtype = _float_dtype(dtype)
        negative = s < 0
    if negative:
        raise RuntimeError("normal(): std must be >= 0")
    return _draw(
        device,
        generator,
        lambda gen: (m + s * gen.standard_normal(shape)).astype(dtype),
        requires_grad,
    )


# The graph engine and the ops import ``Tensor`` from this module, so they are imported last
# (see the module docstring). Methods above reach them through these two names at call time.
from nnlib import autograd as _autograd  # noqa: E402 - autograd imports Tensor
from nnlib import ops as _ops  # noqa: E402 - the ops import Tensor
