"""Shape operations: reshape/view, transpose, permute, flatten, squeeze, unsqueeze, expand,
cat and stack.

None of them changes a value, so each backward pass only moves the gradient back into the
input's layout (reshape it back, undo the permutation, sum over expanded dims, split).
"""

from __future__ import annotations

import math
from typing import Any

from nnlib.autograd import Function, Node, make_view, unbroadcast
from nnlib.backend import array_module
from nnlib.ops._util import cast_to, normalize_dim, promote_types
from nnlib.tensor import Tensor

__all__ = [
    "cat",
    "concatenate",
    "expand",
    "flatten",
    "permute",
    "repeat",
    "reshape",
    "squeeze",
    "stack",
    "transpose",
    "unsqueeze",
    "view",
]


class Reshape(Function):
    torch_name = "View"

    @staticmethod
    def forward(ctx: Node, a: Any, shape: tuple[int, ...]) -> Any:
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        return grad.reshape(ctx.shape), None


class Squeeze(Reshape):
    """Removing size-1 dimensions is a reshape."""

    torch_name = "Squeeze"


class Unsqueeze(Reshape):
    """Inserting a size-1 dimension is a reshape."""

    torch_name = "Unsqueeze"


class Transpose(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dim0: int, dim1: int) -> Any:
        ctx.dims = (dim0, dim1)
        return a.swapaxes(dim0, dim1)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None, None]:
        return grad.swapaxes(*ctx.dims), None, None


class Permute(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, dims: tuple[int, ...]) -> Any:
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return a.transpose(dims)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        return grad.transpose(ctx.inverse), None


class Expand(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, shape: tuple[int, ...]) -> Any:
        ctx.shape = a.shape
        return array_module(a).broadcast_to(a, shape)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        return unbroadcast(grad, ctx.shape), None


class Cat(Function):
    @staticmethod
    def forward(ctx: Node, *arrays: Any, dim: int) -> Any:
        ctx.dim = dim
        ctx.boundaries = tuple(
            int(b) for b in array_module(*arrays).cumsum([a.shape[dim] for a in arrays])[:-1]
        )
        return array_module(*arrays).concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, ...]:
        return tuple(array_module(grad).split(grad, ctx.boundaries, axis=ctx.dim))


class Stack(Function):
    @staticmethod
    def forward(ctx: Node, *arrays: Any, dim: int) -> Any:
        ctx.dim = dim
        return array_module(*arrays).stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, ...]:
        moved = array_module(grad).moveaxis(grad, ctx.dim, 0)
        return tuple(moved)


def _resolve_shape(shape: tuple[int, ...], input_shape: tuple[int, ...], op: str) -> tuple:
    """Fill in a -1 in ``shape`` and check that it holds as many elements as the input."""
    size = math.prod(input_shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (-1), got shape {shape}")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape {shape}: sizes must be >= 0 or -1")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(
                f"{op}: shape {shape} is invalid for input of shape {input_shape} ({size} elements)"
            )
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise RuntimeError(
            f"{op}: shape {shape} is invalid for input of shape {input_shape} ({size} elements)"
        )
    return shape


def _shares(out: Tensor, input: Tensor) -> bool:
    """Is ``out``'s array a view of ``input``'s memory (not a copy)?"""
    a, b = out._array, input._array
    return a.base is not None and (a.size == 0 or array_module(a).may_share_memory(a, b))


def _reshape_view(out: Tensor, input: Tensor, shape: tuple[int, ...]) -> Tensor:
    if _shares(out, input):
        make_view(out, input, lambda a: a.reshape(shape), lambda t: Reshape.apply(t, shape))
    return out


def reshape(input: Tensor, shape: Any) -> Tensor:
    """The same elements in a new ``shape`` (one entry may be -1).

    Returns a view of ``input`` (sharing its memory) when the layout allows it, a copy
    otherwise, like torch.
    """
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    if shape != input._array.shape:
        shape = _resolve_shape(shape, input._array.shape, "reshape")
    return _reshape_view(Reshape.apply(input, shape), input, shape)


