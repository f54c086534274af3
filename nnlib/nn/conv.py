"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose2d`` and their modules.

How a convolution is computed here (with the window machinery of :mod:`nnlib.nn.fold`):

* **Forward.** Pad the input, copy every window into the columns ``(C*kH*kW, L*N)``
  (im2col; ``L = H_out*W_out`` windows per image, ``N`` images) and multiply:
  ``weight (C_out, C*kH*kW) @ columns`` is the output of the whole batch in **one** matrix
  product. With ``groups = G`` the channels split into ``G`` independent blocks and the
  product becomes a batched matmul over the groups.
* **Weight gradient.** ``grad_output (C_out, L*N) @ columns.T``: the columns saved by the
  forward pass are reused.
* **Input gradient.** ``weight.T @ grad_output`` gives, for every window, the gradient of each
  pixel it saw; adding every such column back onto its window (col2im: a loop over the
  ``kH*kW`` kernel taps, each one strided ``+=``) gives the gradient of the input. That
  operation, on its own, is the **transposed convolution**: :func:`conv_transpose2d` *is* the
  input gradient of :func:`conv2d`, and its backward pass reuses :func:`conv2d`'s forward (for
  the gradient of its input) and weight gradient. With stride 1 the same gradient is also a
  convolution of the zero-padded output gradient with the flipped kernel (a gather instead of
  a scatter), which is used when its columns are no larger.

Like torch, these are cross-correlations: the kernel is not flipped.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnlib.autograd import Function
from nnlib.backend import array_module, check_device
from nnlib.buffers import scratch as _scratch
from nnlib.nn import init
from nnlib.nn.fold import (
    _batch_to_front,
    _channels_first,
    _channels_last,
    _col2im,
    _im2col,
    _is_int,
    _ntuple,
    _out_size,
    _pad_hw,
)
from nnlib.nn.module import Module
from nnlib.nn.parameter import Parameter
from nnlib.tensor import Tensor, empty

__all__ = [
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
]


