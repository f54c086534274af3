"""Matrix multiplication with torch's rules for 1-D and batched operands."""

from __future__ import annotations

from typing import Any

from nnlib.autograd import Function, Node, unbroadcast
from nnlib.ops._util import promote_operands
from nnlib.tensor import Tensor

__all__ = ["matmul", "mm"]


class MatMul(Function):
    """``a @ b``.

    1-D operands are promoted the way torch (and NumPy) do it: a 1-D ``a`` becomes a row
    ``(1, k)``, a 1-D ``b`` a column ``(k, 1)``, and the added dimension is removed from the
    result. Batch dimensions (all but the last two) broadcast.
    """

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # Work with the promoted 2-D (or batched) shapes, then undo the promotion.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1 and b.ndim == 1:  # a dot product: the gradient is a scalar
            grad = grad.reshape(1, 1)
        elif a.ndim == 1:
            grad = grad[..., None, :]
        elif b.ndim == 1:
            grad = grad[..., None]
        grad_a = grad_b = None
        if need_a:
            if b2.ndim == 2 and grad.ndim > 2 and a2.ndim == grad.ndim:
                # (..., n, m) @ (m, k): one big GEMM instead of a batch of small ones.
                grad_a = (grad.reshape(-1, grad.shape[-1]) @ b2.T).reshape(a2.shape)
            else:
                grad_a = unbroadcast(grad @ b2.swapaxes(-1, -2), a2.shape)
            grad_a = grad_a.reshape(a.shape)
        if need_b:
            if (
                b2.ndim == 2
                and a2.ndim == 2
                and b2.flags.f_contiguous
                and not b2.flags.c_contiguous
            ):
                # b is a transposed view (x @ w.T): give the gradient the same layout, so that
                # the transpose's backward hands w a C-contiguous gradient.
                grad_b = (grad.T @ a2).T
            elif b2.ndim == 2 and a2.ndim > 2:
                # Weight shared across the batch: sum of a^T @ grad over the batch is one GEMM.
                grad_b = a2.reshape(-1, a2.shape[-1]).T @ grad.reshape(-1, grad.shape[-1])
            else:
                grad_b = unbroadcast(a2.swapaxes(-1, -2) @ grad, b2.shape)
            grad_b = grad_b.reshape(b.shape)
        return grad_a, grad_b


def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product of ``input`` and ``other``, like ``torch.matmul``.

    Shapes: ``(n, k) @ (k, m) -> (n, m)``; ``(k,) @ (k, m) -> (m,)``; ``(n, k) @ (k,) -> (n,)``;
    ``(k,) @ (k,) -> ()``; ``(*, n, k) @ (*, k, m) -> (*, n, m)`` with broadcast batch dims.
    """
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.dtype != other.dtype:
        # torch does not promote in matrix products; a silent float64 result would differ.
        raise RuntimeError(
            f"matmul: expected both arguments to have the same dtype, got {input.dtype} and "
            f"{other.dtype}; convert one first, e.g. b.to(a.dtype)"
        )
    a, b = promote_operands("matmul", input, other)
    a_shape, b_shape = getattr(a, "shape", ()), getattr(b, "shape", ())
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes {a_shape} and {b_shape}"
        )
    inner_a = a_shape[-1]
    inner_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if inner_a != inner_b:
        raise RuntimeError(
            f"matmul: cannot multiply shapes {a_shape} and {b_shape}: inner dimensions "
            f"{inner_a} and {inner_b} differ"
        )
    batch_a, batch_b = a_shape[:-2], b_shape[:-2]
    for x, y in zip(reversed(batch_a), reversed(batch_b), strict=False):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"matmul: batch dimensions of shapes {a_shape} and {b_shape} cannot be "
                "broadcast together"
            )
    return MatMul.apply(a, b)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (2-D only), like ``torch.mm``."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(
            f"mm: expects two 2-D tensors, got shapes {input.shape} and {mat2.shape}"
        )
    return matmul(input, mat2)