def view(input: Tensor, shape: Any) -> Tensor:
    """A view of ``input`` with a new ``shape``; raises where that needs a copy (like torch).

    ``view`` never copies: on a non-contiguous tensor (e.g. after ``transpose``) whose layout
    cannot be reinterpreted, use :func:`reshape` (or ``.contiguous().view(...)``).
    """
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    if shape != input._array.shape:
        shape = _resolve_shape(shape, input._array.shape, "view")
    try:
        array_module(input._array).reshape(input._array, shape, copy=False)
    except ValueError:
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one "
            f"dimension spans across two contiguous subspaces): a tensor of shape "
            f"{input.shape} is not contiguous, so view{shape} would need a copy. Use "
            ".reshape(...) instead (or .contiguous().view(...))."
        ) from None
    return _reshape_view(Reshape.apply(input, shape), input, shape)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1``."""
    ndim = input._array.ndim
    d0 = normalize_dim(dim0, ndim, "transpose") if ndim else 0
    d1 = normalize_dim(dim1, ndim, "transpose") if ndim else 0
    if not ndim:
        return _reshape_view(Reshape.apply(input, ()), input, ())
    out = Transpose.apply(input, d0, d1)
    return make_view(out, input, lambda a: a.swapaxes(d0, d1), lambda t: Transpose.apply(t, d0, d1))


def permute(input: Tensor, dims: Any) -> Tensor:
    """Reorder dimensions: dimension ``i`` of the result is dimension ``dims[i]`` of ``input``."""
    ndim = input._array.ndim
    dims = tuple(normalize_dim(d, ndim, "permute") for d in dims) if ndim else tuple(dims)
    if sorted(dims) != list(range(ndim)):
        raise RuntimeError(
            f"permute: dims {dims} must be a permutation of 0..{ndim - 1} for a tensor of "
            f"shape {input.shape}"
        )
    out = Permute.apply(input, dims)
    return make_view(out, input, lambda a: a.transpose(dims), lambda t: Permute.apply(t, dims))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one."""
    shape = input._array.shape
    if not shape:
        return reshape(input, (1,))
    start = normalize_dim(start_dim, len(shape), "flatten")
    end = normalize_dim(end_dim, len(shape), "flatten")
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(shape[start : end + 1])
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1: all of them, or those in ``dim`` (int or tuple).

    A named dimension whose size is not 1 is left alone, as in torch.
    """
    shape = input._array.shape
    if dim is None:
        dims = set(range(len(shape)))
    elif isinstance(dim, int):
        dims = {normalize_dim(dim, len(shape), "squeeze")} if shape else set()
    else:
        dims = {normalize_dim(d, len(shape), "squeeze") for d in dim} if shape else set()
    new_shape = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    out = Squeeze.apply(input, new_shape)
    return make_view(
        out, input, lambda a: a.reshape(new_shape), lambda t: Squeeze.apply(t, new_shape)
    )


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at position ``dim`` (-1 appends it)."""
    shape = input._array.shape
    position = normalize_dim(dim, len(shape), "unsqueeze", extra=1)
    new_shape = shape[:position] + (1,) + shape[position:]
    out = Unsqueeze.apply(input, new_shape)
    return make_view(
        out, input, lambda a: a.reshape(new_shape), lambda t: Unsqueeze.apply(t, new_shape)
    )


def expand(input: Tensor, sizes: Any) -> Tensor:
    """Broadcast ``input`` to ``sizes`` without copying; -1 keeps a dimension's size."""
    sizes = tuple(sizes)
    shape = input._array.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand: the number of sizes {sizes} must be at least the number of dimensions of "
            f"a tensor of shape {shape}"
        )
    lead = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        old = shape[i - lead] if i >= lead else None
        if size == -1:
            if old is None:
                raise RuntimeError(f"expand: -1 is not allowed for a new leading dimension {i}")
            size = old
        if old is not None and old != 1 and old != size:
            raise RuntimeError(
                f"expand: the expanded size {size} must match the existing size {old} at "
                f"non-singleton dimension {i}; target sizes {sizes}, tensor shape {shape}"
            )
        target.append(size)
    target = tuple(target)
    out = Expand.apply(input, target)
    xp = array_module(input._array)
    return make_view(
        out, input, lambda a: xp.broadcast_to(a, target), lambda t: Expand.apply(t, target)
    )


def _check_tensors(op: str, tensors: Any) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty sequence of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a sequence of Tensors, got a {type(t).__name__}")
    dtype = None
    for t in tensors:
        dtype = promote_types(dtype, t._array.dtype)
    return [cast_to(t, dtype) for t in tensors]  # torch's promotion, not NumPy's


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension ``dim``."""
    tensors = _check_tensors("cat", tensors)
    first = tensors[0].shape
    axis = normalize_dim(dim, len(first), "cat")
    for t in tensors[1:]:
        shape = t.shape
        if len(shape) != len(first) or any(
            a != b for i, (a, b) in enumerate(zip(first, shape, strict=True)) if i != axis
        ):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {axis}; got shapes "
                f"{first} and {shape}"
            )
    if len(first) == 0:
        raise RuntimeError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    return Cat.apply(*tensors, dim=axis)


concatenate = cat


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``."""
    tensors = _check_tensors("stack", tensors)
    first = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != first:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, but got shapes {first} and {t.shape}"
            )
    axis = normalize_dim(dim, len(first), "stack", extra=1)
    return Stack.apply(*tensors, dim=axis)


class Repeat(Function):
    @staticmethod
    def forward(ctx: Node, a: Any, repeats: tuple[int, ...]) -> Any:
        xp = array_module(a)
        padded = a.reshape((1,) * (len(repeats) - a.ndim) + a.shape)
        ctx.shape, ctx.padded, ctx.repeats = a.shape, padded.shape, repeats
        return xp.tile(padded, repeats)

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, None]:
        # Split every dim into (repeat, size) and sum over the repeats.
        split = []
        for r, n in zip(ctx.repeats, ctx.padded, strict=True):
            split += [r, n]
        summed = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.shape), None


def repeat(input: Tensor, repeats: Any) -> Tensor:
    """Tile ``input``: dimension ``i`` repeated ``repeats[i]`` times (torch's ``Tensor.repeat``).

    ``repeats`` may have more entries than ``input`` has dimensions (new leading dims).
    """
    repeats = tuple(int(r) for r in repeats)
    if len(repeats) < input._array.ndim:
        raise RuntimeError(
            f"repeat: number of repeat dims {len(repeats)} can not be smaller than the number of "
            f"dimensions of the tensor ({input._array.ndim})"
        )
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {repeats}")
    return Repeat.apply(input, repeats)
