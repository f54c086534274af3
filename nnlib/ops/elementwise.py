"""Elementwise operations: arithmetic with broadcasting, and functions applied to every element.

Each op is a :class:`~nnlib.autograd.Function` (forward and backward on arrays) plus a
torch-named function that prepares the operands and calls ``Function.apply``. Gradients of
broadcasting ops are summed back to each input's shape with :func:`unbroadcast`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnlib.autograd import Function, Node, unbroadcast
from nnlib.backend import array_module, device_of, move
from nnlib.ops._util import broadcast_error, cast_to, float_input, promote_operands, result_type
from nnlib.tensor import Tensor, _tensor_from_array, default_float_dtype

__all__ = [
    "abs",
    "add",
    "bitwise",
    "bitwise_not",
    "clamp",
    "clip",
    "clone",
    "copy_from",
    "div",
    "exp",
    "fill",
    "floor_divide",
    "log",
    "masked_fill",
    "maximum",
    "minimum",
    "mul",
    "neg",
    "pow",
    "relu",
    "remainder",
    "sigmoid",
    "sqrt",
    "sub",
    "tanh",
    "to_device",
    "to_dtype",
    "where",
]


# ---------------------------------------------------------------------------- arithmetic
class Add(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        try:
            return a + b
        except ValueError:
            raise broadcast_error("add", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        need_a, need_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            unbroadcast(grad, a_shape) if need_a else None,
            unbroadcast(grad, b_shape) if need_b else None,
        )


class Sub(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        try:
            return a - b
        except ValueError:
            raise broadcast_error("sub", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        need_a, need_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            unbroadcast(grad, a_shape) if need_a else None,
            unbroadcast(-grad, b_shape) if need_b else None,
        )


class Mul(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        need_a, need_b = ctx.needs_input_grad
        # Keep only what backward uses: b for a's gradient, a for b's gradient.
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.shapes = (a.shape, b.shape)
        try:
            return a * b
        except ValueError:
            raise broadcast_error("mul", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        return (
            None if b is None else unbroadcast(grad * b, a_shape),
            None if a is None else unbroadcast(grad * a, b_shape),
        )


class MulNumber(Function):
    """``a * number``: the number is kept as an attribute, so there is no buffer to free."""

    torch_name = "Mul"

    @staticmethod
    def forward(ctx: Node, a: Any, number: Any) -> Any:
        ctx.number = number
        return a * number

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        return grad * ctx.number, None


class Div(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        try:
            return a / b
        except ValueError:
            raise broadcast_error("div", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_over_b = grad / b
        return (
            unbroadcast(grad_over_b, a.shape) if need_a else None,
            unbroadcast(-grad_over_b * a / b, b.shape) if need_b else None,
        )


class DivByNumber(Function):
    """``a / number``."""

    torch_name = "Div"

    @staticmethod
    def forward(ctx: Node, a: Any, number: Any) -> Any:
        ctx.number = number
        return a / number

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        return grad / ctx.number, None


class NumberDiv(Function):
    """``number / b``; the gradient -number / b**2 is computed from the saved output."""

    torch_name = "Div"

    @staticmethod
    def forward(ctx: Node, number: Any, b: Any) -> Any:
        out = number / b
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[None, Any]:
        b, out = ctx.saved_tensors
        return None, -grad * out / b


class Pow(Function):
    """``a ** b`` for two arrays."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        try:
            out = a**b
        except ValueError:
            raise broadcast_error("pow", a, b) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = array_module(grad)
        grad_a = grad_b = None
        if need_a:
            # b * a**(b-1), taken as 0 where b == 0 (like torch).
            grad_a = xp.where(b == 0, 0, grad * b * a ** (b - 1))
            grad_a = unbroadcast(grad_a.astype(grad.dtype, copy=False), a.shape)
        if need_b:
            # a**b * log(a), taken as 0 where a == 0 and b >= 0 (like torch).
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = grad * out * xp.log(a)
            grad_b = xp.where((a == 0) & (b >= 0), 0, grad_b).astype(grad.dtype, copy=False)
            grad_b = unbroadcast(grad_b, b.shape)
        return grad_a, grad_b


class PowNumber(Function):
    """``a ** number``."""

    torch_name = "Pow"

    @staticmethod
    def forward(ctx: Node, a: Any, number: Any) -> Any:
        ctx.save_for_backward(a)
        ctx.number = number
        return a**number

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        (a,) = ctx.saved_tensors
        n = ctx.number
        if n == 0:
            return array_module(grad).zeros_like(grad), None
        return grad * n * a ** (n - 1), None


