"""Bridges to PyTorch: convert tensors, copy weights between twin models, check parity.

Every chapter checks ``nnlib`` against PyTorch. This module holds the tools for that:

* :func:`to_torch` / :func:`from_torch` convert tensors (copying the values);
* :func:`copy_parameters` copies parameters and buffers between an ``nnlib`` module and the
  matching ``torch.nn`` module, in either direction;
* :func:`check_parity` runs an ``nnlib`` function and its torch twin on the same inputs and
  compares outputs and gradients.

PyTorch is imported only inside these functions, so ``nnlib`` itself never needs it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnlib.backend import (
    CPU,
    array_module,
    available_devices,
    check_device,
    device_context,
    device_of,
    get_array_module,
    move,
)
from nnlib.nn.module import Module, _shape_str
from nnlib.tensor import Tensor, tensor

__all__ = [
    "ParityReport",
    "check_parity",
    "copy_parameters",
    "from_torch",
    "register_converter",
    "to_torch",
]


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as error:  # pragma: no cover - torch is in the test extras
        raise ImportError(
            "nnlib.interop needs PyTorch to compare against; install it with `pip install torch`"
        ) from error
    return torch


def _is_torch_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


# ------------------------------------------------------------------------ tensors
def to_torch(t: Tensor | np.ndarray, device: str = "cpu", requires_grad: bool | None = None):
    """Copy an nnlib Tensor (or a NumPy array) into a new torch tensor, keeping the dtype.

    Parameters
    ----------
    t : Tensor or numpy.ndarray
    device : str, default "cpu"
        The torch device of the result (``"cpu"``, ``"cuda"``, ...).
    requires_grad : bool, optional
        Defaults to ``t.requires_grad`` for a Tensor and False for an array. The result is
        always a leaf.

    Returns
    -------
    torch.Tensor
        Shares no memory with ``t``. A GPU tensor goes to torch through DLPack, without a
        trip through host memory when ``device`` is a GPU too.
    """
    torch = _import_torch()
    if isinstance(t, Tensor):
        array = t._array
        requires_grad = t.requires_grad if requires_grad is None else requires_grad
    elif isinstance(t, (np.ndarray, np.generic)):
        array = np.asarray(t)
    else:
        raise TypeError(
            f"to_torch: expected an nnlib Tensor or NumPy array, got {type(t).__name__}"
        )
    if device_of(array) != "cpu":
        result = torch.from_dlpack(array).clone().to(device)
    else:
        result = torch.from_numpy(np.array(array, copy=True)).to(device)
    return result.requires_grad_(bool(requires_grad))


def from_torch(tt: Any, requires_grad: bool = False) -> Tensor:
    """Copy a torch tensor (on any device) into a new nnlib Tensor, keeping the dtype.

    Parameters
    ----------
    tt : torch.Tensor
    requires_grad : bool, default False
        Whether the new (leaf) Tensor requires grad.

    A CUDA tensor becomes an nnlib tensor on the same GPU through DLPack (no trip through
    host memory) when nnlib can use that GPU; a CPU tensor lands on nnlib's default device.
    """
    if not _is_torch_tensor(tt):
        raise TypeError(f"from_torch: expected a torch.Tensor, got {type(tt).__name__}")
    torch = _import_torch()
    if tt.dtype == torch.bfloat16:
        raise TypeError("from_torch: bfloat16 has no NumPy dtype; convert with tt.float() first")
    if tt.device.type == "cuda" and str(tt.device) in available_devices():
        device = check_device(str(tt.device))
        with device_context(device):
            array = get_array_module(device).from_dlpack(tt.detach()).copy()
        return tensor(array, requires_grad=requires_grad)
    array = tt.detach().cpu().numpy().copy()
    return tensor(array, requires_grad=requires_grad)


def _numpy_of(value: Any) -> np.ndarray:
    """The values of an nnlib Tensor, a torch tensor (on any device) or a plain number."""
    if isinstance(value, Tensor):
        return move(value._array, CPU)
    if _is_torch_tensor(value):
        return value.detach().cpu().numpy()
    return np.asarray(value)


# ------------------------------------------------------------------ copy_parameters
#: (nnlib module class, torch module class name) -> converter; see register_converter.
_CONVERTERS: dict[tuple[type, str], Callable[[dict[str, np.ndarray], str], dict]] = {}


def register_converter(
    nnlib_type: type,
    torch_type_name: str,
    fn: Callable[[dict[str, np.ndarray], str], dict[str, np.ndarray]],
) -> None:
    """Teach :func:`copy_parameters` a layer whose state names or layouts differ from torch's.

    Parameters
    ----------
    nnlib_type : type
        The nnlib module class (subclasses match too).
    torch_type_name : str
        The torch module's class name, e.g. ``"LSTM"``.
    fn : callable ``fn(state, direction) -> state``
        ``state`` maps the layer's own state_dict names (relative to the layer, covering
        its whole subtree) to NumPy arrays of the *source* side; ``direction`` is
        ``"to_torch"`` or ``"from_torch"``. Return the same values named and laid out as the
        *destination* side expects; shapes are then checked as usual.
    """
    if not isinstance(nnlib_type, type) or not issubclass(nnlib_type, Module):
        raise TypeError(f"register_converter: {nnlib_type!r} is not an nnlib Module class")
    _CONVERTERS[(nnlib_type, torch_type_name)] = fn


def _find_converter(nnlib_module: Module, torch_module: Any) -> Callable | None:
    torch_name = type(torch_module).__name__
    for cls in type(nnlib_module).__mro__:
        fn = _CONVERTERS.get((cls, torch_name))
        if fn is not None:
            return fn
    return None


def _converted_source_state(
    nnlib_root: Module, torch_root: Any, source: dict[str, np.ndarray], direction: str
) -> dict[str, np.ndarray]:
    """``source`` with the entries of every registered layer replaced by its converter's output."""
    if not _CONVERTERS:
        return source
    torch_modules = dict(torch_root.named_modules())
    state = dict(source)
    converted_prefixes: list[str] = []
    for name, module in nnlib_root.named_modules():
        if any(name.startswith(p) for p in converted_prefixes) or name not in torch_modules:
            continue
        fn = _find_converter(module, torch_modules[name])
        if fn is None:
            continue
        prefix = name + "." if name else ""
        converted_prefixes.append(prefix)
        local = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        for key in local:
            del state[prefix + key]
        for key, value in fn(local, direction).items():
            state[prefix + key] = np.asarray(value)
    return state


