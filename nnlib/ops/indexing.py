"""Indexing: ``t[index]`` and its in-place twin ``t[index] = value``.

Basic indices (ints, slices, ``None``, ``...``) pick each element at most once, so the
gradient is scattered back with a plain assignment. Integer-array indices may pick an element
several times (``t[[0, 0, 1]]``); their gradient is accumulated with ``np.add.at`` so that
every pick contributes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.autograd import Function, Node, make_view, unbroadcast, view_of_array
from nnlib.backend import array_module, is_writeable
from nnlib.ops._util import as_index, is_advanced_index
from nnlib.tensor import Tensor

__all__ = [
    "chunk",
    "diagonal",
    "getitem",
    "index_put",
    "narrow",
    "one_hot",
    "scatter_view",
    "split",
    "unbind",
]


class GetItem(Function):
    torch_name = "Index"

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


def _is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return not any(hasattr(p, "dtype") for p in parts)


def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]`` for basic, integer-array and boolean-mask indices.

    Basic indices (ints, slices, ``None``, ``...``) give a view that shares ``input``'s memory
    (``x[0]`` included, as a 0-d view), like torch; array and mask indices give a copy.
    """
    index = as_index(index, input._array.shape, array_module(input._array))
    if not _is_basic(index):
        return GetItem.apply(input, index)
    parts = index if isinstance(index, tuple) else (index,)
    if not any(p is Ellipsis for p in parts):
        index = (*parts, Ellipsis)  # a 0-d view instead of a NumPy scalar for x[0]
    out = GetItem.apply(input, index)
    return make_view(out, input, lambda a: a[index], lambda t: GetItem.apply(t, index))


class ScatterView(Function):
    """``base`` with the region that view ``steps`` select replaced by ``value``.

    What an in-place op on a view does to the view's base, as a graph node (torch's
    ``CopySlices``): the gradient of the replaced region goes to ``value``, the rest to the base.
    """

    torch_name = "CopySlices"

    @staticmethod
    def forward(ctx: Node, base: Any, value: Any, steps: tuple) -> Any:
        ctx.steps = steps
        out = base.copy()
        view_of_array(out, steps)[...] = value
        return out

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, Any, None]:
        need_base, need_value = ctx.needs_input_grad[:2]
        grad_base = grad_value = None
        if need_value:
            grad_value = view_of_array(grad, ctx.steps).copy()
        if need_base:
            grad_base = grad.copy()
            view_of_array(grad_base, ctx.steps)[...] = 0
        return grad_base, grad_value, None


def scatter_view(base: Tensor, value: Tensor, steps: tuple) -> Tensor:
    """The graph node of an in-place op on a view: ``base`` with the view's region = ``value``."""
    return ScatterView.apply(base, value, steps)


class Diagonal(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, offset: int, dim1: int, dim2: int) -> Any:
        ctx.shape, ctx.args = a.shape, (offset, dim1, dim2)
        return array_module(a).diagonal(a, offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None, None]:
        full = array_module(grad).zeros(ctx.shape, grad.dtype)
        xp = array_module(grad)
        full_diag = xp.diagonal(full, *ctx.args)
        if xp is np:  # NumPy's diagonal is a read-only view; CuPy's is writeable
            full_diag.setflags(write=True)
        full_diag[...] = grad
        return full, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims ``dim1``/``dim2`` as a view (moved to the last dimension)."""
    from nnlib.ops._util import normalize_dim

    d1 = normalize_dim(dim1, input.ndim, "diagonal")
    d2 = normalize_dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dimension ({dim1})")
    out = Diagonal.apply(input, offset, d1, d2)
    xp = array_module(input._array)

    def on_array(a: Any) -> Any:
        d = xp.diagonal(a, offset, d1, d2)
        if xp is np and is_writeable(a):  # NumPy's diagonal is read-only; CuPy's writeable
            d.setflags(write=True)
        return d

    out._array = on_array(input._array)
    return make_view(out, input, on_array, lambda t: Diagonal.apply(t, offset, d1, d2))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements of dimension ``dim`` from ``start`` on, as a view."""
    from nnlib.ops._util import normalize_dim

    d = normalize_dim(dim, input.ndim, "narrow")
    size = input.shape[d]
    if start < 0:
        start += size
    if not (0 <= start and length >= 0 and start + length <= size):
        raise IndexError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size})"
        )
    index = (slice(None),) * d + (slice(start, start + length),)
    return getitem(input, index)


def index_put(input: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of ``input`` with ``[index]`` set to ``value`` (gradients flow to both)."""
    if not isinstance(value, Tensor):
        value = array_module(input._array).asarray(value, dtype=input.dtype)
    xp = array_module(input._array)
    return IndexPut.apply(input, as_index(index, input._array.shape, xp), value)


def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces along ``dim``: of size ``split_size_or_sections`` (the last
    may be smaller), or of the sizes in a list of them."""
    from nnlib.ops._util import normalize_dim

    d = normalize_dim(dim, input.ndim, "split")
    size = input.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError(
                f"split: sizes {sizes} must sum to the size of dimension {dim} ({size})"
            )
    pieces, start = [], 0
    for n in sizes:
        pieces.append(narrow(input, d, start, n))
        start += n
    return _multi_views(
        pieces, "SplitWithSizes" if not isinstance(split_size_or_sections, int) else "Split"
    )


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``chunks`` views along ``dim`` of equal size (the last may be smaller), like torch."""
    from nnlib.ops._util import normalize_dim

    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    size = input.shape[normalize_dim(dim, input.ndim, "chunk")]
    step = max(-(-size // chunks), 1)
    return _multi_views(split(input, step, dim), "Split")


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim`` (each a view without that dimension)."""
    from nnlib.ops._util import normalize_dim

    d = normalize_dim(dim, input.ndim, "unbind")
    pieces = [getitem(input, (slice(None),) * d + (i,)) for i in range(input.shape[d])]
    return _multi_views(pieces, "Unbind")


def _multi_views(pieces: Any, name: str) -> tuple[Tensor, ...]:
    """Mark views returned together: torch forbids recorded in-place changes of them."""
    for piece in pieces:
        if piece._view is not None:
            piece._view.multi = name
    return tuple(pieces)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices ``(*)`` as one-hot rows ``(*, num_classes)`` of int64 (``F.one_hot``).

    ``num_classes=-1`` uses ``max + 1``. Indices must be int64 in ``[0, num_classes)``.
    """
    if not isinstance(tensor, Tensor) or tensor._array.dtype != "int64":
        raise RuntimeError(
            "one_hot is only applicable to index tensor of type int64 (LongTensor), got "
            f"{getattr(tensor, 'dtype', type(tensor).__name__)}"
        )
    xp = array_module(tensor._array)
    indices = tensor._array
    if num_classes == -1:
        if indices.size == 0:
            raise RuntimeError("one_hot: can not infer total number of classes from empty tensor")
        num_classes = int(indices.max()) + 1
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise RuntimeError(
            f"one_hot: class values must be in [0, {num_classes}) (num_classes={num_classes}), "
            f"got values from {int(indices.min())} to {int(indices.max())}"
        )
    out = xp.zeros(indices.shape + (num_classes,), dtype=xp.int64)
    xp.put_along_axis(out, indices[..., None], 1, axis=-1)
    return Tensor(out)