class NumberPow(Function):
    """``number ** b``: the gradient is number**b * log(number)."""

    torch_name = "Pow"

    @staticmethod
    def forward(ctx: Node, number: Any, b: Any) -> Any:
        out = number**b
        ctx.save_for_backward(out)
        ctx.number = number
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[None, Any]:
        (out,) = ctx.saved_tensors
        n = ctx.number
        xp = array_module(grad)
        if n == 0:  # 0**b: gradient 0 where b >= 0 (out is 1 or 0 there), like torch
            return None, xp.where(out == 0, 0, grad * out * -math.inf).astype(grad.dtype)
        return None, grad * out * math.log(n) if n > 0 else grad * math.nan


class Neg(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        return -a

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return -grad


# ---------------------------------------------------------------------------- functions
class Exp(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        out = array_module(a).exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        ctx.save_for_backward(a)
        return array_module(a).log(a)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        out = array_module(a).sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad / (out + out)


class Abs(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        ctx.save_for_backward(a)
        return array_module(a).abs(a)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad * array_module(a).sign(a)


class Clamp(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, low: Any, high: Any) -> Any:
        ctx.save_for_backward(a)
        ctx.low, ctx.high = low, high
        return array_module(a).clip(a, low, high)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None]:
        (a,) = ctx.saved_tensors
        # The gradient passes where low <= a <= high (boundaries included, like torch).
        if ctx.low is None:
            inside = a <= ctx.high
        elif ctx.high is None:
            inside = a >= ctx.low
        else:
            inside = (a >= ctx.low) & (a <= ctx.high)
        return grad * inside, None, None


class Tanh(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        out = array_module(a).tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


def stable_sigmoid(a: Any) -> Any:
    """``1 / (1 + exp(-a))`` of an array, without overflow for any ``a``."""
    xp = array_module(a)
    # exp(-|a|) never overflows; pick the form that is exact on each side of 0.
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        out = stable_sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class ReLU(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        out = array_module(a).maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


class Maximum(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        try:
            return array_module(a, b).maximum(a, b)
        except ValueError:
            raise broadcast_error("maximum", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        return _split_between(ctx, grad, a, b, a > b)


class Minimum(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        try:
            return array_module(a, b).minimum(a, b)
        except ValueError:
            raise broadcast_error("minimum", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        return _split_between(ctx, grad, a, b, a < b)


def _split_between(ctx: Node, grad: Any, a: Any, b: Any, a_wins: Any) -> tuple[Any, Any]:
    """Gradient of maximum/minimum: to the winner, half each on ties (like torch)."""
    xp = array_module(grad)
    share = xp.where(a_wins, 1.0, xp.where(a == b, 0.5, 0.0)).astype(grad.dtype, copy=False)
    need_a, need_b = ctx.needs_input_grad
    return (
        unbroadcast(grad * share, a.shape) if need_a else None,
        unbroadcast(grad * (1 - share), b.shape) if need_b else None,
    )


class Where(Function):
    @staticmethod
    def forward(ctx: Node, condition: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(condition)
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        try:
            return array_module(a, b).where(condition, a, b)
        except ValueError:
            raise RuntimeError(
                f"where: condition, input and other of shapes {condition.shape}, "
                f"{ctx.shapes[0]} and {ctx.shapes[1]} cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[None, Any, Any]:
        (condition,) = ctx.saved_tensors
        _, need_a, need_b = ctx.needs_input_grad
        zero = grad.dtype.type(0)
        xp = array_module(grad)
        return (
            None,
            unbroadcast(xp.where(condition, grad, zero), ctx.shapes[0]) if need_a else None,
            unbroadcast(xp.where(condition, zero, grad), ctx.shapes[1]) if need_b else None,
        )


class ToDtype(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dtype: Any) -> Any:
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        return grad.astype(ctx.dtype), None


class ToDevice(Function):
    """A copy on another device; the gradient is copied back to the input's device."""

    @staticmethod
    def forward(ctx: Node, a: Any, device: Any) -> Any:
        ctx.device = device_of(a)
        return move(a, device)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        return move(grad, ctx.device), None


class Clone(Function):
    @staticmethod
    def forward(ctx: Node, a: Any) -> Any:
        return a.copy()

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        return grad


class Fill(Function):
    """Every element replaced by ``value``: no gradient flows to the old values."""

    @staticmethod
    def forward(ctx: Node, a: Any, value: Any) -> Any:
        return array_module(a).full(a.shape, value, dtype=a.dtype)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[None, None]:
        return None, None


class CopyFrom(Function):
    """The values of ``src`` broadcast to ``a``'s shape and cast to its dtype (for ``copy_``)."""

    @staticmethod
    def forward(ctx: Node, a: Any, src: Any) -> Any:
        ctx.src_shape, ctx.src_dtype = src.shape, src.dtype
        out = array_module(a).empty_like(a)
        try:
            out[...] = src
        except ValueError:
            raise RuntimeError(
                f"copy_: cannot copy a source of shape {src.shape} into a tensor of shape {a.shape}"
            ) from None
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[None, Any]:
        return None, unbroadcast(grad, ctx.src_shape).astype(ctx.src_dtype, copy=False)


# ---------------------------------------------------------------------------- public API
_NUMBERS = (int, float, bool)


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(*promote_operands("add", input, other))


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting (not defined for bool tensors, like torch)."""
    for x in (input, other):
        if isinstance(x, Tensor) and x._array.dtype.kind == "b" or x.__class__ is bool:
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported; use "
                "logical_xor() or ^, or convert with .int() first"
            )
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(*promote_operands("sub", input, other))


def mul(input: Any, other: Any) -> Tensor:
    """``input * other`` with broadcasting."""
    a, b = promote_operands("mul", input, other)
    if b.__class__ in _NUMBERS:
        return MulNumber.apply(a, b)
    if a.__class__ in _NUMBERS:
        return MulNumber.apply(b, a)
    return Mul.apply(a, b)


def div(input: Any, other: Any) -> Tensor:
    """``input / other`` (true division; integer inputs give float32) with broadcasting."""
    a, b = promote_operands("div", input, other)
    if not _is_float(a) and not _is_float(b):  # int / int is a float32 division, like torch
        a, b = _to_default_float(a), _to_default_float(b)
    if b.__class__ in _NUMBERS:
        return DivByNumber.apply(a, b)
    if a.__class__ in _NUMBERS:
        return NumberDiv.apply(a, b)
    return Div.apply(a, b)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` with broadcasting."""
    a, b = promote_operands("pow", input, exponent)
    if b.__class__ in _NUMBERS:
        return PowNumber.apply(a, b)
    if a.__class__ in _NUMBERS:
        return NumberPow.apply(a, b)
    return Pow.apply(a, b)


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    return Neg.apply(input)


def exp(input: Tensor) -> Tensor:
    """Elementwise e**x."""
    return Exp.apply(float_input(input))


def log(input: Tensor) -> Tensor:
    """Elementwise natural logarithm."""
    return Log.apply(float_input(input))


def sqrt(input: Tensor) -> Tensor:
    """Elementwise square root."""
    return Sqrt.apply(float_input(input))


def abs(input: Tensor) -> Tensor:
    """Elementwise absolute value (gradient 0 at 0, like torch)."""
    return Abs.apply(input)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to ``[min, max]``; either bound may be ``None`` (or a tensor)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    bounds = [b for b in (min, max) if b is not None]
    dtype = result_type(input, *bounds)
    input = cast_to(input, dtype)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return Clamp.apply(input, min, max)


clip = clamp


def tanh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return Tanh.apply(float_input(input))


def sigmoid(input: Tensor) -> Tensor:
    """Elementwise logistic function ``1 / (1 + e**-x)``, stable for large ``|x|``."""
    return Sigmoid.apply(float_input(input))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Elementwise max(x, 0) (gradient 0 at 0, like torch); ``inplace=True`` writes into
    ``input`` (recorded by autograd)."""
    if inplace:
        return input.relu_()
    return ReLU.apply(input)


def maximum(input: Any, other: Any) -> Tensor:
    """Elementwise maximum; on ties the gradient is split evenly (like torch)."""
    return Maximum.apply(*promote_operands("maximum", input, other))


def minimum(input: Any, other: Any) -> Tensor:
    """Elementwise minimum; on ties the gradient is split evenly (like torch)."""
    return Minimum.apply(*promote_operands("minimum", input, other))


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` is true, ``other`` elsewhere (all broadcast together)."""
    cond = condition._array if isinstance(condition, Tensor) else condition
    if getattr(cond, "dtype", None) is None or cond.dtype.kind != "b":
        raise TypeError(
            f"where: condition must be a bool tensor, got {getattr(cond, 'dtype', type(cond))}"
        )
    dtype = result_type(input, other)
    a, b = promote_operands("where", input, other)
    a, b = cast_to(a, dtype), cast_to(b, dtype)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = array_module(cond).asarray(a, dtype=dtype)
    return Where.apply(cond, a, b)


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is true, ``input`` elsewhere; keeps ``input``'s dtype (like torch).

    ``mask`` must be a bool tensor that broadcasts to ``input``; ``value`` a number or a
    0-d tensor (which then receives a gradient).
    """
    mask_array = mask._array if isinstance(mask, Tensor) else mask
    if getattr(mask_array, "dtype", None) is None or mask_array.dtype.kind != "b":
        raise TypeError(
            f"masked_fill: mask must be a bool tensor, got "
            f"{getattr(mask_array, 'dtype', type(mask).__name__)}"
        )
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)"
            )
        value = cast_to(value, input._array.dtype)
    else:
        value = array_module(input._array).asarray(value).astype(input._array.dtype)
    return where(mask, value, input)


def to_device(input: Tensor, device: Any) -> Tensor:
    """``input`` copied to ``device`` (a checked :class:`~nnlib.backend.Device`); differentiable."""
    return ToDevice.apply(input, device)


def to_dtype(input: Tensor, dtype: Any) -> Tensor:
    """``input`` cast to ``dtype``; gradients are cast back."""
    if isinstance(input, Tensor) and input.requires_grad and dtype.kind != "f":
        return _tensor_from_array(input._array.astype(dtype))
    return ToDtype.apply(input, dtype)


def clone(input: Tensor) -> Tensor:
    """A copy of ``input`` that stays in the graph."""
    return Clone.apply(input)


def fill(input: Tensor, value: Any) -> Tensor:
    """A tensor like ``input`` filled with ``value`` (a number or a one-element tensor)."""
    if isinstance(value, Tensor):
        return copy_from(input, value)
    return Fill.apply(input, value)


def copy_from(input: Tensor, src: Any) -> Tensor:
    """``src`` broadcast to ``input``'s shape and cast to its dtype (what ``copy_`` writes)."""
    if not isinstance(src, Tensor):
        src = _tensor_from_array(array_module(input._array).asarray(src))
    elif device_of(src._array) != device_of(input._array):
        src = to_device(src, device_of(input._array))  # copy_ works across devices
    return CopyFrom.apply(input, src)


def _to_default_float(x: Any) -> Any:
    if isinstance(x, Tensor):
        return to_dtype(x, default_float_dtype)
    if hasattr(x, "astype"):
        return x.astype(default_float_dtype)
    return float(x)


def _is_float(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x._array.dtype.kind == "f"
    dtype = getattr(x, "dtype", None)
    return dtype.kind == "f" if dtype is not None else isinstance(x, float)


# ---------------------------------------------------------------------------- integer-style
class FloorDivide(Function):
    """``a // b`` rounded towards minus infinity; like torch, it has no derivative."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        try:
            return array_module(a, b).floor_divide(a, b)
        except ValueError:
            raise broadcast_error("floor_divide", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        raise RuntimeError(
            "the derivative for 'floor_divide' is not implemented (it is piecewise constant); "
            "detach() the result or use true division"
        )


class Remainder(Function):
    """``a % b`` with the sign of ``b`` (Python's and torch's rule): a - floor(a / b) * b."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        try:
            return array_module(a, b).remainder(a, b)
        except ValueError:
            raise broadcast_error("remainder", a, b) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        need_a, need_b = ctx.needs_input_grad
        if need_b:  # torch defines no derivative with respect to the divisor either
            raise RuntimeError(
                "the derivative of remainder (%) with respect to the divisor is not "
                "implemented, as in torch; detach() the divisor"
            )
        return (unbroadcast(grad, ctx.shapes[0]) if need_a else None), None


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other``, rounded towards minus infinity (torch's ``rounding_mode="floor"``)."""
    return FloorDivide.apply(*_as_tensors(*promote_operands("floor_divide", input, other)))


def remainder(input: Any, other: Any) -> Tensor:
    """``input % other`` with the sign of ``other``, like Python and torch."""
    return Remainder.apply(*_as_tensors(*promote_operands("remainder", input, other)))


def _as_tensors(a: Any, b: Any) -> tuple[Any, Any]:
    """Python numbers as 0-d arrays of the other operand's dtype (for ops NumPy types weakly)."""
    if not isinstance(a, Tensor):
        a = array_module(b).asarray(a, dtype=b.dtype)
    if not isinstance(b, Tensor):
        b = array_module(a).asarray(b, dtype=a.dtype)
    return a, b


_BITWISE = {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor"}


def bitwise(op: str, input: Any, other: Any) -> Tensor:
    """``& | ^`` of bool or integer tensors (not differentiable), with torch's promotion."""
    a, b = promote_operands(f"bitwise_{op}", input, other)
    arrays = [x._array if isinstance(x, Tensor) else x for x in (a, b)]
    xp = array_module(*arrays)
    for x in arrays:
        kind = x.dtype.kind if hasattr(x, "dtype") else xp.asarray(x).dtype.kind
        if kind not in "biu":
            raise RuntimeError(
                f"bitwise_{op} is only defined for bool and integer tensors, got a "
                f"{getattr(x, 'dtype', type(x).__name__)} operand"
            )
    try:
        result = getattr(xp, _BITWISE[op])(*arrays)
    except ValueError:
        raise broadcast_error(f"bitwise_{op}", *arrays) from None
    return _tensor_from_array(xp.asarray(result))


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not of a bool tensor, bitwise not of an integer one."""
    if input._array.dtype.kind not in "biu":
        raise RuntimeError(
            f"bitwise_not is only defined for bool and integer tensors, got dtype {input.dtype}"
        )
    return _tensor_from_array(array_module(input._array).invert(input._array))
