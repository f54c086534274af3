"""Sliding windows over images: ``unfold`` (im2col), ``fold`` (col2im) and ``pad``.

A convolution or a pooling layer looks at the input through a window that slides over it.
This module holds the one piece of machinery they share: a **strided view** that shows every
window position at once without copying a single number.

An array is a block of memory plus *strides*: how many bytes to step for one move along each
axis. Take the images with the batch as the *last* axis, ``x`` of shape ``(C, H, W, N)`` and
strides ``(sC, sH, sW, sN)``. The view of shape ``(C, kH, kW, H_out, W_out, N)`` with strides
``(sC, dH*sH, dW*sW, stride_H*sH, stride_W*sW, sN)`` has, at index ``[c, i, j, y, x, n]``, the
pixel ``x[c, y*stride_H + i*dH, x*stride_W + j*dW, n]``: tap ``(i, j)`` of the window at output
position ``(y, x)`` of image ``n``. The view is read-only (its windows overlap: writing
through it would change several windows at once).

* ``_im2col`` copies that view into the matrix ``(C*kH*kW, H_out*W_out*N)``: one row per
  (channel, kernel tap), one column per (window, image). A convolution of the whole batch is
  then **one** matrix product ``weight (C_out, C*kH*kW) @ columns``.
* ``_col2im`` is its adjoint: it adds every column back onto the window it came from
  (overlapping windows add up), one strided ``+=`` per kernel tap; ``np.add.at`` would do
  the same far slower.

Why the batch goes last: with it innermost, a window row of ``W_out`` positions times ``N``
images is one contiguous run of memory (for stride 1), so the copies and the ``+=`` of col2im
move long runs instead of ``N*C*H_out`` runs of ``W_out`` numbers; and the whole batch shares
one large matrix product, which BLAS runs faster (and on more threads) than ``N`` small ones.
Measured here for a 3x3 convolution of (32, 64, 16, 16): col2im 12 ms instead of 25-40 ms
with the per-image layout ``(N, C*kH*kW, L)``. The price is one transposition of the input and
of the output, each the size of an image batch, which is small next to the columns.

:func:`unfold` and :func:`fold` are torch's functions with torch's layout ``(N, C*kH*kW, L)``;
they reuse the same machinery and transpose. :func:`pad` surrounds a tensor with a constant.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from nnlib.autograd import Function
from nnlib.backend import array_module
from nnlib.tensor import Tensor

__all__ = ["fold", "pad", "unfold"]


# ----------------------------------------------------------------------------------------------
# Argument helpers shared by the convolution and pooling layers
# ----------------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


def _ntuple(value: Any, n: int, name: str, where: Any, minimum: int = 0) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints, each ``>= minimum``) as an ``n``-tuple."""
    if _is_int(value):
        values = (int(value),) * n
    elif isinstance(value, (tuple, list)) and len(value) == n and all(map(_is_int, value)):
        values = tuple(int(v) for v in value)
    elif isinstance(value, (tuple, list)) and len(value) == 1 and _is_int(value[0]):
        values = (int(value[0]),) * n
    else:
        raise TypeError(f"{where}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in values):
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{where}: {name} must be {bound}, got {value!r}")
    return values


def _out_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """Number of window positions along one axis.

    ``floor((size + pad_total - dilation*(kernel - 1) - 1) / stride) + 1``
    """
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def _channels_last(x: Any, pads: tuple[int, int, int, int] = (0, 0, 0, 0), value=0) -> Any:
    """``x`` (N, C, H, W) as a fresh ``(C, H', W', N)`` array, padded by ``pads``
    ``(top, bottom, left, right)`` with ``value``."""
    xp = array_module(x)
    n, c, h, w = x.shape
    top, bottom, left, right = pads
    out = xp.empty((c, h + top + bottom, w + left + right, n), dtype=x.dtype)
    if top:
        out[:, :top] = value
    if bottom:
        out[:, top + h :] = value
    if left:
        out[:, top : top + h, :left] = value
    if right:
        out[:, top : top + h, left + w :] = value
    out[:, top : top + h, left : left + w, :] = x.transpose(1, 2, 3, 0)
    return out


def _pad_hw(x: Any, pads: tuple[int, int, int, int]) -> Any:
    """``x`` (C, H, W, N) surrounded by ``pads`` (top, bottom, left, right) of zeros (a copy)."""
    c, h, w, n = x.shape
    top, bottom, left, right = pads
    out = array_module(x).zeros((c, h + top + bottom, w + left + right, n), dtype=x.dtype)
    out[:, top : top + h, left : left + w] = x
    return out


def _channels_first(x: Any, pads: tuple[int, int, int, int] = (0, 0, 0, 0)) -> Any:
    """``x`` (C, H', W', N) without the border ``pads``, as a fresh ``(N, C, H, W)`` array."""
    top, bottom, left, right = pads
    h, w = x.shape[1:3]
    return _batch_to_front(x[:, top : h - bottom, left : w - right, :])


_TILE = 1 << 13  # numbers per block in _batch_to_front (32 KB of float32: stays in the L1 cache)


def _batch_to_front(x: Any) -> Any:
    """``x`` (A, ..., N) as a fresh ``(N, A, ...)`` array, moved in cache-sized blocks.

    A single transposing copy writes the output image after image, so it sweeps the whole
    source once per image: measured 3-10x slower here than moving blocks that fit in the
    cache. A contiguous ``x`` is a matrix of rows of ``N`` numbers, moved in blocks of whole
    rows (about 32 KB each: measured here 1.3-2.4x faster than blocks of 128 KB); a view (a
    cropped image) is moved in blocks of its leading axis. The loop is over memory blocks of
    one copy, not over arithmetic. On a GPU it is a single transposing copy (one kernel).
    """
    xp = array_module(x)
    axes = (x.ndim - 1, *range(x.ndim - 1))
    if xp is not np:  # on a GPU every block would be a kernel launch: one copy instead
        return x.transpose(axes).copy()
    n = x.shape[-1]
    out = xp.empty((n, *x.shape[:-1]), dtype=x.dtype)
    if x.size == 0:
        return out
    if x.flags.c_contiguous:
        rows, columns = x.reshape(-1, n), out.reshape(n, -1)
        step = max(1, _TILE // max(n, 1))
        for start in range(0, rows.shape[0], step):
            columns[:, start : start + step] = rows[start : start + step].T
        return out
    per_row = max(math.prod(x.shape[1:]), 1)
    step = max(1, _TILE // per_row)
    for start in range(0, x.shape[0], step):
        out[:, start : start + step] = x[start : start + step].transpose(axes)
    return out


def _window_view(x: Any, kernel: tuple, stride: tuple, dilation: tuple, out: tuple) -> Any:
    """The read-only view ``(C, kH, kW, H_out, W_out, N)`` of every window of ``x`` (C, H, W, N).

    ``view[c, i, j, y, x, n] = x[c, y*sH + i*dH, x*sW + j*dW, n]``; nothing is copied.
    """
    xp = array_module(x)
    sc, sh, sw, sn = x.strides
    shape = (x.shape[0], kernel[0], kernel[1], out[0], out[1], x.shape[3])
    strides = (sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1], sn)
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def _tap(kernel_index: int, dilation: int, stride: int, count: int) -> slice:
    """The slice of the (padded) input that kernel tap ``kernel_index`` sees at all
    ``count`` window positions along one axis."""
    start = kernel_index * dilation
    return slice(start, start + stride * (count - 1) + 1, stride)


def _im2col(
    x: Any, kernel: tuple, stride: tuple, dilation: tuple, out: tuple, into: Any = None
) -> Any:
    """The columns ``(C*kH*kW, H_out*W_out*N)`` of the padded ``x`` (C, H, W, N): a fresh copy
    of ``_window_view`` (or a copy into ``into``, an array of that shape)."""
    view = _window_view(x, kernel, stride, dilation, out)
    c, n = x.shape[0], x.shape[3]
    shape = (c * kernel[0] * kernel[1], out[0] * out[1] * n)
    cols = array_module(x).empty(shape, dtype=x.dtype) if into is None else into
    cols.reshape(view.shape)[...] = view
    return cols


def _col2im(
    cols: Any, padded_hw: tuple, kernel: tuple, stride: tuple, dilation: tuple, out: tuple
) -> Any:
    """Add the columns ``cols`` (C*kH*kW, H_out*W_out*N) back onto their windows.

    The adjoint of ``_im2col``: one strided ``+=`` per kernel tap. Returns the padded
    images ``(C, H, W, N)``.
    """
    xp = array_module(cols)
    kh, kw = kernel
    c = cols.shape[0] // (kh * kw)
    n = cols.shape[1] // (out[0] * out[1])
    cols6 = cols.reshape(c, kh, kw, out[0], out[1], n)
    image = xp.zeros((c, padded_hw[0], padded_hw[1], n), dtype=cols.dtype)
    for i in range(kh):
        rows = _tap(i, dilation[0], stride[0], out[0])
        for j in range(kw):
            image[:, rows, _tap(j, dilation[1], stride[1], out[1])] += cols6[:, i, j]
    return image


def _pad_array(x: Any, pads: tuple[int, int, int, int], value: float = 0) -> Any:
    """``x`` (N, C, H, W) surrounded by ``pads = (top, bottom, left, right)`` of ``value``."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    xp = array_module(x)
    n, c, h, w = x.shape
    out = xp.empty((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    out.fill(value)
    out[:, :, top : top + h, left : left + w] = x
    return out


def _crop(x: Any, pads: tuple[int, int, int, int]) -> Any:
    """Remove ``pads = (top, bottom, left, right)`` from the borders of ``x`` (N, C, H, W)."""
    if not any(pads):
        return x
    top, bottom, left, right = pads
    h, w = x.shape[2:]
    return x[:, :, top : h - bottom, left : w - right]


# ----------------------------------------------------------------------------------------------
# unfold / fold
# ----------------------------------------------------------------------------------------------
class _Unfold(Function):
    """im2col: ``(N, C, H, W) -> (N, C*kH*kW, L)``; its backward is col2im."""

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride, out):
        pads = (padding[0], padding[0], padding[1], padding[1])
        ctx.geometry = (x.shape, kernel, dilation, pads, stride, out)
        cols = _im2col(_channels_last(x, pads), kernel, stride, dilation, out)
        return _per_image(cols, x.shape[0])

    @staticmethod
    def backward(ctx, grad_output):
        shape, kernel, dilation, pads, stride, out = ctx.geometry
        padded = (shape[2] + pads[0] + pads[1], shape[3] + pads[2] + pads[3])
        image = _col2im(_batch_last(grad_output), padded, kernel, stride, dilation, out)
        return _channels_first(image, pads)


class _Fold(Function):
    """col2im: ``(N, C*kH*kW, L) -> (N, C, H, W)``, adding overlaps; its backward is im2col."""

    @staticmethod
    def forward(ctx, cols, size, kernel, dilation, padding, stride, out):
        pads = (padding[0], padding[0], padding[1], padding[1])
        padded = (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
        ctx.geometry = (kernel, dilation, pads, stride, out)
        image = _col2im(_batch_last(cols), padded, kernel, stride, dilation, out)
        return _channels_first(image, pads)

    @staticmethod
    def backward(ctx, grad_output):
        kernel, dilation, pads, stride, out = ctx.geometry
        cols = _im2col(_channels_last(grad_output, pads), kernel, stride, dilation, out)
        return _per_image(cols, grad_output.shape[0])


def _per_image(cols: Any, n: int) -> Any:
    """Columns ``(K, L*N)`` in torch's layout ``(N, K, L)`` (a copy)."""
    return _batch_to_front(cols.reshape(cols.shape[0], -1, n))


def _batch_last(cols: Any) -> Any:
    """Columns in torch's layout ``(N, K, L)`` as ``(K, L*N)`` (a copy)."""
    n, k, length = cols.shape
    xp = array_module(cols)
    return xp.ascontiguousarray(cols.transpose(1, 2, 0)).reshape(k, length * n)


def _window_args(where: str, kernel_size, dilation, padding, stride):
    kernel = _ntuple(kernel_size, 2, "kernel_size", where, minimum=1)
    dilation = _ntuple(dilation, 2, "dilation", where, minimum=1)
    padding = _ntuple(padding, 2, "padding", where, minimum=0)
    stride = _ntuple(stride, 2, "stride", where, minimum=1)
    return kernel, dilation, padding, stride


def _blocks(where: str, size: tuple, kernel, dilation, padding, stride) -> tuple[int, int]:
    """Window positions along H and W; raises when the kernel does not fit the padded input."""
    out = tuple(
        _out_size(size[a], kernel[a], stride[a], 2 * padding[a], dilation[a]) for a in range(2)
    )
    if min(out) < 1:
        padded = (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
        effective = tuple(dilation[a] * (kernel[a] - 1) + 1 for a in range(2))
        raise ValueError(
            f"{where}: the kernel {kernel[0]}x{kernel[1]} (dilated: {effective[0]}x"
            f"{effective[1]}) is larger than the padded input {padded[0]}x{padded[1]}"
        )
    return out


def unfold(
    input: Tensor,
    kernel_size: int | tuple[int, int],
    dilation: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    stride: int | tuple[int, int] = 1,
) -> Tensor:
    """Extract every sliding window as a column (im2col), like ``torch.nn.functional.unfold``.

    Parameters
    ----------
    input : Tensor, shape ``(N, C, H, W)`` or unbatched ``(C, H, W)``
    kernel_size, dilation, padding, stride : int or tuple of 2 ints
        The window's size, the spacing of its taps, the zeros added on each side, and the step
        between windows.

    Returns
    -------
    Tensor, shape ``(N, C*kH*kW, L)`` (or ``(C*kH*kW, L)``)
        Column ``l`` holds the window at output position ``l = y*W_out + x``, ordered
        channel-major then kernel row then kernel column; ``L = H_out * W_out``.
    """
    where = "unfold"
    kernel, dilation, padding, stride = _window_args(where, kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"{where}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input (C, H, W), "
            f"got shape {tuple(input.shape)}"
        )
    batched = input.ndim == 4
    x = input if batched else input.reshape((1, *input.shape))
    out = _blocks(where, tuple(x.shape[2:]), kernel, dilation, padding, stride)
    cols = _Unfold.apply(x, kernel, dilation, padding, stride, out)
    return cols if batched else cols.reshape(tuple(cols.shape[1:]))


def fold(
    input: Tensor,
    output_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    dilation: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    stride: int | tuple[int, int] = 1,
) -> Tensor:
    """Add columns back onto their windows (col2im), like ``torch.nn.functional.fold``.

    The adjoint of :func:`unfold`: where windows overlap, their values add up, so
    ``fold(unfold(x))`` multiplies each pixel by the number of windows that cover it.

    Parameters
    ----------
    input : Tensor, shape ``(N, C*kH*kW, L)`` or unbatched ``(C*kH*kW, L)``
    output_size : int or tuple of 2 ints
        The image size ``(H, W)`` (without padding).
    kernel_size, dilation, padding, stride : int or tuple of 2 ints
        As in :func:`unfold`.

    Returns
    -------
    Tensor, shape ``(N, C, H, W)`` (or ``(C, H, W)``)
    """
    where = "fold"
    size = _ntuple(output_size, 2, "output_size", where, minimum=1)
    kernel, dilation, padding, stride = _window_args(where, kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3):
        raise ValueError(
            f"{where}: expected a 3-D input (N, C*kH*kW, L) or a 2-D unbatched input "
            f"(C*kH*kW, L), got shape {tuple(input.shape)}"
        )
    batched = input.ndim == 3
    cols = input if batched else input.reshape((1, *input.shape))
    taps = kernel[0] * kernel[1]
    if cols.shape[1] % taps:
        raise ValueError(
            f"{where}: input dimension 1 ({cols.shape[1]}) must be divisible by the number of "
            f"kernel taps kH*kW = {kernel[0]}*{kernel[1]} = {taps}"
        )
    out = _blocks(where, size, kernel, dilation, padding, stride)
    if cols.shape[2] != out[0] * out[1]:
        raise ValueError(
            f"{where}: expected {out[0] * out[1]} columns (blocks) = {out[0]}x{out[1]} windows "
            f"for output_size={size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}; got {cols.shape[2]}"
        )
    image = _Fold.apply(cols, size, kernel, dilation, padding, stride, out)
    return image if batched else image.reshape(tuple(image.shape[1:]))


# ----------------------------------------------------------------------------------------------
# pad
# ----------------------------------------------------------------------------------------------
class _Pad(Function):
    """Constant padding of the last dimensions; negative amounts crop. Backward: the slice."""

    @staticmethod
    def forward(ctx, x, pairs, value):
        xp = array_module(x)
        ndim = x.ndim
        shape = list(x.shape)
        src = [slice(None)] * ndim
        dst = [slice(None)] * ndim
        for k, (before, after) in enumerate(pairs):
            axis = ndim - 1 - k
            size = x.shape[axis]
            shape[axis] = size + before + after
            src[axis] = slice(max(-before, 0), size - max(-after, 0))
            length = size - max(-before, 0) - max(-after, 0)
            dst[axis] = slice(max(before, 0), max(before, 0) + max(length, 0))
        out = xp.full(tuple(shape), value, dtype=x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        ctx.slices = (tuple(src), tuple(dst), x.shape)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        src, dst, shape = ctx.slices
        grad = array_module(grad_output).zeros(shape, dtype=grad_output.dtype)
        grad[src] = grad_output[dst]
        return grad


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: tuple[int, ...], mode: str = "constant", value: float | None = None):
    """Pad the last dimensions of ``input``, like ``torch.nn.functional.pad``.

    Parameters
    ----------
    input : Tensor
    pad : tuple of ints, even length ``2*k <= input.ndim``
        ``(left, right)`` for the last dimension, then ``(top, bottom)`` for the one before,
        and so on. Negative amounts remove entries.
    mode : {"constant"}
        Only constant padding is implemented; torch's ``"reflect"``, ``"replicate"`` and
        ``"circular"`` raise ``NotImplementedError``.
    value : float, optional
        The fill value (default 0).

    Returns
    -------
    Tensor
        ``input`` with each padded dimension grown by ``before + after``.
    """
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; torch's modes are {', '.join(_PAD_MODES)}")
    if mode != "constant":
        raise NotImplementedError(
            f"pad: mode={mode!r} is not implemented in nnlib; only mode='constant' is"
        )
    if not isinstance(pad, (tuple, list)) or not all(map(_is_int, pad)):
        raise TypeError(f"pad: pad must be a tuple of ints, got {pad!r}")
    if len(pad) % 2:
        raise ValueError(f"pad: the padding length must be even (pairs), got {len(pad)}: {pad}")
    if len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: {len(pad) // 2} dimensions to pad, but the input has only {input.ndim} "
            f"(shape {tuple(input.shape)})"
        )
    pairs = tuple((int(pad[2 * k]), int(pad[2 * k + 1])) for k in range(len(pad) // 2))
    for k, (before, after) in enumerate(pairs):
        size = input.shape[input.ndim - 1 - k]
        if size + before + after < 0:
            raise ValueError(
                f"pad: padding {(before, after)} of dimension {input.ndim - 1 - k} (size "
                f"{size}) gives a negative size {size + before + after}"
            )
    return _Pad.apply(input, pairs, 0 if value is None else value)