def copy_parameters(src: Any, dst: Any) -> None:
    """Copy all parameters and buffers from ``src`` into ``dst`` (in place).

    One of the two is an nnlib :class:`~nnlib.nn.module.Module`, the other the matching
    ``torch.nn.Module``; either may be the source. Entries are matched by their
    ``state_dict`` names and must have equal shapes (values are cast to ``dst``'s dtypes and
    device). Layers registered with :func:`register_converter` are translated first.

    Raises
    ------
    ValueError
        Listing every name missing on one side and every shape mismatch; nothing is
        copied in that case.
    """
    src_is_nnlib, dst_is_nnlib = isinstance(src, Module), isinstance(dst, Module)
    if src_is_nnlib == dst_is_nnlib:
        raise TypeError(
            "copy_parameters: expected one nnlib Module and one torch.nn.Module, got "
            f"{type(src).__name__} and {type(dst).__name__}"
        )
    direction = "to_torch" if src_is_nnlib else "from_torch"
    nnlib_root, torch_root = (src, dst) if src_is_nnlib else (dst, src)
    source = {name: _numpy_of(value) for name, value in src.state_dict().items()}
    source = _converted_source_state(nnlib_root, torch_root, source, direction)
    targets = dst.state_dict(keep_vars=True)

    problems = []
    missing = [name for name in targets if name not in source]
    extra = [name for name in source if name not in targets]
    if missing:
        problems.append(f"missing in source ({type(src).__name__}): {', '.join(missing)}")
    if extra:
        problems.append(f"missing in destination ({type(dst).__name__}): {', '.join(extra)}")
    for name, target in targets.items():
        if name in source and tuple(source[name].shape) != tuple(target.shape):
            problems.append(
                f"shape mismatch for {name}: source {_shape_str(source[name].shape)}, "
                f"destination {_shape_str(tuple(target.shape))}"
            )
    if problems:
        raise ValueError(
            f"copy_parameters({type(src).__name__} -> {type(dst).__name__}): the models do "
            "not match:\n  " + "\n  ".join(problems)
        )

    if dst_is_nnlib:
        for name, target in targets.items():
            target._array[...] = array_module(target._array).asarray(source[name])
    else:
        torch = _import_torch()
        with torch.no_grad():
            for name, target in targets.items():
                target.copy_(torch.from_numpy(np.ascontiguousarray(source[name])))


