"""Pooling: ``max_pool1d``, ``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d`` and modules.

A pooling layer summarises each window of every channel by one number: its maximum or its
mean. It has no parameters. The windows are the strided views of :mod:`nnlib.nn.fold`; here
they are visited one **kernel tap** at a time: tap ``(i, j)`` of every window at once is the
strided slice ``x[:, :, i*dH :: sH, j*dW :: sW]`` of shape ``(N, C, H_out, W_out)``. A 2x2
max-pool is then three ``np.maximum`` calls over four slices, far faster than reducing a
``(..., 2, 2)`` axis pair.

Max-pool backward sends each window's gradient to **one** element: the first maximum of the
window in row-major order (torch's rule, also for ties such as a window of equal values).
Where windows overlap, an element that wins several windows collects all their gradients.
Padding is never the maximum, and a window that contains NaN passes NaN on, with its gradient
going to its last NaN, as in torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.autograd import Function
from nnlib.backend import array_module
from nnlib.nn.fold import _crop, _is_int, _ntuple, _pad_array, _tap
from nnlib.nn.module import Module
from nnlib.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
]


# ----------------------------------------------------------------------------------------------
# Geometry
# ----------------------------------------------------------------------------------------------
def _pool_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool) -> int:
    """torch's pooling output size; with ``ceil_mode`` the last window must start inside the
    input or the left padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil else span // stride) + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _geometry(where, size, kernel, stride, padding, dilation, ceil_mode, input_shape):
    """Output size and the padding ``(top, bottom, left, right)`` that all windows need."""
    out, pads = [], []
    for a in range(2):
        effective = dilation[a] * (kernel[a] - 1) + 1
        if 2 * padding[a] > kernel[a]:
            raise ValueError(
                f"{where}: padding {padding[a]} is more than half of the kernel size "
                f"{kernel[a]}; padding can be at most {kernel[a] // 2}"
            )
        n = _pool_out(size[a], kernel[a], stride[a], padding[a], dilation[a], ceil_mode)
        if n < 1:
            raise ValueError(
                f"{where}: the window {kernel[a]} (dilated: {effective}) does not fit an input "
                f"of size {size[a]} with padding {padding[a]} (input shape {input_shape}): the "
                "output would be empty"
            )
        needed = (n - 1) * stride[a] + effective  # ceil_mode may need more than the padding
        pads += [padding[a], max(needed - size[a] - padding[a], padding[a])]
        out.append(n)
    return tuple(out), tuple(pads)


def _taps(kernel, stride, dilation, out):
    """For each kernel tap in row-major order: ``(i, j, rows slice, columns slice)``."""
    for i in range(kernel[0]):
        rows = _tap(i, dilation[0], stride[0], out[0])
        for j in range(kernel[1]):
            yield i, j, rows, _tap(j, dilation[1], stride[1], out[1])


def _valid(xp, size, pad_before, stride, dilation, tap, count):
    """Which of ``count`` window positions put kernel tap ``tap`` inside the input (not padding)."""
    pos = xp.arange(count) * stride + tap * dilation - pad_before
    return (pos >= 0) & (pos < size)


# ----------------------------------------------------------------------------------------------
# Max pooling
# ----------------------------------------------------------------------------------------------
def _lowest(dtype: np.dtype) -> Any:
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return False


def _winners(xpad, out, kernel, stride, dilation, pads, size):
    """For each tap in row-major order: ``(rows, cols, hit)`` where ``hit`` marks the windows
    whose first maximum (torch's choice) is that tap."""
    xp = array_module(xpad)
    out_hw = out.shape[2:]
    taps = list(_taps(kernel, stride, dilation, out_hw))
    padded = any(pads)
    nan_windows = None
    if out.dtype.kind == "f":
        nan_windows = xp.isnan(out)
        if not nan_windows.any():
            nan_windows = None
    remaining = None  # windows whose maximum has not been claimed by an earlier tap
    results = []
    for number, (i, j, rows, cols) in enumerate(taps):
        hit = xpad[:, :, rows, cols] == out
        if padded:
            valid_rows = _valid(xp, size[0], pads[0], stride[0], dilation[0], i, out_hw[0])
            valid_cols = _valid(xp, size[1], pads[2], stride[1], dilation[1], j, out_hw[1])
            hit &= valid_rows[:, None] & valid_cols[None, :]
        if remaining is not None:
            hit &= remaining
        if number < len(taps) - 1:
            if remaining is None:
                remaining = ~hit
            else:
                remaining ^= hit  # hit is a subset of remaining: this removes it
        results.append([rows, cols, hit])
    if nan_windows is not None:  # torch: the last NaN of a NaN window wins
        seen = xp.zeros_like(nan_windows)
        for entry in reversed(results):
            rows, cols, hit = entry
            is_nan = xp.isnan(xpad[:, :, rows, cols]) & nan_windows & ~seen
            seen |= is_nan
            entry[2] = (hit & ~nan_windows) | is_nan
    return results


