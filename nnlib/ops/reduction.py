"""Reductions: sum, mean, max/min, var/std, logsumexp and argmax/argmin over ``dim``.

``dim`` is an int, a tuple of ints, or ``None`` (every dimension); ``keepdim=True`` keeps
each reduced dimension with size 1. The backward pass of a reduction spreads the incoming
gradient back over the reduced dimensions.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

import numpy as np

from nnlib.autograd import Function, Node
from nnlib.backend import array_module
from nnlib.ops._util import cast_to, normalize_dim, normalize_dims
from nnlib.ops.elementwise import maximum, minimum
from nnlib.tensor import Tensor, _tensor_from_array, numpy_names

__all__ = [
    "argmax",
    "argmin",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "std",
    "sum",
    "var",
]

#: What ``max(dim=...)`` / ``min(dim=...)`` return, like ``torch.return_types.max``.
max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _spread(grad: Any, shape: tuple[int, ...]) -> Any:
    """A new array of ``shape`` holding ``grad`` broadcast over it (cheaper than broadcast_to)."""
    out = array_module(grad).empty(shape, grad.dtype)
    out[...] = grad
    return out


def _expand_reduced(grad: Any, dims: tuple[int, ...] | None, keepdim: bool, ndim: int) -> Any:
    """Give ``grad`` (the shape of a reduction's output) back its reduced dims with size 1."""
    if keepdim or dims is None:  # kept dims, or a 0-d total that broadcasts anywhere
        return grad
    return array_module(grad).expand_dims(grad, dims)


class Sum(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dims: tuple[int, ...] | None, keepdim: bool) -> Any:
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        # Integer and bool sums are int64, as in torch (NumPy would give uint64 for uint8).
        dtype = "int64" if a.dtype.kind in "biu" else None
        return array_module(a).add.reduce(a, axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None]:
        shape = ctx.shape
        return _spread(_expand_reduced(grad, ctx.dims, ctx.keepdim, len(shape)), shape), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dims: tuple[int, ...] | None, keepdim: bool) -> Any:
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        out = a.mean(axis=dims, keepdims=keepdim)
        ctx.count = a.size // builtins.max(out.size, 1) if a.size else 0
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None]:
        shape = ctx.shape
        grad = _expand_reduced(grad / ctx.count, ctx.dims, ctx.keepdim, len(shape))
        return _spread(grad, shape), None, None


class Extreme(Function):
    """max or min of all elements; ties share the gradient evenly (like torch)."""

    @staticmethod
    def forward(ctx: Node, a: Any, largest: bool) -> Any:
        if a.size == 0:
            raise RuntimeError(
                f"{'max' if largest else 'min'}(): cannot reduce an empty tensor of shape "
                f"{a.shape}; give a dim or use a non-empty tensor"
            )
        out = a.max() if largest else a.min()
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        a, out = ctx.saved_tensors
        winners = a == out
        return grad * winners / winners.sum(dtype=grad.dtype), None


class TakeAlongDim(Function):
    """The elements at ``indices`` (shape of ``a`` with size 1 along ``dim``)."""

    @staticmethod
    def forward(ctx: Node, a: Any, indices: Any, dim: int, keepdim: bool) -> Any:
        xp = array_module(a)
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.save_for_backward(indices)
        out = xp.take_along_axis(a, indices, axis=dim)
        return out if keepdim else out.squeeze(dim)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None, None]:
        (indices,) = ctx.saved_tensors
        xp = array_module(grad)
        if not ctx.keepdim:
            grad = xp.expand_dims(grad, ctx.dim)
        full = xp.zeros(ctx.shape, grad.dtype)
        xp.put_along_axis(full, indices, grad, axis=ctx.dim)
        return full, None, None, None


