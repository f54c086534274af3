"""``make_grid``: tile a batch of images into one picture, like ``torchvision.utils.make_grid``.

Generative models are judged first by looking at a grid of their samples. ``make_grid`` takes
a batch ``(B, C, H, W)`` and lays the images out in rows of ``nrow``, separated by ``padding``
pixels of ``pad_value``, into one image ``(3, H', W')`` (or ``(C, H', W')`` for ``C != 1``),
with torchvision's arguments and arithmetic:

* single-channel images are repeated into three channels (grey stays grey in RGB);
* ``H' = ymaps * (H + padding) + padding`` with ``ymaps = ceil(B / min(nrow, B))``, and
  ``W' = xmaps * (W + padding) + padding`` with ``xmaps = min(nrow, B)``;
* ``normalize=True`` clamps to ``value_range`` (default: the batch's min and max, or each
  image's with ``scale_each=True``) and maps it to [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnlib.backend import CPU, is_array, move
from nnlib.tensor import Tensor, from_numpy

__all__ = ["make_grid"]


def _normalize(images: np.ndarray, value_range: tuple[float, float] | None) -> np.ndarray:
    if value_range is None:
        low, high = float(images.min()), float(images.max())
    else:
        low, high = value_range
    return (np.clip(images, low, high) - low) / max(high - low, 1e-5)


def make_grid(
    tensor: Any,
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Any:
    """Arrange a batch of images into a grid (``torchvision.utils.make_grid``).

    Parameters
    ----------
    tensor : Tensor or array ``(B, C, H, W)``, ``(C, H, W)``, ``(H, W)``, or a list of
        ``(C, H, W)`` images
    nrow : int
        Images per row of the grid.
    padding : int
        Pixels between the images and around the border.
    normalize : bool
        Shift and scale to [0, 1] using ``value_range`` (default: the min and max).
    value_range : (low, high), optional
    scale_each : bool
        With ``normalize``, use each image's own min and max.
    pad_value : float
        The value of the padding pixels (and of empty cells in the last row).

    Returns
    -------
    Tensor or array (the type of the input) of shape ``(C', H', W')``
        ``C' = 3`` for single-channel input; a single image is returned without padding.
        The grid is made to be looked at, so it is always on the host: a CPU tensor, or a
        NumPy array, even for images on a GPU (unlike torchvision, which keeps their device).
    """
    as_tensor = isinstance(tensor, Tensor) or (
        isinstance(tensor, (list, tuple)) and tensor and isinstance(tensor[0], Tensor)
    )
    if isinstance(tensor, (list, tuple)):
        images = np.stack([_array(t) for t in tensor])
    else:
        images = _array(tensor)
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 3:
        if images.shape[0] == 1:
            images = np.concatenate([images] * 3, axis=0)
        images = images[None]
    if images.ndim != 4:
        raise ValueError(
            f"make_grid: expected images of shape (B, C, H, W), (C, H, W) or (H, W), got "
            f"{images.shape}"
        )
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if value_range is not None and not isinstance(value_range, Sequence | np.ndarray):
        raise TypeError("make_grid: value_range has to be a tuple (min, max) if specified")
    if normalize:
        images = images.astype(np.result_type(images.dtype, np.float32))
        if scale_each:
            images = np.stack([_normalize(image, value_range) for image in images])
        else:
            images = _normalize(images, value_range)
    if images.shape[0] == 1:
        grid = images[0]
    else:
        grid = _tile(images, int(nrow), int(padding), pad_value)
    return from_numpy(np.ascontiguousarray(grid)) if as_tensor else grid


def _array(value: Any) -> np.ndarray:
    """The pixels as a NumPy array on the host (copied from a GPU explicitly)."""
    if isinstance(value, Tensor):
        value = value.detach()._array
    return move(value, CPU) if is_array(value) else np.asarray(value)


def _tile(images: np.ndarray, nrow: int, padding: int, pad_value: float) -> np.ndarray:
    count, channels, height, width = images.shape
    xmaps = min(nrow, count)
    ymaps = math.ceil(count / xmaps)
    cells = np.full(
        (ymaps * xmaps, channels, height + padding, width + padding), pad_value, images.dtype
    )
    cells[:count, :, padding:, padding:] = images  # every cell: padding above and to the left
    rows = cells.reshape(ymaps, xmaps, channels, height + padding, width + padding)
    grid = rows.transpose(2, 0, 3, 1, 4).reshape(
        channels, ymaps * (height + padding), xmaps * (width + padding)
    )
    out = np.full(
        (channels, grid.shape[1] + padding, grid.shape[2] + padding), pad_value, images.dtype
    )
    out[:, : grid.shape[1], : grid.shape[2]] = grid  # and one more strip below and to the right
    return out