# --------------------------------------------------------------------- check_parity
_DEFAULT_TOLERANCES = {np.dtype("float64"): (1e-10, 1e-12), np.dtype("float32"): (1e-5, 1e-6)}


def _error_bound(error: float, floor: float) -> str:
    """A coarse, stable rendering of an error: the next power of ten above it (at least
    ``floor``), e.g. ``<1e-12``, so that notebook outputs do not change between machines."""
    if error == 0 or error < floor:
        exponent = round(math.log10(floor))
    elif math.isfinite(error):
        exponent = math.floor(math.log10(error)) + 1
    else:
        return str(error)
    return f"<1e{exponent}"


@dataclass(repr=False)
class ParityReport:
    """Result of :func:`check_parity` (which raises if anything differs).

    Attributes
    ----------
    device, dtype : str
        Where the torch twin ran and the floating dtype of the inputs.
    max_abs_err_outputs, max_rel_err_outputs : list of float
        Per output (in order), the largest absolute / relative difference.
    max_abs_err_grads, max_rel_err_grads : list of float
        Per floating input (in order), the same for the gradients; empty if not checked.
    rtol, atol : float
        The tolerances used.
    """

    device: str
    dtype: str
    rtol: float
    atol: float
    max_abs_err_outputs: list[float] = field(default_factory=list)
    max_rel_err_outputs: list[float] = field(default_factory=list)
    max_abs_err_grads: list[float] = field(default_factory=list)
    max_rel_err_grads: list[float] = field(default_factory=list)

    @property
    def max_abs_err_output(self) -> float:
        """The largest absolute output error over all outputs."""
        return max(self.max_abs_err_outputs, default=0.0)

    def __repr__(self) -> str:
        def show(errors: list[float]) -> str:
            return "[" + ", ".join(_error_bound(e, self.atol) for e in errors) + "]"

        return (
            f"ParityReport(device={self.device!r}, dtype={self.dtype}, "
            f"max_abs_err_output={_error_bound(self.max_abs_err_output, self.atol)}, "
            f"max_abs_err_grads={show(self.max_abs_err_grads)})"
        )


def _as_output_list(output: Any) -> list[Any]:
    return list(output) if isinstance(output, (tuple, list)) else [output]


def _compare(
    what: str, ours: np.ndarray, theirs: np.ndarray, rtol: float, atol: float
) -> tuple[float, float]:
    """Max abs and rel error of ``ours`` against the reference ``theirs``; raise if too large."""
    if ours.shape != theirs.shape:
        raise AssertionError(
            f"check_parity: {what} has shape {_shape_str(ours.shape)} in nnlib but "
            f"{_shape_str(theirs.shape)} in torch"
        )
    if ours.dtype != theirs.dtype:
        raise AssertionError(
            f"check_parity: {what} has dtype {ours.dtype} in nnlib but {theirs.dtype} in torch"
        )
    if ours.size == 0:
        return 0.0, 0.0
    if not np.issubdtype(ours.dtype, np.inexact):
        if not np.array_equal(ours, theirs):
            raise AssertionError(
                f"check_parity: {what} ({ours.dtype}, shape {_shape_str(ours.shape)}) differs: "
                f"{int((ours != theirs).sum())} of {ours.size} entries are not equal"
            )
        return 0.0, 0.0
    ours64, theirs64 = ours.astype(np.float64), theirs.astype(np.float64)
    same_nonfinite = (ours64 == theirs64) | (np.isnan(ours64) & np.isnan(theirs64))
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_err = np.where(same_nonfinite, 0.0, np.abs(ours64 - theirs64))
        rel_err = np.where(abs_err == 0, 0.0, abs_err / np.abs(theirs64))
    max_abs, max_rel = float(abs_err.max()), float(rel_err.max())
    bad = ~(abs_err <= atol + rtol * np.abs(theirs64))
    if bad.any():
        raise AssertionError(
            f"check_parity: {what} differs (shape {_shape_str(ours.shape)}, {ours.dtype}): "
            f"max abs err {max_abs:.3g}, max rel err {max_rel:.3g}, {int(bad.sum())} of "
            f"{ours.size} entries outside rtol={rtol:g}, atol={atol:g}"
        )
    return max_abs, max_rel