class Var(Function):
    @staticmethod
    def forward(
        ctx: Node, a: Any, dims: tuple[int, ...] | None, correction: float, keepdim: bool
    ) -> Any:
        ctx.dims, ctx.keepdim, ctx.ndim = dims, keepdim, a.ndim
        centered = a - a.mean(axis=dims, keepdims=True)
        count = a.size if dims is None else math.prod(a.shape[d] for d in dims)
        ctx.divisor = builtins.max(count - correction, 0)
        ctx.save_for_backward(centered)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (centered * centered).sum(axis=dims, keepdims=keepdim) / ctx.divisor

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None, None]:
        (centered,) = ctx.saved_tensors
        grad = _expand_reduced(grad, ctx.dims, ctx.keepdim, ctx.ndim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * centered * (2 / ctx.divisor), None, None, None


class Std(Function):
    @staticmethod
    def forward(
        ctx: Node, a: Any, dims: tuple[int, ...] | None, correction: float, keepdim: bool
    ) -> Any:
        xp = array_module(a)
        variance = Var.forward(ctx, a, dims, correction, keepdim)
        out = xp.sqrt(variance)
        ctx.std = out
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None, None]:
        xp = array_module(grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_var = xp.where(ctx.std == 0, 0, grad / (2 * ctx.std)).astype(grad.dtype)
        return Var.backward(ctx, grad_var)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        xp = array_module(a)
        shift = a.max(axis=dims, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        shift = xp.where(xp.isfinite(shift), shift, 0)  # rows of -inf give -inf, not nan
        with np.errstate(divide="ignore"):
            out = xp.log(xp.exp(a - shift).sum(axis=dims, keepdims=True)) + shift
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(a, out)
        return out if keepdim else out.squeeze(dims)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None]:
        a, out = ctx.saved_tensors
        xp = array_module(grad)
        if not ctx.keepdim:
            grad = xp.expand_dims(grad, ctx.dims)
        return grad * xp.exp(a - out), None, None


@numpy_names
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum over ``dim`` (int, tuple, or ``None`` for all dimensions; ``()`` is all, too).

    Integer and bool tensors sum to int64; ``dtype`` casts the input first, like torch.
    """
    if dtype is not None:
        input = cast_to(input, np.dtype(dtype))
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None  # torch reduces every dimension for an empty dim list
    return Sum.apply(input, normalize_dims(dim, input._array.ndim, "sum"), keepdim)


@numpy_names
def mean(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (int, tuple, or ``None`` for all dimensions); floating inputs only."""
    if input._array.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype: input dtype must be floating point, got "
            f"{input.dtype}; use t.float().mean()"
        )
    return Mean.apply(input, normalize_dims(dim, input._array.ndim, "mean"), keepdim)


def _extreme(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
        return maximum(input, dim) if largest else minimum(input, dim)
    if dim is None:
        return Extreme.apply(input, largest)
    data = input._array
    axis = normalize_dim(dim, data.ndim, name)
    if data.ndim == 0:
        data = data.reshape(1)
        axis = 0
    if data.shape[axis] == 0:
        raise IndexError(f"{name}(): cannot reduce dimension {dim} of size 0 (shape {data.shape})")
    xp = array_module(data)
    find = xp.argmax if largest else xp.argmin
    indices = find(data, axis=axis, keepdims=True)
    values = TakeAlongDim.apply(input if input.ndim else input.reshape(1), indices, axis, keepdim)
    if input.ndim == 0:
        values = values.reshape(())
        indices = indices.reshape(())
    elif not keepdim:
        indices = indices.squeeze(axis)
    result = max_result if largest else min_result
    return result(values, _tensor_from_array(indices.astype("int64", copy=False)))


@numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Largest element (0-d tensor), or with ``dim`` a named tuple ``(values, indices)``.

    Without ``dim`` tied maxima share the gradient evenly; with ``dim`` it goes to the index
    returned (the first maximum), as in torch. ``max(a, b)`` with a tensor ``b`` is the
    elementwise :func:`~nnlib.ops.elementwise.maximum`.
    """
    return _extreme(input, dim, keepdim, True)


@numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Smallest element (0-d tensor), or with ``dim`` a named tuple ``(values, indices)``."""
    return _extreme(input, dim, keepdim, False)


def _correction(unbiased: bool | None, correction: Any) -> float:
    if correction is not None:
        if unbiased is not None:
            raise ValueError("var/std: give either unbiased or correction, not both")
        return correction
    return 1 if unbiased is None or unbiased else 0


@numpy_names
def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    """Variance over ``dim``: sum((x - mean)**2) / (N - correction).

    ``correction`` defaults to 1 (Bessel's correction, the unbiased estimate), like torch;
    ``unbiased=False`` means ``correction=0``.
    """
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"var(): input dtype must be floating point, got {input.dtype}")
    dims = normalize_dims(dim, input._array.ndim, "var")
    return Var.apply(input, dims, _correction(unbiased, correction), keepdim)


@numpy_names
def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    """Standard deviation over ``dim``: the square root of :func:`var`.

    Where every value is the same (std 0), the gradient is 0, as in torch, not NaN.
    """
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"std(): input dtype must be floating point, got {input.dtype}")
    dims = normalize_dims(dim, input._array.ndim, "std")
    return Std.apply(input, dims, _correction(unbiased, correction), keepdim)