# ----------------------------------------------------------------------------------------------
# Array-level building blocks. Images enter and leave as (N, C, H, W) (one-dimensional
# convolutions use H = 1); inside, the batch is the last axis (see nnlib.nn.fold): the columns
# are (C*kH*kW, L*N) and a gradient of the output is (C_out, L*N), L = H_out*W_out.
# ----------------------------------------------------------------------------------------------
def _conv_forward(x, w, stride, pads, dilation, groups, out_hw):
    """``x (N, C, H, W)`` correlated with ``w (O, C/G, kH, kW)``: ``(O, L*N)``, and the columns.

    The columns ``(C*kH*kW, L*N)`` are returned so that the weight gradient can reuse them.
    """
    xp = array_module(x)
    o, cg, kh, kw = w.shape
    k = cg * kh * kw
    cols = _im2col(_channels_last(x, pads), (kh, kw), stride, dilation, out_hw)
    if groups == 1:
        return w.reshape(o, k) @ cols, cols  # one matrix product for the whole batch
    w3 = w.reshape(groups, o // groups, k)
    out = xp.matmul(w3, cols.reshape(groups, k, cols.shape[1]))  # (G, O/G, L*N)
    return out.reshape(o, cols.shape[1]), cols


def _batch_first(out, n, out_hw):
    """``(O, L*N)`` as a fresh ``(N, O, H_out, W_out)`` array."""
    return _batch_to_front(out.reshape(out.shape[0], out_hw[0], out_hw[1], n))


def _flat_grad(grad_output):
    """A gradient ``(N, O, H_out, W_out)`` in the internal layout ``(O, L*N)``."""
    return _channels_last(grad_output).reshape(grad_output.shape[1], -1)


def _conv_weight_grad(grad_flat, cols, w_shape, groups):
    """``d loss / d weight = grad (O, L*N) @ columns.T (L*N, C/G*kH*kW)``, per group."""
    xp = array_module(grad_flat)
    if groups == 1:
        # (columns @ grad.T).T: the same product; OpenBLAS runs this orientation faster here.
        return (cols @ grad_flat.T).T.reshape(w_shape)
    o, length = grad_flat.shape
    k = cols.shape[0] // groups
    g3 = grad_flat.reshape(groups, o // groups, length)
    return xp.matmul(g3, cols.reshape(groups, k, length).transpose(0, 2, 1)).reshape(w_shape)


def _conv_input_grad(grad_flat, w, n, padded_hw, out_hw, stride, pads, dilation, groups):
    """``d loss / d input`` (N, C, H, W): the transposed convolution of the output gradient.

    ``weight.T @ grad`` gives, for every window, the gradient of each pixel it saw; col2im
    adds each of those columns onto its window of the padded input; the padding is cut off.
    With stride 1 the same numbers can also come from a convolution of the output gradient (a
    gather instead of a scatter, see :func:`_input_grad_by_correlation`); it is faster when
    its columns are no larger than these: ``O*H*W <= C*H_out*W_out``.
    """
    xp = array_module(grad_flat)
    o, cg, kh, kw = w.shape
    k = cg * kh * kw
    around = _correlation_pads((kh, kw), padded_hw, out_hw, stride, pads, dilation)
    in_hw = (padded_hw[0] - pads[0] - pads[1], padded_hw[1] - pads[2] - pads[3])
    if around is not None and o * in_hw[0] * in_hw[1] <= cg * groups * out_hw[0] * out_hw[1]:
        return _input_grad_by_correlation(grad_flat, w, n, out_hw, around, dilation, groups)
    length = grad_flat.shape[1]
    gcols = _scratch("gcols", (groups * k, length), grad_flat.dtype, grad_flat)  # reused memory
    if groups == 1:
        xp.matmul(w.reshape(o, k).T, grad_flat, out=gcols)  # (C*kH*kW, L*N)
    else:
        w3 = w.reshape(groups, o // groups, k).transpose(0, 2, 1)  # (G, K, O/G)
        g3 = grad_flat.reshape(groups, o // groups, length)
        xp.matmul(w3, g3, out=gcols.reshape(groups, k, length))
    image = _col2im(gcols, padded_hw, (kh, kw), stride, dilation, out_hw)
    return _channels_first(image, pads)


def _correlation_pads(kernel, padded_hw, out_hw, stride, pads, dilation):
    """The zeros ``(top, bottom, left, right)`` around the output gradient that make the input
    gradient a plain correlation of it (see :func:`_input_grad_by_correlation`); None where
    that does not apply: a stride above 1, or more padding than the dilated kernel spans.

    ``top = d*(k-1) - pad_top``; the bottom gets what makes the result the input's size
    (``d*(k-1) - pad_bottom``, plus any ``output_padding`` of a transposed convolution).
    """
    if any(s != 1 for s in stride):
        return None
    around = []
    for a in range(2):
        before = dilation[a] * (kernel[a] - 1) - pads[2 * a]
        after = padded_hw[a] - pads[2 * a + 1] - out_hw[a]
        around += [before, after]
    return tuple(around) if min(around) >= 0 else None


def _input_grad_by_correlation(grad_flat, w, n, out_hw, around, dilation, groups):
    """The input gradient of a stride-1 convolution, as a convolution of the output gradient.

    In one dimension, with padding ``p``: ``dx[m] = sum_a g[m + p - d*a] * w[a]`` (``g`` is 0
    outside the output). Pad ``g`` with ``d*(k-1) - p`` zeros on each side (``around``) and
    write ``b = k-1 - a``: ``dx[m] = sum_b g_padded[m + d*b] * w[k-1 - b]``, a cross-correlation
    of the padded gradient with the **flipped** kernel, whose output has the input's size.
    Over channels, output channel ``o`` of the convolution becomes an input channel, so the
    kernel is also transposed to ``(C, O)``. im2col of the padded gradient (a gather through
    the strided view) and one matrix product replace the matrix product and the ``kH*kW``
    strided ``+=`` of col2im.
    """
    xp = array_module(grad_flat)
    o, cg, kh, kw = w.shape
    g = _pad_hw(grad_flat.reshape(o, out_hw[0], out_hw[1], n), around)  # (O, H', W', N)
    in_hw = (g.shape[1] - dilation[0] * (kh - 1), g.shape[2] - dilation[1] * (kw - 1))
    shape = (o * kh * kw, in_hw[0] * in_hw[1] * n)
    gcols = _im2col(g, (kh, kw), (1, 1), dilation, in_hw, into=_scratch("gcols", shape, g.dtype, g))
    # The kernel flipped, its channels swapped, per group: (G, C/G, O/G*kH*kW).
    og = o // groups
    flipped = w[:, :, ::-1, ::-1].reshape(groups, og, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    flipped = flipped.reshape(groups, cg, og * kh * kw)
    if groups == 1:
        grad = flipped[0] @ gcols  # (C, H*W*N)
    else:
        grad = xp.matmul(flipped, gcols.reshape(groups, og * kh * kw, gcols.shape[1]))
    return _batch_first(grad.reshape(groups * cg, -1), n, in_hw)


def _as_4d(x: Any, one_d: bool) -> Any:
    return x[:, :, None, :] if one_d else x


class _ConvFunction(Function):
    """Cross-correlation of ``x (N, C, [H,] W)`` with ``w (O, C/G, [kH,] kW)`` plus a bias."""

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups, out_hw):
        one_d = x.ndim == 3
        x4, w4 = _as_4d(x, one_d), _as_4d(w, one_d)
        out, cols = _conv_forward(x4, w4, stride, pads, dilation, groups, out_hw)
        if b is not None:
            out += b[:, None]
        # Save w itself (not a view of it), so that changing it in place before backward raises.
        ctx.save_for_backward(cols if ctx.needs_input_grad[1] else None, w)
        ctx.geometry = (x4.shape, stride, pads, dilation, groups, one_d)
        out = _batch_first(out, x.shape[0], out_hw)
        return out[:, :, 0, :] if one_d else out

    @staticmethod
    def backward(ctx, grad_output):
        cols, w = ctx.saved_tensors
        x_shape, stride, pads, dilation, groups, one_d = ctx.geometry
        w4 = _as_4d(w, one_d)
        g = _as_4d(grad_output, one_d)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_w = grad_b = None
        if need_x or need_w:
            g_flat = _flat_grad(g)
        if need_x:
            padded = (x_shape[2] + pads[0] + pads[1], x_shape[3] + pads[2] + pads[3])
            grad_x = _conv_input_grad(
                g_flat, w4, x_shape[0], padded, g.shape[2:], stride, pads, dilation, groups
            )
            grad_x = grad_x[:, :, 0, :] if one_d else grad_x
        if need_w:
            grad_w = _conv_weight_grad(g_flat, cols, w4.shape, groups)
            grad_w = grad_w[:, :, 0, :] if one_d else grad_w
        if need_b:
            grad_b = g_flat.sum(axis=1) if need_x or need_w else g.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b


class _ConvTransposeFunction(Function):
    """Transposed convolution: the input gradient of ``_ConvFunction``, as an op.

    ``y (N, C_in, H, W)`` with ``w (C_in, C_out/G, kH, kW)``; the output is the input-gradient
    of a convolution whose output is ``y``. Its backward pass is that convolution's forward
    (the gradient of ``y``) and its weight gradient (with the roles of the arrays swapped).
    """

    @staticmethod
    def forward(ctx, y, w, b, stride, pads, dilation, groups, out_hw):
        padded = (out_hw[0] + pads[0] + pads[1], out_hw[1] + pads[2] + pads[3])
        y_flat = _flat_grad(y)
        out = _conv_input_grad(
            y_flat, w, y.shape[0], padded, y.shape[2:], stride, pads, dilation, groups
        )
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        ctx.save_for_backward(y_flat if ctx.needs_input_grad[1] else None, w)
        ctx.geometry = (stride, pads, dilation, groups, y.shape[2:])
        return out

    @staticmethod
    def backward(ctx, grad_output):
        y_flat, w = ctx.saved_tensors
        stride, pads, dilation, groups, grid = ctx.geometry
        need_y, need_w, need_b = ctx.needs_input_grad[:3]
        grad_y = grad_w = grad_b = None
        if need_y or need_w:
            # The convolution (conv2d's forward) of the output gradient, on the grid of y.
            conv, cols = _conv_forward(grad_output, w, stride, pads, dilation, groups, grid)
            if need_y:
                grad_y = _batch_first(conv, grad_output.shape[0], grid)
            if need_w:
                grad_w = _conv_weight_grad(y_flat, cols, w.shape, groups)
        if need_b:
            grad_b = grad_output.sum(axis=(0, 2, 3))
        return grad_y, grad_w, grad_b


def _grid_of(size, kernel, stride, pads, dilation):
    return tuple(
        _out_size(size[a], kernel[a], stride[a], pads[2 * a] + pads[2 * a + 1], dilation[a])
        for a in range(2)
    )


# ----------------------------------------------------------------------------------------------
# Argument checks shared by the functions and the modules
# ----------------------------------------------------------------------------------------------
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _check_padding_mode(where: Any, padding_mode: str) -> None:
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            f"{where}: padding_mode must be one of {', '.join(map(repr, _PADDING_MODES))}, "
            f"got {padding_mode!r}"
        )
    if padding_mode != "zeros":
        raise NotImplementedError(
            f"{where}: padding_mode={padding_mode!r} is not implemented in nnlib; "
            "only padding_mode='zeros' is"
        )


def _padding_pairs(where, padding, nd, kernel, stride, dilation):
    """``padding`` (int, tuple, 'same' or 'valid') as ``(top, bottom, left, right)``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(
                f"{where}: invalid padding string {padding!r}; expected 'same' or 'valid'"
            )
        if any(s != 1 for s in stride):
            raise ValueError(
                f"{where}: padding='same' is not supported for strided convolutions "
                f"(stride={stride}); use stride 1 or explicit padding"
            )
        pairs = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)  # the extra row/column of an even kernel goes bottom/right
            pairs += [total // 2, total - total // 2]
        return tuple(pairs) if nd == 2 else (0, 0, *pairs)
    p = _ntuple(padding, nd, "padding", where)
    return (p[0], p[0], p[1], p[1]) if nd == 2 else (0, 0, p[0], p[0])


def _check_dtype(where: Any, input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        bias_part = f", bias {bias.dtype}" if bias is not None else ""
        raise TypeError(
            f"{where}: input ({input.dtype}) and parameters (weight {weight.dtype}{bias_part}) "
            "must have the same dtype; convert the input (x.float(), x.double()) or the "
            "model (model.float(), model.double())"
        )


def _check_groups(where: Any, in_channels: int, out_channels: int, groups: Any) -> int:
    if not _is_int(groups) or groups < 1:
        raise ValueError(f"{where}: groups must be a positive int, got {groups!r}")
    if in_channels % groups:
        raise ValueError(
            f"{where}: in_channels ({in_channels}) must be divisible by groups ({groups})"
        )
    if out_channels % groups:
        raise ValueError(
            f"{where}: out_channels ({out_channels}) must be divisible by groups ({groups})"
        )
    return int(groups)


def _batched(where: Any, input: Tensor, weight: Any, bias: Any, nd: int) -> tuple[Tensor, bool]:
    """``input`` with a batch dimension, and whether it had one; raises on a wrong ndim or
    on arguments that are not Tensors."""
    shape = "(N, C, H, W)" if nd == 2 else "(N, C, L)"
    if not isinstance(input, Tensor):
        raise TypeError(f"{where}: expected an nnlib Tensor {shape}, got {type(input).__name__}")
    if not isinstance(weight, Tensor) or not (bias is None or isinstance(bias, Tensor)):
        raise TypeError(
            f"{where}: weight and bias must be nnlib Tensors (or bias None), got "
            f"{type(weight).__name__} and {type(bias).__name__}"
        )
    if input.ndim == nd + 2:
        return input, True
    if input.ndim == nd + 1:
        return input.reshape((1, *input.shape)), False
    raise ValueError(
        f"{where}: expected a {nd + 2}-D input {shape} or a {nd + 1}-D unbatched input "
        f"{shape.replace('N, ', '')}, got shape {tuple(input.shape)}"
    )


def _conv(where, input, weight, bias, stride, padding, dilation, groups, nd):
    """Check the arguments of a convolution, then run ``_ConvFunction``."""
    x, batched = _batched(where, input, weight, bias, nd)
    if weight.ndim != nd + 2:
        layout = "(C_out, C_in/groups, kH, kW)" if nd == 2 else "(C_out, C_in/groups, k)"
        raise ValueError(
            f"{where}: weight must be {nd + 2}-D {layout}, got shape {tuple(weight.shape)}"
        )
    stride = _ntuple(stride, nd, "stride", where, minimum=1)
    dilation = _ntuple(dilation, nd, "dilation", where, minimum=1)
    out_channels, cg = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    groups = _check_groups(where, cg * groups if _is_int(groups) else 0, out_channels, groups)
    if x.shape[1] != cg * groups:
        raise ValueError(
            f"{where}: expected input with {cg * groups} channels, got {x.shape[1]} "
            f"(input shape {tuple(input.shape)}, weight shape {tuple(weight.shape)}, "
            f"groups={groups})"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(
            f"{where}: bias must have shape ({out_channels},) to match weight of shape "
            f"{tuple(weight.shape)}, got {tuple(bias.shape)}"
        )
    _check_dtype(where, x, weight, bias)
    pads = _padding_pairs(where, padding, nd, kernel, stride, dilation)
    stride2 = stride if nd == 2 else (1, *stride)
    dilation2 = dilation if nd == 2 else (1, *dilation)
    kernel2 = kernel if nd == 2 else (1, *kernel)
    size = tuple(x.shape[2:]) if nd == 2 else (1, x.shape[2])
    out_hw = _grid_of(size, kernel2, stride2, pads, dilation2)
    if min(out_hw) < 1:
        padded = [size[a] + pads[2 * a] + pads[2 * a + 1] for a in range(2)][2 - nd :]
        effective = [dilation2[a] * (kernel2[a] - 1) + 1 for a in range(2)][2 - nd :]
        raise ValueError(
            f"{where}: the kernel {'x'.join(map(str, kernel))} (dilated: "
            f"{'x'.join(map(str, effective))}) is larger than the padded input "
            f"{'x'.join(map(str, padded))} (input shape {tuple(input.shape)})"
        )
    out = _ConvFunction.apply(x, weight, bias, stride2, pads, dilation2, groups, out_hw)
    return out if batched else out.reshape(tuple(out.shape[1:]))


def _transpose_out_size(size, kernel, stride, pads, dilation, output_padding):
    return tuple(
        (size[a] - 1) * stride[a]
        - pads[2 * a]
        - pads[2 * a + 1]
        + dilation[a] * (kernel[a] - 1)
        + output_padding[a]
        + 1
        for a in range(2)
    )


def _conv_transpose(where, input, weight, bias, stride, padding, output_padding, groups, dilation):
    x, batched = _batched(where, input, weight, bias, 2)
    if weight.ndim != 4:
        raise ValueError(
            f"{where}: weight must be 4-D (C_in, C_out/groups, kH, kW), got shape "
            f"{tuple(weight.shape)}"
        )
    if isinstance(padding, str):
        raise ValueError(f"{where}: padding must be an int or a tuple of 2 ints, got {padding!r}")
    stride = _ntuple(stride, 2, "stride", where, minimum=1)
    dilation = _ntuple(dilation, 2, "dilation", where, minimum=1)
    p = _ntuple(padding, 2, "padding", where)
    pads = (p[0], p[0], p[1], p[1])
    output_padding = _ntuple(output_padding, 2, "output_padding", where)
    in_channels, out_per_group = weight.shape[:2]
    groups = _check_groups(
        where, in_channels, out_per_group * groups if _is_int(groups) else 0, groups
    )
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{where}: expected input with {in_channels} channels, got {x.shape[1]} "
            f"(input shape {tuple(input.shape)}, weight shape {tuple(weight.shape)})"
        )
    out_channels = out_per_group * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(
            f"{where}: bias must have shape ({out_channels},) (C_out = weight.shape[1] * "
            f"groups), got {tuple(bias.shape)}"
        )
    for a in range(2):
        if output_padding[a] >= stride[a] and output_padding[a] >= dilation[a]:
            raise ValueError(
                f"{where}: output_padding must be smaller than either stride or dilation, got "
                f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
            )
    _check_dtype(where, x, weight, bias)
    kernel = tuple(weight.shape[2:])
    out_hw = _transpose_out_size(tuple(x.shape[2:]), kernel, stride, pads, dilation, output_padding)
    if min(out_hw) < 1:
        raise ValueError(
            f"{where}: the output size {out_hw[0]}x{out_hw[1]} is not positive for input "
            f"{tuple(x.shape[2:])}, kernel {kernel}, stride {stride}, padding {p}"
        )
    out = _ConvTransposeFunction.apply(x, weight, bias, stride, pads, dilation, groups, out_hw)
    return out if batched else out.reshape(tuple(out.shape[1:]))


# ----------------------------------------------------------------------------------------------
# Functions
# ----------------------------------------------------------------------------------------------
def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation, like ``torch.nn.functional.conv2d``.

    ``out[n, o, y, x] = bias[o] + sum_{c, i, j} weight[o, c, i, j] *
    input_padded[n, g*C/G + c, y*sH + i*dH, x*sW + j*dW]`` for output channel ``o`` of
    group ``g``.

    Parameters
    ----------
    input : Tensor, shape ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``
    weight : Tensor, shape ``(C_out, C_in/groups, kH, kW)``
    bias : Tensor, shape ``(C_out,)``, optional
    stride : int or tuple of 2 ints
    padding : int, tuple of 2 ints, ``'same'`` or ``'valid'``
        Zeros added on both sides of H and W. ``'same'`` keeps the size (stride 1 only; an
        odd total padding puts the extra row/column at the bottom/right); ``'valid'`` is 0.
    dilation : int or tuple of 2 ints
        Spacing between the kernel taps.
    groups : int
        Split the channels into ``groups`` independent convolutions (``groups = C_in``:
        depthwise).

    Returns
    -------
    Tensor, shape ``(N, C_out, H_out, W_out)`` (or unbatched)
        ``H_out = floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1``, same for W.

    Notes
    -----
    One im2col copy and one (batched) matrix product forward; backward reuses the columns for
    the weight gradient, and computes the input gradient as a transposed convolution
    (:func:`conv_transpose2d`'s forward).
    """
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation, like ``torch.nn.functional.conv1d``: :func:`conv2d` with ``H = 1``.

    Parameters
    ----------
    input : Tensor, shape ``(N, C_in, L)`` or unbatched ``(C_in, L)``
    weight : Tensor, shape ``(C_out, C_in/groups, k)``
    bias : Tensor, shape ``(C_out,)``, optional
    stride, padding, dilation, groups
        As in :func:`conv2d` (one value each; padding may be ``'same'`` or ``'valid'``).

    Returns
    -------
    Tensor, shape ``(N, C_out, L_out)`` (or unbatched)
    """
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> Tensor:
    """2-D transposed convolution, like ``torch.nn.functional.conv_transpose2d``.

    It is exactly the gradient of :func:`conv2d` with respect to its input, used as an
    operation: each input pixel scatters ``pixel * kernel`` onto a window of the output, and
    overlapping windows add up. ``conv_transpose2d(y, w)`` is the adjoint of
    ``conv2d(., w)``: ``<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>`` (same stride,
    padding, dilation and groups). Its backward pass reuses :func:`conv2d`.

    Parameters
    ----------
    input : Tensor, shape ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``
    weight : Tensor, shape ``(C_in, C_out/groups, kH, kW)``
        The layout of the matching ``conv2d`` weight (its output channels come first).
    bias : Tensor, shape ``(C_out,)``, optional
    stride, padding, dilation : int or tuple of 2 ints
        Those of the convolution this one transposes (``padding`` is removed from the output).
    output_padding : int or tuple of 2 ints
        Extra rows/columns at the bottom/right of the output (they receive only the bias);
        must be smaller than the stride or the dilation. It picks one of the input sizes
        that a strided convolution maps to the same output size.
    groups : int

    Returns
    -------
    Tensor, shape ``(N, C_out, H_out, W_out)`` (or unbatched)
        ``H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1``.
    """
    return _conv_transpose(
        "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups, dilation
    )


# ----------------------------------------------------------------------------------------------
# Modules
# ----------------------------------------------------------------------------------------------
class _ConvNd(Module):
    """What :class:`Conv1d`, :class:`Conv2d` and :class:`ConvTranspose2d` share."""

    _nd = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        output_padding: Any = 0,
        device: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")
        groups = _check_groups(name, in_channels, out_channels, groups)
        nd = self._nd
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _ntuple(kernel_size, nd, "kernel_size", name, minimum=1)
        self.stride = _ntuple(stride, nd, "stride", name, minimum=1)
        self.dilation = _ntuple(dilation, nd, "dilation", name, minimum=1)
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(
                    f"{name}: padding must be an int or a tuple of ints, got {padding!r}"
                )
            _padding_pairs(name, padding, nd, self.kernel_size, self.stride, self.dilation)
            self.padding = padding
        else:
            self.padding = _ntuple(padding, nd, "padding", name)
        self.output_padding = _ntuple(output_padding, nd, "output_padding", name)
        self.groups = groups
        self.transposed = self._transposed
        if self._transposed and padding_mode != "zeros":
            raise ValueError(
                f"{name}: only padding_mode='zeros' is supported for transposed "
                f"convolutions, got {padding_mode!r}"
            )
        _check_padding_mode(name, padding_mode)
        self.padding_mode = padding_mode
        device = check_device(device)  # None: the default device
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if self._transposed:
            shape = (self.in_channels, self.out_channels // groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // groups, *self.kernel_size)
        self.weight = Parameter(empty(shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(self.out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch's default: ``kaiming_uniform_(weight, a=sqrt(5))``, which is
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, and the bias from the same range.

        ``fan_in = weight.shape[1] * kH * kW``: ``C_in/groups * kH * kW`` for a convolution,
        ``C_out/groups * kH * kW`` for a transposed one (torch's rule, applied to its layout).
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if isinstance(self.padding, str):
            s += f", padding={self.padding}"
        elif any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if any(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution layer, like ``torch.nn.Conv2d``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, default 1
    padding : int, tuple of 2 ints, ``'same'`` or ``'valid'``, default 0
    dilation : int or tuple of 2 ints, default 1
    groups : int, default 1
        Both channel counts must be divisible by it; ``groups = in_channels`` is depthwise.
    bias : bool, default True
    padding_mode : {"zeros"}
        torch's other modes raise ``NotImplementedError``.
    device : str, optional
        Where to create the parameters: ``"cpu"``, ``"cuda"``, ``"cuda:N"``; by default the
        default device (:func:`nnlib.set_default_device`, the CPU unless changed).
    dtype : dtype, optional
        Parameter dtype, float32 by default.

    Attributes
    ----------
    weight : Parameter, shape ``(out_channels, in_channels/groups, kH, kW)``
    bias : Parameter, shape ``(out_channels,)``, or None

    Shape
    -----
    ``(N, C_in, H, W)`` or ``(C_in, H, W)`` -> ``(N, C_out, H_out, W_out)`` or
    ``(C_out, H_out, W_out)``, with
    ``H_out = floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1`` (same for W).
    """

    _nd = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        return _conv(
            self,  # its repr names the layer in error messages (built only then)
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            self._nd,
        )


class Conv1d(Conv2d):
    """1-D convolution layer, like ``torch.nn.Conv1d`` (for sequences and signals).

    Parameters are those of :class:`Conv2d`, with one value each for ``kernel_size``,
    ``stride``, ``padding`` and ``dilation``.

    Attributes
    ----------
    weight : Parameter, shape ``(out_channels, in_channels/groups, k)``
    bias : Parameter, shape ``(out_channels,)``, or None

    Shape
    -----
    ``(N, C_in, L)`` or ``(C_in, L)`` -> ``(N, C_out, L_out)`` or ``(C_out, L_out)``, with
    ``L_out = floor((L + 2*padding - dilation*(k - 1) - 1) / stride) + 1``.
    """

    _nd = 1


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution layer, like ``torch.nn.ConvTranspose2d``.

    The layer computes the gradient of a :class:`Conv2d` with respect to its input (see
    :func:`conv_transpose2d`); with stride > 1 it upsamples.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of 2 ints
    stride, padding : int or tuple of 2 ints
    output_padding : int or tuple of 2 ints, default 0
        Extra rows/columns at the bottom/right of the output.
    groups : int, default 1
    bias : bool, default True
    dilation : int or tuple of 2 ints, default 1
    padding_mode : {"zeros"}
    device, dtype
        As in :class:`Conv2d`.

    Attributes
    ----------
    weight : Parameter, shape ``(in_channels, out_channels/groups, kH, kW)``
    bias : Parameter, shape ``(out_channels,)``, or None

    Shape
    -----
    ``(N, C_in, H, W)`` or unbatched -> ``(N, C_out, H_out, W_out)``, with
    ``H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1``.
    """

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int] = 1,
        padding_mode: str = "zeros",
        device: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding=output_padding,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        """Apply the layer; ``output_size`` (the last two sizes wanted) picks ``output_padding``."""
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, output_size)
        return _conv_transpose(
            self,  # its repr names the layer in error messages (built only then)
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, int]:
        size = tuple(int(s) for s in output_size)[-2:]
        if len(size) != 2:
            raise ValueError(f"{self!r}: output_size must end in (H, W), got {output_size!r}")
        pads = (self.padding[0], self.padding[0], self.padding[1], self.padding[1])
        smallest = _transpose_out_size(
            tuple(input.shape[-2:]), self.kernel_size, self.stride, pads, self.dilation, (0, 0)
        )
        largest = tuple(smallest[a] + self.stride[a] - 1 for a in range(2))
        if any(not smallest[a] <= size[a] <= largest[a] for a in range(2)):
            raise ValueError(
                f"{self!r}: requested an output size of {size}, but valid sizes range from "
                f"{smallest} to {largest} (for an input of spatial size "
                f"{tuple(input.shape[-2:])})"
            )
        return (size[0] - smallest[0], size[1] - smallest[1])
