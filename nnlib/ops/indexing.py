"""Indexing: ``t[index]`` and its in-place twin ``t[index] = value``.

Basic indices (ints, slices, ``None``, ``...``) pick each element at most once, so the
gradient is scattered back with a plain assignment. Integer-array indices may pick an element
several times (``t[[0, 0, 1]]``); their gradient is accumulated with ``np.add.at`` so that
every pick contributes.
"""

from __future__ import annotations

from typing import Any

from nnlib.autograd import Function, Node, unbroadcast
from nnlib.backend import array_module
from nnlib.ops._util import as_index, is_advanced_index
from nnlib.tensor import Tensor

__all__ = ["getitem", "index_put"]


class GetItem(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, index: Any) -> Any:
        ctx.shape, ctx.index = a.shape, index
        try:
            return a[index]
        except IndexError as error:
            raise IndexError(
                f"index {index!r} is invalid for a tensor of shape {a.shape}: {error}"
            ) from None

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        xp = array_module(grad)
        full = xp.zeros(ctx.shape, grad.dtype)
        if is_advanced_index(ctx.index):
            xp.add.at(full, ctx.index, grad)
        else:
            full[ctx.index] = grad
        return full, None


class IndexPut(Function):
    """A copy of ``a`` with ``a[index] = value`` (what ``t[index] = value`` records)."""

    @staticmethod
    def forward(ctx: Node, a: Any, index: Any, value: Any) -> Any:
        ctx.index = index
        ctx.value_shape = getattr(value, "shape", ())
        out = a.copy()
        try:
            out[index] = value
        except (IndexError, ValueError) as error:
            raise RuntimeError(
                f"setitem: cannot assign a value of shape {ctx.value_shape} to index {index!r} "
                f"of a tensor of shape {a.shape}: {error}"
            ) from None
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, Any]:
        need_a, _, need_value = ctx.needs_input_grad
        grad_a = grad_value = None
        if need_a:
            grad_a = grad.copy()
            grad_a[ctx.index] = 0  # the overwritten elements no longer depend on a
        if need_value:
            grad_value = unbroadcast(grad[ctx.index], ctx.value_shape)
        return grad_a, None, grad_value


def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]`` for basic, integer-array and boolean-mask indices."""
    return GetItem.apply(input, as_index(index))


def index_put(input: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of ``input`` with ``[index]`` set to ``value`` (gradients flow to both)."""
    if not isinstance(value, Tensor):
        value = array_module().asarray(value, dtype=input.dtype)
    return IndexPut.apply(input, as_index(index), value)