@numpy_names
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(input))) over ``dim``, shifted by the maximum so it never overflows."""
    dims = normalize_dims(dim, input._array.ndim, "logsumexp")
    if dims is None:
        dims = tuple(range(input._array.ndim))
    return LogSumExp.apply(input, dims, keepdim)


def _arg_extreme(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
    name = "argmax" if largest else "argmin"
    data = input._array
    xp = array_module(data)
    find = xp.argmax if largest else xp.argmin
    if data.size == 0:
        raise RuntimeError(f"{name}(): cannot take the {name} of an empty tensor")
    if dim is None:
        index = find(data)
        if keepdim:
            index = xp.reshape(index, (1,) * data.ndim)
    else:
        axis = normalize_dim(dim, data.ndim, name)
        index = find(data.reshape(1) if data.ndim == 0 else data, axis=axis, keepdims=keepdim)
        if data.ndim == 0:
            index = index.reshape(())
    return _tensor_from_array(xp.asarray(index, dtype="int64"))


@numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (into the flattened tensor when ``dim`` is None); int64."""
    return _arg_extreme(input, dim, keepdim, True)


@numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (into the flattened tensor when ``dim`` is None); int64."""
    return _arg_extreme(input, dim, keepdim, False)


class Prod(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dims: tuple[int, ...] | None, keepdim: bool) -> Any:
        xp = array_module(a)
        ctx.dims, ctx.keepdim, ctx.ndim = dims, keepdim, a.ndim
        ctx.save_for_backward(a)
        dtype = "int64" if a.dtype.kind in "biu" else None
        return xp.prod(a, axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None]:
        (a,) = ctx.saved_tensors
        xp = array_module(grad)
        dims = tuple(range(a.ndim)) if ctx.dims is None else ctx.dims
        kept = [d for d in range(a.ndim) if d not in dims]
        # Move the reduced dims last and flatten them: the product of all *other* elements of
        # each row is (product of those before) * (product of those after), zeros included.
        moved = xp.transpose(a, kept + list(dims))
        rows = moved.reshape(moved.shape[: len(kept)] + (-1,))
        ones = xp.ones(rows.shape[:-1] + (1,), a.dtype)
        before = xp.cumprod(xp.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        after = xp.flip(
            xp.cumprod(xp.concatenate([ones, xp.flip(rows, -1)[..., :-1]], axis=-1), axis=-1),
            -1,
        )
        others = (before * after).reshape(moved.shape)
        others = xp.transpose(others, xp.argsort(kept + list(dims)))
        grad = _expand_reduced(grad, ctx.dims, ctx.keepdim, a.ndim)
        return grad * others, None, None


@numpy_names
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product over ``dim`` (an int, or ``None`` for all); gradients handle zeros exactly."""
    if dtype is not None:
        input = cast_to(input, np.dtype(dtype))
    return Prod.apply(input, normalize_dims(dim, input._array.ndim, "prod"), keepdim)


class Norm2(Function):
    """The Euclidean norm; its gradient x / norm is taken as 0 where the norm is 0 (torch)."""

    @staticmethod
    def forward(ctx: Node, a: Any, dims: tuple[int, ...] | None, keepdim: bool) -> Any:
        xp = array_module(a)
        out = xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        ctx.dims, ctx.keepdim, ctx.ndim = dims, keepdim, a.ndim
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None]:
        a, out = ctx.saved_tensors
        xp = array_module(grad)
        grad = _expand_reduced(grad, ctx.dims, ctx.keepdim, ctx.ndim)
        out = _expand_reduced(out, ctx.dims, ctx.keepdim, ctx.ndim)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = xp.where(out == 0, 0, grad / out).astype(a.dtype, copy=False)
        return a * scale, None, None


@numpy_names
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """The ``p``-norm over ``dim`` (all elements by default): 2/"fro", 1, inf, -inf or any p."""
    if input._array.dtype.kind != "f":
        raise RuntimeError(
            f"norm(): input dtype should be floating point, got {input.dtype}; use t.float()"
        )
    dims = normalize_dims(dim, input._array.ndim, "norm")
    if p in ("fro", 2, 2.0):
        return Norm2.apply(input, dims, keepdim)
    if p in (1, 1.0):
        return sum(input.abs(), dims, keepdim)
    if p == math.inf or p == -math.inf:
        absolute = input.abs()
        if dims is None:
            return (max if p > 0 else min)(absolute)
        out = absolute
        for d in sorted(dims, reverse=True):
            out = (max if p > 0 else min)(out, d, True).values
        return out if keepdim else out.squeeze(dims)
    if isinstance(p, str):
        raise ValueError(f"norm: unsupported norm type {p!r} (use 'fro' or a number)")
    return sum(input.abs() ** p, dims, keepdim) ** (1.0 / p)
