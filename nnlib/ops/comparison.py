"""Comparisons (``== != < <= > >=``): bool tensors outside the graph (no gradient)."""

from __future__ import annotations

from typing import Any

from nnlib.backend import array_module
from nnlib.ops._util import broadcast_error, promote_operands
from nnlib.tensor import Tensor, _tensor_from_array

__all__ = ["allclose", "eq", "equal", "ge", "gt", "isclose", "le", "lt", "ne"]


def _compare(op: str, name: str, input: Any, other: Any) -> Tensor:
    a, b = promote_operands(op, input, other)
    a = a._array if isinstance(a, Tensor) else a
    b = b._array if isinstance(b, Tensor) else b
    try:
        result = getattr(array_module(a, b), name)(a, b)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    return _tensor_from_array(array_module(result).asarray(result))


def eq(input: Any, other: Any) -> Tensor:
    """Elementwise ``input == other``."""
    return _compare("eq", "equal", input, other)


def ne(input: Any, other: Any) -> Tensor:
    """Elementwise ``input != other``."""
    return _compare("ne", "not_equal", input, other)


def lt(input: Any, other: Any) -> Tensor:
    """Elementwise ``input < other``."""
    return _compare("lt", "less", input, other)


def le(input: Any, other: Any) -> Tensor:
    """Elementwise ``input <= other``."""
    return _compare("le", "less_equal", input, other)


def gt(input: Any, other: Any) -> Tensor:
    """Elementwise ``input > other``."""
    return _compare("gt", "greater", input, other)


def ge(input: Any, other: Any) -> Tensor:
    """Elementwise ``input >= other``."""
    return _compare("ge", "greater_equal", input, other)


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and the same values."""
    return bool(array_module(input._array).array_equal(input._array, other._array))


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|``."""
    xp = array_module(input._array)
    close = xp.isclose(input._array, other._array, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return _tensor_from_array(xp.asarray(close))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """True if every element of ``input`` is close to ``other`` (see :func:`isclose`)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())