def check_parity(
    nnlib_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    *inputs: Any,
    device: str = "cpu",
    dtype: Any = "float64",
    rtol: float | None = None,
    atol: float | None = None,
    check_grad: bool = True,
    seed: int = 0,
) -> ParityReport:
    """Check that ``nnlib_fn`` and ``torch_fn`` agree in values and gradients.

    Parameters
    ----------
    nnlib_fn, torch_fn : callable
        Called with the inputs as nnlib Tensors / torch tensors; return a tensor or a
        tuple/list of tensors.
    *inputs : numpy.ndarray (or other values, passed through unchanged)
        Floating arrays are cast to ``dtype`` and require grad; integer and boolean arrays
        are passed as they are (e.g. class indices).
    device : str, default "cpu"
        Where the torch twin runs.
    dtype : str or numpy dtype, default "float64"
    rtol, atol : float, optional
        Default by dtype: float64 ``1e-10, 1e-12``; float32 ``1e-5, 1e-6``.
    check_grad : bool, default True
        Also backpropagate the same random cotangent (drawn with ``seed``) through both
        and compare the gradient of every floating input.
    seed : int, default 0

    Returns
    -------
    ParityReport

    Raises
    ------
    AssertionError
        Naming what differed (``output k`` or ``gradient of input k``), the max abs/rel
        errors and the shape.
    """
    torch = _import_torch()
    dtype = np.dtype(dtype)
    if dtype not in _DEFAULT_TOLERANCES:
        raise ValueError(f"check_parity: dtype must be float32 or float64, got {dtype}")
    default_rtol, default_atol = _DEFAULT_TOLERANCES[dtype]
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol

    ours_in: list[Any] = []
    theirs_in: list[Any] = []
    floating: list[int] = []
    for index, value in enumerate(inputs):
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
            array = value.astype(dtype)
            ours_in.append(tensor(array.copy(), requires_grad=check_grad))
            theirs_in.append(torch.tensor(array, device=device, requires_grad=check_grad))
            floating.append(index)
        elif isinstance(value, np.ndarray):
            ours_in.append(tensor(value.copy()))
            theirs_in.append(torch.tensor(value, device=device))
        else:
            ours_in.append(value)
            theirs_in.append(value)

    ours_out = _as_output_list(nnlib_fn(*ours_in))
    theirs_out = _as_output_list(torch_fn(*theirs_in))
    if len(ours_out) != len(theirs_out):
        raise AssertionError(
            f"check_parity: nnlib returned {len(ours_out)} outputs, torch {len(theirs_out)}"
        )
    report = ParityReport(device=str(device), dtype=str(dtype), rtol=rtol, atol=atol)
    for k, (ours, theirs) in enumerate(zip(ours_out, theirs_out, strict=True)):
        abs_err, rel_err = _compare(f"output {k}", _numpy_of(ours), _numpy_of(theirs), rtol, atol)
        report.max_abs_err_outputs.append(abs_err)
        report.max_rel_err_outputs.append(rel_err)

    if not (check_grad and floating):
        return report
    rng = np.random.default_rng(seed)
    ours_total, theirs_total = None, None
    for k, (ours, theirs) in enumerate(zip(ours_out, theirs_out, strict=True)):
        ours_tracked = isinstance(ours, Tensor) and ours.requires_grad
        if ours_tracked != bool(getattr(theirs, "requires_grad", False)):
            raise AssertionError(
                f"check_parity: output {k} requires grad in "
                f"{'nnlib' if ours_tracked else 'torch'} but not in "
                f"{'torch' if ours_tracked else 'nnlib'}"
            )
        if not ours_tracked:
            continue
        cotangent = rng.standard_normal(ours.shape).astype(ours.dtype)
        ours_term = (ours * tensor(cotangent, device=ours.device)).sum()
        theirs_term = (theirs * torch.tensor(cotangent, device=theirs.device)).sum()
        ours_total = ours_term if ours_total is None else ours_total + ours_term
        theirs_total = theirs_term if theirs_total is None else theirs_total + theirs_term
    if ours_total is not None:
        ours_total.backward()
    if theirs_total is not None:
        theirs_total.backward()
    for index in floating:
        ours_grad = ours_in[index].grad
        theirs_grad = theirs_in[index].grad
        shape = ours_in[index].shape
        ours_array = np.zeros(shape, dtype) if ours_grad is None else _numpy_of(ours_grad)
        theirs_array = (
            np.zeros(shape, dtype) if theirs_grad is None else theirs_grad.detach().cpu().numpy()
        )
        abs_err, rel_err = _compare(
            f"gradient of input {index}", ours_array, theirs_array, rtol, atol
        )
        report.max_abs_err_grads.append(abs_err)
        report.max_rel_err_grads.append(rel_err)
    return report
