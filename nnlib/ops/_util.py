"""Small helpers shared by the op modules: checking ``dim`` arguments, operands and errors."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from nnlib.backend import device_mismatch, device_of, is_array
from nnlib.tensor import Tensor, default_float_dtype

__all__ = [
    "as_index",
    "cast_to",
    "float_input",
    "promote_types",
    "result_type",
    "broadcast_error",
    "normalize_dim",
    "normalize_dims",
    "promote_operands",
]


def normalize_dim(dim: Any, ndim: int, op: str, extra: int = 0) -> int:
    """Turn a possibly negative ``dim`` into an index in ``range(ndim)``, or raise clearly.

    ``extra=1`` is for ops that insert a dimension (``unsqueeze``, ``stack``): ``dim`` may then
    also name the position after the last dimension.
    """
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    size = max(ndim + extra, 1)
    if not -size <= dim < size:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}] for "
            f"a tensor with {ndim} dimension{'s' if ndim != 1 else ''}, but got {dim})"
        )
    return int(dim) % size


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``None`` (all dims) stays ``None``; an int or a sequence becomes a sorted tuple."""
    if dim is None:
        return None
    if isinstance(dim, numbers.Integral):
        return (normalize_dim(dim, ndim, op),) if ndim else ()
    dims = tuple(normalize_dim(d, ndim, op) for d in dim) if ndim else ()
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {tuple(dim)} names a dimension more than once")
    return tuple(sorted(dims))


def broadcast_error(op: str, a: Any, b: Any) -> RuntimeError:
    """The error for operands whose shapes do not broadcast."""
    return RuntimeError(
        f"{op}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together (each "
        "dimension, aligned from the right, must be equal or 1)"
    )


_SCALARS = (int, float, bool)


def _operand(op: str, x: Any) -> Any:
    if isinstance(x, Tensor) or x.__class__ in _SCALARS or is_array(x):
        return x
    if isinstance(x, np.generic):  # NumPy scalars would upcast float32 (NEP 50); use Python's
        return x.item()
    if isinstance(x, numbers.Number):
        return x
    raise TypeError(
        f"{op}: unsupported operand of type {type(x).__name__}; use a Tensor, an array or a number"
    )


def _dtype_of(x: Any) -> np.dtype | None:
    if isinstance(x, Tensor):
        return x._array.dtype
    if is_array(x):
        return x.dtype
    return None


def float_input(x: Tensor) -> Tensor:
    """A floating-only function's input: integer and bool tensors become float32, like torch."""
    if x._array.dtype.kind in "biu":
        return cast_to(x, default_float_dtype)
    return x


