"""Softmax and log-softmax along a dimension, computed without overflow.

Both subtract the maximum along ``dim`` first: exp(x - max) is at most 1, and the result is
unchanged because softmax(x) = softmax(x - c) for any constant c.
"""

from __future__ import annotations

from typing import Any

from nnlib.autograd import Function, Node
from nnlib.backend import array_module
from nnlib.ops._util import normalize_dim
from nnlib.tensor import Tensor

__all__ = ["log_softmax", "softmax"]


class Softmax(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dim: int) -> Any:
        xp = array_module(a)
        e = xp.exp(a - a.max(axis=dim, keepdims=True))
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        (out,) = ctx.saved_tensors
        # d softmax_i / d a_j = s_i (delta_ij - s_j)  =>  s * (g - sum(g * s))
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dim: int) -> Any:
        xp = array_module(a)
        shifted = a - a.max(axis=dim, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        (out,) = ctx.saved_tensors
        xp = array_module(grad)
        # d log_softmax_i / d a_j = delta_ij - s_j  =>  g - s * sum(g)
        return grad - xp.exp(out) * grad.sum(axis=ctx.dim, keepdims=True), None


def _dim(input: Tensor, dim: Any, op: str) -> int:
    if dim is None:
        raise TypeError(f"{op}: dim must be given (the dimension that sums to one)")
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"{op}: input must be floating point, got dtype {input.dtype}")
    return normalize_dim(dim, input._array.ndim, op)


def softmax(input: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``; every slice along ``dim`` sums to 1."""
    if input._array.ndim == 0:
        return Softmax.apply(input.reshape(1), 0).reshape(())
    return Softmax.apply(input, _dim(input, dim, "softmax"))


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x) along ``dim``: the log of :func:`softmax`, without overflow."""
    if input._array.ndim == 0:
        return LogSoftmax.apply(input.reshape(1), 0).reshape(())
    return LogSoftmax.apply(input, _dim(input, dim, "log_softmax"))
