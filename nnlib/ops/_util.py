"""Small helpers shared by the op modules: checking ``dim`` arguments, operands and errors."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from nnlib.tensor import Tensor, _tensor_from_array, default_float_dtype

__all__ = [
    "as_index",
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
    if isinstance(x, (Tensor, np.ndarray)) or x.__class__ in _SCALARS:
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
        return x.data.dtype
    if isinstance(x, np.ndarray):
        return x.dtype
    return None


def _cast(x: Any, dtype: np.dtype) -> Any:
    if isinstance(x, Tensor):
        return _tensor_from_array(x.data.astype(dtype))
    if isinstance(x, np.ndarray):
        return x.astype(dtype)
    return x


def promote_operands(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    """Check two operands and give them torch's result dtype where NumPy's differs.

    NumPy turns ``int64 + float32`` into float64 and ``int_tensor * 0.5`` into float64; torch
    keeps the floating operand's dtype (or its default float32). Python numbers stay Python
    numbers so that they never upcast a float32 tensor.
    """
    # Fast path for the common cases: tensor with tensor of the same dtype, float tensor with
    # a Python number.
    if a.__class__ is Tensor:
        if b.__class__ is Tensor:
            if a.data.dtype is b.data.dtype:
                return a, b
        elif b.__class__ in _SCALARS and (b.__class__ is not float or a.data.dtype.kind == "f"):
            return a, b
    elif b.__class__ is Tensor and a.__class__ in _SCALARS:
        if a.__class__ is not float or b.data.dtype.kind == "f":
            return a, b
    a = _operand(op, a)
    b = _operand(op, b)
    a_dtype = _dtype_of(a)
    b_dtype = _dtype_of(b)
    if a_dtype is not None and b_dtype is not None:
        if a_dtype is b_dtype or a_dtype == b_dtype:
            return a, b
        a_float = a_dtype.kind == "f"
        if a_float and b_dtype.kind != "f":
            b = _cast(b, a_dtype)
        elif b_dtype.kind == "f" and not a_float:
            a = _cast(a, b_dtype)
        return a, b
    if a_dtype is not None:
        if a_dtype.kind != "f" and isinstance(b, float):
            a = _cast(a, default_float_dtype)
    elif b_dtype is not None and b_dtype.kind != "f" and isinstance(a, float):
        b = _cast(b, default_float_dtype)
    return a, b


def as_index(index: Any) -> Any:
    """An index for NumPy: Tensors inside become their arrays, lists become arrays."""
    if isinstance(index, tuple):
        return tuple(_index_part(i) for i in index)
    return _index_part(index)


def _index_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        return part.data
    if isinstance(part, list):
        return np.asarray([p.item() if isinstance(p, Tensor) else p for p in part])
    return part


def is_advanced_index(index: Any) -> bool:
    """True if ``index`` (after :func:`as_index`) holds an integer array (may repeat entries)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)