class _MaxPool(Function):
    """Max over each window of ``x (N, C, H, W)``; backward to each window's first maximum."""

    @staticmethod
    def forward(ctx, x, kernel, stride, pads, dilation, out_hw):
        xpad = _pad_array(x, pads, _lowest(x.dtype))
        xp = array_module(x)
        taps = _taps(kernel, stride, dilation, out_hw)
        _, _, rows, cols = next(taps)
        out = xpad[:, :, rows, cols].copy()
        for _, _, rows, cols in taps:
            xp.maximum(out, xpad[:, :, rows, cols], out=out)
        ctx.save_for_backward(xpad, out)
        ctx.geometry = (x.shape, kernel, stride, pads, dilation)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        xpad, out = ctx.saved_tensors
        shape, kernel, stride, pads, dilation = ctx.geometry
        xp = array_module(grad_output)
        grad = xp.zeros(xpad.shape, dtype=grad_output.dtype)
        # Windows that cannot share an element (stride >= dilated kernel) write, not add.
        overlap = any(stride[a] < dilation[a] * (kernel[a] - 1) + 1 for a in range(2))
        for rows, cols, hit in _winners(xpad, out, kernel, stride, dilation, pads, shape[2:]):
            if overlap:
                grad[:, :, rows, cols] += grad_output * hit
            else:
                xp.multiply(grad_output, hit, out=grad[:, :, rows, cols])
        return _crop(grad, pads)


def _flat_indices(xpad, out, shape, kernel, stride, pads, dilation):
    """torch's ``return_indices``: the winner's flat position ``h*W + w`` in the input plane."""
    xp = array_module(xpad)
    width = shape[3]
    oh, ow = out.shape[2:]
    top = xp.arange(oh) * stride[0] - pads[0]
    left = xp.arange(ow) * stride[1] - pads[2]
    indices = xp.zeros(out.shape, dtype=np.int64)
    indices += (top[:, None] * width + left[None, :]).astype(np.int64)
    taps = list(_taps(kernel, stride, dilation, (oh, ow)))
    winners = _winners(xpad, out, kernel, stride, dilation, pads, shape[2:])
    for (i, j, _, _), (_, _, hit) in zip(taps, winners, strict=True):
        offset = i * dilation[0] * width + j * dilation[1]
        if offset:
            indices += hit * offset
    return indices


def _pool_input(where: Any, input: Tensor, nd: int) -> tuple[Tensor, bool]:
    shape = "(N, C, H, W)" if nd == 2 else "(N, C, L)"
    if not isinstance(input, Tensor):
        raise TypeError(f"{where}: expected an nnlib Tensor {shape}, got {type(input).__name__}")
    if input.ndim == nd + 2:
        x, batched = input, True
    elif input.ndim == nd + 1:
        x, batched = input.reshape((1, *input.shape)), False
    else:
        raise ValueError(
            f"{where}: expected a {nd + 2}-D input {shape} or a {nd + 1}-D unbatched input "
            f"{shape.replace('N, ', '')}, got shape {tuple(input.shape)}"
        )
    if nd == 1:
        x = x.reshape((x.shape[0], x.shape[1], 1, x.shape[2]))
    return x, batched


def _pool_output(out: Tensor, batched: bool, nd: int) -> Tensor:
    if nd == 1:
        out = out.reshape((out.shape[0], out.shape[1], out.shape[3]))
    return out if batched else out.reshape(tuple(out.shape[1:]))


