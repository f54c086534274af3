"""Nearest-neighbour upsampling: ``F.interpolate(..., mode="nearest")`` and ``nn.Upsample``.

A generator that grows an image from a small feature map needs a way to make maps larger.
``ConvTranspose2d`` (chapter 6) learns one; the simplest fixed one repeats every pixel: output
position ``i`` along an axis copies input position ``floor(i * scale)`` with
``scale = in_size / out_size`` (or ``1 / scale_factor`` when a factor is given), computed in
float32 as PyTorch does, so that non-integer factors pick the same pixels as PyTorch.

The backward pass sends each output gradient back to the pixel it was copied from: along each
axis a multiplication by a 0/1 selection matrix ``(out, in)``, so repeated pixels add up their
gradients. Only ``mode="nearest"`` is implemented; other modes raise ``NotImplementedError``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnlib.autograd import Function
from nnlib.backend import array_module
from nnlib.nn.module import Module
from nnlib.tensor import Tensor

__all__ = ["Upsample", "interpolate"]

_TORCH_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def _source_indices(in_size: int, out_size: int, scale_factor: float | None, xp: Any) -> Any:
    """For every output position along one axis, the input position it copies (torch's rule).

    Computed with ``xp``, the array module of the input, so the indices live on its device.
    """
    if out_size == in_size:
        return xp.arange(out_size)
    if out_size == 2 * in_size:
        return xp.arange(out_size) >> 1
    if scale_factor is not None:
        scale = np.float32(1.0 / scale_factor)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    positions = xp.arange(out_size).astype(np.float32) * scale
    return xp.minimum(xp.floor(positions).astype(np.int64), in_size - 1)


class _NearestFunction(Function):
    @staticmethod
    def forward(ctx, input, sizes):
        xp = array_module(input)
        out = input
        indices = []
        for axis, (out_size, factor) in enumerate(sizes, start=2):
            index = _source_indices(input.shape[axis], out_size, factor, xp)
            out = xp.take(out, index, axis=axis)
            indices.append(index)
        ctx.shapes = (input.shape, indices)
        return xp.ascontiguousarray(out)

    @staticmethod
    def backward(ctx, grad_output):
        xp = array_module(grad_output)
        shape, indices = ctx.shapes
        grad = grad_output
        for axis, index in enumerate(indices, start=2):
            select = xp.zeros((len(index), shape[axis]), dtype=grad_output.dtype)
            select[xp.arange(len(index)), index] = 1  # (out, in): row i picks input index[i]
            moved = xp.moveaxis(grad, axis, -1)
            grad = xp.moveaxis(xp.matmul(moved, select), -1, axis)
        return (xp.ascontiguousarray(grad),)


def _spatial(name: str, value: Any, spatial: tuple[int, ...]) -> tuple[Any, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != len(spatial):
            raise ValueError(
                f"Input and {name} must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(spatial)} and {name} of "
                f"{'shape ' if name == 'scale_factor' else ''}{tuple(value)}. Please provide "
                "input tensor in (N, C, d1, d2, ...,dK) format"
            )
        return tuple(value)
    return (value,) * len(spatial)


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of ``input``, like ``torch.nn.functional.interpolate``.

    Parameters
    ----------
    input : Tensor, shape ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``
    size : int or tuple of ints, optional
        The output's spatial size. Give exactly one of ``size`` and ``scale_factor``.
    scale_factor : float or tuple of floats, optional
        Multiplier of each spatial size; the output size is ``floor(in * scale_factor)``.
    mode : str
        Only ``"nearest"`` is implemented here.
    align_corners : None
        Must be None for ``"nearest"`` (as in torch).
    recompute_scale_factor : bool, optional
        If True, the pixel positions use ``in / out`` instead of ``1 / scale_factor``.
    antialias : bool
        Must be False for ``"nearest"`` (as in torch).

    Shape
    -----
    ``(N, C, *in_spatial)`` -> ``(N, C, *out_spatial)``.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, got {type(input).__name__}")
    if mode not in _TORCH_MODES:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not one of torch's modes {_TORCH_MODES}"
        )
    if align_corners is not None and mode not in ("linear", "bilinear", "bicubic", "trilinear"):
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError(
            "only one of size or scale_factor should be defined"
            if size is not None
            else "either size or scale_factor should be defined"
        )
    shape = tuple(input.shape)
    if not 3 <= len(shape) <= 5:
        raise NotImplementedError(
            f"interpolate: only 3D, 4D and 5D input Tensors are supported (got {len(shape)}D) "
            f"for mode {mode!r}; input shape {shape}"
        )
    if mode != "nearest":
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not implemented in nnlib; only 'nearest' is"
        )
    spatial = shape[2:]
    if size is not None:
        out_sizes = tuple(int(s) for s in _spatial("output size", size, spatial))
        factors: tuple[float | None, ...] = (None,) * len(spatial)
    else:
        scales = tuple(float(s) for s in _spatial("scale_factor", scale_factor, spatial))
        out_sizes = tuple(math.floor(n * s) for n, s in zip(spatial, scales, strict=True))
        factors = (None,) * len(spatial) if recompute_scale_factor else scales
    if any(n <= 0 for n in spatial) or any(n <= 0 for n in out_sizes):
        raise RuntimeError(
            f"interpolate: input and output sizes should be greater than 0, but got input "
            f"{spatial} and output {out_sizes}"
        )
    return _NearestFunction.apply(input, sizes=tuple(zip(out_sizes, factors, strict=True)))


class Upsample(Module):
    """Upsample the spatial dimensions of the input, like ``torch.nn.Upsample``.

    Parameters
    ----------
    size : int or tuple of ints, optional
    scale_factor : float or tuple of floats, optional
    mode : str
        Only ``"nearest"`` is implemented.
    align_corners, recompute_scale_factor : as in :func:`interpolate`

    Shape
    -----
    ``(N, C, *in_spatial)`` -> ``(N, C, *out_spatial)``.

    Examples
    --------
    >>> Upsample(scale_factor=2)(x).shape   # x of shape (1, 3, 4, 4)
    (1, 3, 8, 8)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"