#: torch's dtype categories: bool < integer < floating < complex.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(a: np.dtype | None, b: np.dtype | None) -> np.dtype | None:
    """torch.promote_types: the higher category wins; within one, the wider type.

    NumPy differs across categories (int64 with float32 gives float64 there); torch keeps
    the floating type (float32).
    """
    if a is None:
        return b
    if b is None or a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _combine_categories(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """A higher-priority operand group keeps its dtype unless the lower one is of a higher
    category (torch's ``combine_categories``)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _CATEGORY[higher.kind] >= 2:
        return higher
    if higher.kind == "b" or _CATEGORY[lower.kind] >= 2:
        return promote_types(higher, lower)
    return higher


_PY_DTYPES = {bool: np.dtype(bool), int: np.dtype(np.int64)}


def result_type(*operands: Any) -> np.dtype:
    """torch.result_type of tensors, arrays and Python numbers.

    Tensors with dimensions decide first; 0-d tensors, then Python numbers, only widen the
    result when they are of a higher category (``float32_tensor * float64_0d`` stays float32,
    ``int32_tensor + 5`` stays int32, ``int_tensor * 0.5`` is float32).
    """
    dim = zero = wrapped = None
    for x in operands:
        array = x._array if isinstance(x, Tensor) else x
        dtype = getattr(array, "dtype", None)
        if dtype is not None and is_array(array):
            if array.ndim:
                dim = promote_types(dim, dtype)
            else:
                zero = promote_types(zero, dtype)
            continue
        if isinstance(x, np.generic):
            x = x.item()
        if isinstance(x, bool):
            kind = _PY_DTYPES[bool]
        elif isinstance(x, numbers.Integral):
            kind = _PY_DTYPES[int]
        elif isinstance(x, numbers.Real):
            kind = default_float_dtype
        elif isinstance(x, numbers.Complex):
            kind = np.dtype(np.complex64)
        else:
            continue
        wrapped = promote_types(wrapped, kind)
    return _combine_categories(dim, _combine_categories(zero, wrapped))


def cast_to(x: Any, dtype: np.dtype) -> Any:
    """``x`` with ``dtype``: Tensors differentiably, arrays by ``astype``, numbers unchanged."""
    if isinstance(x, Tensor):
        if x._array.dtype == dtype:
            return x
        from nnlib.ops.elementwise import to_dtype  # elementwise imports this module

        return to_dtype(x, dtype)
    if is_array(x):
        return x if x.dtype == dtype else x.astype(dtype)
    return x


def _check_host_array(op: str, x: Any, other: Any) -> None:
    """A NumPy array with dimensions cannot meet a GPU tensor: torch raises the same error."""
    if isinstance(x, np.ndarray) and x.ndim and isinstance(other, Tensor):
        where = device_of(other._array)
        if where != "cpu":
            raise device_mismatch(
                where,
                "cpu",
                f"{op}: a NumPy array is on the cpu; make it a tensor on {where} first",
            )


def promote_operands(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    """Check two operands and give them torch's result dtype (:func:`result_type`).

    NumPy turns ``int64 + float32`` into float64, ``int_tensor * 0.5`` into float64 and
    lets a 0-d float64 array widen a float32 one; torch does none of these. Python numbers
    stay Python numbers, which NumPy treats as "weak" (they never widen an array).
    """
    # Fast path for the common cases: tensor with tensor of the same dtype, float tensor with
    # a Python number.
    if a.__class__ is Tensor:
        if b.__class__ is Tensor:
            if a._array.dtype is b._array.dtype:
                return a, b
        elif b.__class__ in _SCALARS and (b.__class__ is not float or a._array.dtype.kind == "f"):
            return a, b
    elif b.__class__ is Tensor and a.__class__ in _SCALARS:
        if a.__class__ is not float or b._array.dtype.kind == "f":
            return a, b
    a = _operand(op, a)
    b = _operand(op, b)
    _check_host_array(op, a, b)
    _check_host_array(op, b, a)
    a_dtype = _dtype_of(a)
    b_dtype = _dtype_of(b)
    if a_dtype is not None and b_dtype is not None and a_dtype == b_dtype:
        return a, b
    target = result_type(a, b)
    return cast_to(a, target), cast_to(b, target)


def as_index(index: Any, shape: tuple[int, ...] | None = None, xp: Any = np) -> Any:
    """An index for the array module ``xp``: Tensors inside become their arrays, lists arrays.

    A uint8 tensor is a mask, as torch treats it; float indices raise a clear error. Index
    arrays on the CPU are copied to the GPU when ``xp`` is CuPy (torch accepts CPU indices
    for a GPU tensor too).
    """
    if isinstance(index, tuple):
        index = tuple(_index_part(i, xp) for i in index)
    else:
        index = _index_part(index, xp)
    if xp is not np and shape is not None:
        _check_bounds(index, shape)
    return index


def _check_bounds(index: Any, shape: tuple[int, ...]) -> None:
    """Raise for integer indices out of range: CuPy would wrap them around, NumPy raises.

    Only needed on a GPU (it costs a reduction per index array there); torch's message.
    """
    parts = index if isinstance(index, tuple) else (index,)
    if any(p is Ellipsis for p in parts):
        at = next(i for i, p in enumerate(parts) if p is Ellipsis)
        before, after = parts[:at], parts[at + 1 :]
        used = sum(_dims_used(p) for p in after)
        _check_parts(before, shape, 0)
        _check_parts(after, shape, len(shape) - used)
    else:
        _check_parts(parts, shape, 0)


def _dims_used(part: Any) -> int:
    if part is None:
        return 0
    if is_array(part) and part.dtype.kind == "b":
        return part.ndim
    return 1


def _check_parts(parts: tuple, shape: tuple[int, ...], dim: int) -> None:
    for part in parts:
        if is_array(part) and part.dtype.kind in "iu" and part.size and dim < len(shape):
            size = shape[dim]
            low, high = int(part.min()), int(part.max())
            bad = high if high >= size else low if low < -size else None
            if bad is not None:
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {size}"
                )
        dim += _dims_used(part)


def _index_part(part: Any, xp: Any) -> Any:
    if isinstance(part, Tensor):
        part = part._array
    elif isinstance(part, list):
        values = [p.item() if isinstance(p, Tensor) else p for p in part]
        part = np.asarray(values) if values else np.zeros(0, dtype=np.int64)
    if xp is not np and isinstance(part, np.ndarray):
        part = xp.asarray(part)
    if is_array(part):
        if part.dtype == np.uint8:
            return part.astype(bool)
        if part.dtype.kind not in "iub":
            raise IndexError(
                f"tensors used as indices must be long, int, byte or bool tensors, got dtype "
                f"{part.dtype}"
            )
    return part


def is_advanced_index(index: Any) -> bool:
    """True if ``index`` (after :func:`as_index`) holds an integer array (may repeat entries)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(is_array(p) and p.dtype.kind in "iu" for p in parts)