def _max_pool(where, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    x, batched = _pool_input(where, input, nd)
    kernel = _ntuple(kernel_size, nd, "kernel_size", where, minimum=1)
    stride = kernel if stride is None or stride == () else stride
    stride = _ntuple(stride, nd, "stride", where, minimum=1)
    padding = _ntuple(padding, nd, "padding", where)
    dilation = _ntuple(dilation, nd, "dilation", where, minimum=1)
    if nd == 1:
        kernel, stride, dilation = ((1, *t) for t in (kernel, stride, dilation))
        padding = (0, *padding)
    size = tuple(x.shape[2:])
    out_hw, pads = _geometry(
        where, size, kernel, stride, padding, dilation, ceil_mode, tuple(input.shape)
    )
    out = _MaxPool.apply(x, kernel, stride, pads, dilation, out_hw)
    if not return_indices:
        return _pool_output(out, batched, nd)
    indices = Tensor(_max_indices(x._array, kernel, stride, pads, dilation, out_hw))
    return _pool_output(out, batched, nd), _pool_output(indices, batched, nd)


def _max_indices(array, kernel, stride, pads, dilation, out_hw):
    """The ``return_indices`` of a max-pool of ``array`` (computed apart from the graph)."""
    xpad = _pad_array(array, pads, _lowest(array.dtype))
    xp = array_module(array)
    taps = _taps(kernel, stride, dilation, out_hw)
    _, _, rows, cols = next(taps)
    out = xpad[:, :, rows, cols].copy()
    for _, _, rows, cols in taps:
        xp.maximum(out, xpad[:, :, rows, cols], out=out)
    return _flat_indices(xpad, out, array.shape, kernel, stride, pads, dilation)


def max_pool2d(
    input: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2-D max pooling, like ``torch.nn.functional.max_pool2d``.

    Parameters
    ----------
    input : Tensor, shape ``(N, C, H, W)`` or unbatched ``(C, H, W)``
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or tuple of 2 ints
        Implicit ``-inf`` on both sides (never the maximum); at most half the dilated kernel.
    dilation : int or tuple of 2 ints
        Spacing between the window's taps.
    ceil_mode : bool
        Round the output size up: keep a last, partial window as long as it starts inside the
        input or the left padding.
    return_indices : bool
        Also return, for each output, the flat index ``h*W + w`` of its maximum in the input
        plane (as torch does, e.g. for ``max_unpool2d``).

    Returns
    -------
    Tensor, shape ``(N, C, H_out, W_out)``, or a pair ``(output, indices)``
        ``H_out = floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1`` (ceil with
        ``ceil_mode``).

    Notes
    -----
    The gradient of each window goes to its first maximum in row-major order (ties included).
    """
    return _max_pool(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2
    )


def max_pool1d(
    input: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1-D max pooling over ``(N, C, L)`` or ``(C, L)``, like ``torch.nn.functional.max_pool1d``.

    The arguments are those of :func:`max_pool2d`, one value each; indices are positions in L.
    """
    return _max_pool(
        "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1
    )


# ----------------------------------------------------------------------------------------------
# Average pooling
# ----------------------------------------------------------------------------------------------
def _divisor(xp, size, kernel, stride, padding, out, count_include_pad, divisor_override, dtype):
    """torch's divisor per window ``(H_out, W_out)``: the window clipped to the padded input,
    or to the input itself without ``count_include_pad``."""
    if divisor_override is not None:
        return xp.full(out, divisor_override, dtype=dtype)
    counts = []
    for a in range(2):
        start = xp.arange(out[a]) * stride[a] - padding[a]
        end = xp.minimum(start + kernel[a], size[a] + padding[a])
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, size[a])
        counts.append(end - start)
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)


class _AvgPool(Function):
    """Mean over each window (sum of the taps over a divisor); backward spreads it back."""

    @staticmethod
    def forward(ctx, x, kernel, stride, pads, out_hw, divisor):
        xpad = _pad_array(x, pads)
        dilation = (1, 1)
        taps = _taps(kernel, stride, dilation, out_hw)
        _, _, rows, cols = next(taps)
        out = xpad[:, :, rows, cols].copy()
        for _, _, rows, cols in taps:
            out += xpad[:, :, rows, cols]
        out /= divisor
        ctx.geometry = (xpad.shape, kernel, stride, pads, out_hw, divisor)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        padded_shape, kernel, stride, pads, out_hw, divisor = ctx.geometry
        xp = array_module(grad_output)
        share = grad_output / divisor
        grad = xp.zeros(padded_shape, dtype=grad_output.dtype)
        for _, _, rows, cols in _taps(kernel, stride, (1, 1), out_hw):
            grad[:, :, rows, cols] += share
        return _crop(grad, pads)


def avg_pool2d(
    input: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling, like ``torch.nn.functional.avg_pool2d``.

    Parameters
    ----------
    input : Tensor, shape ``(N, C, H, W)`` or unbatched ``(C, H, W)``
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, optional
        Defaults to ``kernel_size``.
    padding : int or tuple of 2 ints
        Zeros on both sides; at most half the kernel.
    ceil_mode : bool
        Round the output size up (as in :func:`max_pool2d`).
    count_include_pad : bool
        Divide by the window size clipped to the padded input (True) or by the number of real
        input elements in the window (False).
    divisor_override : int, optional
        Divide every window sum by this number instead.

    Returns
    -------
    Tensor, shape ``(N, C, H_out, W_out)`` (or unbatched)
    """
    where = "avg_pool2d"
    x, batched = _pool_input(where, input, 2)
    if not x.dtype.kind == "f":
        raise TypeError(f"{where}: expected a floating-point input, got {x.dtype}")
    kernel = _ntuple(kernel_size, 2, "kernel_size", where, minimum=1)
    stride = kernel if stride is None or stride == () else stride
    stride = _ntuple(stride, 2, "stride", where, minimum=1)
    padding = _ntuple(padding, 2, "padding", where)
    if divisor_override is not None and (not _is_int(divisor_override) or divisor_override == 0):
        raise ValueError(
            f"{where}: divisor_override must be a non-zero int, got {divisor_override!r}"
        )
    size = tuple(x.shape[2:])
    out_hw, pads = _geometry(
        where, size, kernel, stride, padding, (1, 1), ceil_mode, tuple(input.shape)
    )
    xp = array_module(x._array)
    divisor = _divisor(
        xp, size, kernel, stride, padding, out_hw, count_include_pad, divisor_override, x.dtype
    )
    out = _AvgPool.apply(x, kernel, stride, pads, out_hw, divisor)
    return _pool_output(out, batched, 2)


# ----------------------------------------------------------------------------------------------
# Adaptive average pooling
# ----------------------------------------------------------------------------------------------
def _bins(size: int, out: int, dtype, xp) -> Any:
    """The ``(out, size)`` averaging matrix of torch's adaptive bins: bin ``i`` covers
    ``floor(i*size/out) .. ceil((i+1)*size/out) - 1`` (bins may overlap by one element)."""
    i = xp.arange(out)[:, None]
    j = xp.arange(size)[None, :]
    start = (i * size) // out
    end = -(-((i + 1) * size) // out)
    return (((j >= start) & (j < end)) / (end - start)).astype(dtype)


class _AdaptiveAvgPool(Function):
    """``P_h @ x @ P_w.T`` with the averaging matrices of the bins; backward: the transposes."""

    @staticmethod
    def forward(ctx, x, out_hw):
        xp = array_module(x)
        n, c, h, w = x.shape
        ph, pw = _bins(h, out_hw[0], x.dtype, xp), _bins(w, out_hw[1], x.dtype, xp)
        ctx.matrices = (ph, pw)
        if h % out_hw[0] == 0 and w % out_hw[1] == 0:  # equal bins: a reshape and a mean
            kh, kw = h // out_hw[0], w // out_hw[1]
            return x.reshape(n, c, out_hw[0], kh, out_hw[1], kw).mean(axis=(3, 5))
        rows = (x.reshape(n * c * h, w) @ pw.T).reshape(n * c, h, out_hw[1])
        return xp.matmul(ph, rows).reshape(n, c, out_hw[0], out_hw[1])

    @staticmethod
    def backward(ctx, grad_output):
        ph, pw = ctx.matrices
        xp = array_module(grad_output)
        n, c, oh, ow = grad_output.shape
        rows = xp.matmul(ph.T, grad_output.reshape(n * c, oh, ow))  # (N*C, H, W_out)
        h = ph.shape[1]
        grad = rows.reshape(n * c * h, ow) @ pw
        return grad.reshape(n, c, h, pw.shape[1])


def _adaptive_size(where: Any, output_size: Any, size: tuple[int, int]) -> tuple[int, int]:
    if _is_int(output_size) or output_size is None:
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise TypeError(
            f"{where}: output_size must be an int, None or a tuple of 2 (int or None), "
            f"got {output_size!r}"
        )
    result = []
    for a, value in enumerate(output_size):
        if value is None:
            value = size[a]
        if not _is_int(value) or value < 1:
            raise ValueError(f"{where}: output sizes must be positive ints, got {output_size!r}")
        result.append(int(value))
    return tuple(result)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size, like ``torch.nn.functional.adaptive_avg_pool2d``.

    Output ``(i, j)`` averages rows ``floor(i*H/H_out) .. ceil((i+1)*H/H_out) - 1`` and the
    columns likewise, so any output size works, including sizes that do not divide the input
    (neighbouring bins then share an element).

    Parameters
    ----------
    input : Tensor, shape ``(N, C, H, W)`` or unbatched ``(C, H, W)``
    output_size : int, None, or tuple of 2 (int or None)
        ``None`` keeps that dimension's size.

    Returns
    -------
    Tensor, shape ``(N, C, H_out, W_out)`` (or unbatched)
    """
    where = "adaptive_avg_pool2d"
    x, batched = _pool_input(where, input, 2)
    if not x.dtype.kind == "f":
        raise TypeError(f"{where}: expected a floating-point input, got {x.dtype}")
    if min(x.shape[2:]) < 1:
        raise ValueError(f"{where}: the input is empty (shape {tuple(input.shape)})")
    out_hw = _adaptive_size(where, output_size, tuple(x.shape[2:]))
    out = _AdaptiveAvgPool.apply(x, out_hw)
    return _pool_output(out, batched, 2)


# ----------------------------------------------------------------------------------------------
# Modules
# ----------------------------------------------------------------------------------------------
class MaxPool2d(Module):
    """2-D max pooling layer, like ``torch.nn.MaxPool2d`` (see :func:`max_pool2d`).

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, optional
        Defaults to ``kernel_size``.
    padding, dilation : int or tuple of 2 ints
    return_indices : bool
        Return ``(output, indices)``.
    ceil_mode : bool

    Shape
    -----
    ``(N, C, H, W)`` or ``(C, H, W)`` -> ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.
    """

    _nd = 2

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        nd = self._nd
        _ntuple(kernel_size, nd, "kernel_size", where, minimum=1)
        if stride is not None:
            _ntuple(stride, nd, "stride", where, minimum=1)
        _ntuple(padding, nd, "padding", where)
        _ntuple(dilation, nd, "dilation", where, minimum=1)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor):
        return _max_pool(
            self,  # its repr names the layer in error messages (built only then)
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
            self._nd,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(MaxPool2d):
    """1-D max pooling layer, like ``torch.nn.MaxPool1d`` (see :func:`max_pool1d`).

    Shape
    -----
    ``(N, C, L)`` or ``(C, L)`` -> ``(N, C, L_out)`` or ``(C, L_out)``.
    """

    _nd = 1


class AvgPool2d(Module):
    """2-D average pooling layer, like ``torch.nn.AvgPool2d`` (see :func:`avg_pool2d`).

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, optional
        Defaults to ``kernel_size``.
    padding : int or tuple of 2 ints
    ceil_mode, count_include_pad : bool
    divisor_override : int, optional

    Shape
    -----
    ``(N, C, H, W)`` or ``(C, H, W)`` -> ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        where = type(self).__name__
        _ntuple(kernel_size, 2, "kernel_size", where, minimum=1)
        if stride is not None:
            _ntuple(stride, 2, "stride", where, minimum=1)
        _ntuple(padding, 2, "padding", where)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, like ``torch.nn.AdaptiveAvgPool2d``.

    Parameters
    ----------
    output_size : int, None, or tuple of 2 (int or None)
        ``None`` keeps that input dimension.

    Shape
    -----
    ``(N, C, H, W)`` or ``(C, H, W)`` -> ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
