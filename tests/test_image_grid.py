"""make_grid: torchvision.utils.make_grid's documented layout, padding and normalisation.

torchvision is not installed; the tests check its arithmetic: a batch ``(B, C, H, W)`` in rows
of ``nrow`` gives ``(3, ymaps * (H + p) + p, xmaps * (W + p) + p)``, image ``k`` at row
``k // xmaps`` and column ``k % xmaps`` after ``p`` pixels of padding, single-channel images
repeated into three channels, and ``normalize`` mapping ``value_range`` (or min..max) to [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib.image_grid import make_grid
from nnlib.utils import make_grid as reexported


def _cell(grid, k, xmaps, h, w, p):
    row, col = divmod(k, xmaps)
    top, left = row * (h + p) + p, col * (w + p) + p
    return grid[:, top : top + h, left : left + w]


@settings(max_examples=40, deadline=None)
@given(
    b=st.integers(2, 13),
    c=st.sampled_from([1, 3]),
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    nrow=st.integers(1, 9),
    p=st.integers(0, 3),
)
def test_layout_shape_and_padding(b, c, h, w, nrow, p) -> None:
    images = np.random.default_rng(0).uniform(0.1, 1.0, (b, c, h, w))
    grid = make_grid(images, nrow=nrow, padding=p, pad_value=-1.0)
    xmaps, ymaps = min(nrow, b), math.ceil(b / min(nrow, b))
    assert grid.shape == (3, ymaps * (h + p) + p, xmaps * (w + p) + p)
    mask = np.ones(grid.shape, bool)
    for k in range(b):
        cell = _cell(grid, k, xmaps, h, w, p)
        expected = np.repeat(images[k], 3, axis=0) if c == 1 else images[k]
        np.testing.assert_array_equal(cell, expected)
        row, col = divmod(k, xmaps)
        mask[
            :, row * (h + p) + p : row * (h + p) + p + h, col * (w + p) + p : col * (w + p) + p + w
        ] = 0
    assert np.all(grid[mask] == -1.0)  # padding and empty cells


def test_single_channel_becomes_three_identical_channels() -> None:
    images = np.random.default_rng(1).uniform(size=(4, 1, 8, 8))
    grid = make_grid(images, nrow=2)
    assert grid.shape == (3, 2 * 10 + 2, 2 * 10 + 2)
    np.testing.assert_array_equal(grid[0], grid[1])
    np.testing.assert_array_equal(grid[0], grid[2])


def test_single_images_and_lists() -> None:
    image = np.random.default_rng(2).uniform(size=(5, 6))
    assert make_grid(image).shape == (3, 5, 6)  # one image: no padding, as in torchvision
    np.testing.assert_array_equal(make_grid(image[None])[1], image)
    listed = make_grid([np.zeros((3, 4, 4)), np.ones((3, 4, 4))], padding=1)
    assert listed.shape == (3, 6, 11)


def test_normalize_with_and_without_value_range() -> None:
    images = np.array([[[[0.0, 2.0]]], [[[4.0, 8.0]]]])  # (2, 1, 1, 2)
    grid = make_grid(images, padding=0, normalize=True)
    np.testing.assert_allclose(grid[0], [[0.0, 0.25, 0.5, 1.0]])
    grid = make_grid(images, padding=0, normalize=True, value_range=(2.0, 4.0))
    np.testing.assert_allclose(grid[0], [[0.0, 0.0, 1.0, 1.0]])  # clamped to the range first
    grid = make_grid(images, padding=0, normalize=True, scale_each=True)
    np.testing.assert_allclose(grid[0], [[0.0, 1.0, 0.0, 1.0]])
    flat = make_grid(np.full((2, 1, 1, 1), 3.0), padding=0, normalize=True)
    np.testing.assert_array_equal(flat, 0.0)  # max(high - low, 1e-5): no division by zero
    with pytest.raises(TypeError, match="value_range"):
        make_grid(images, normalize=True, value_range=3)


def test_tanh_outputs_to_pixels() -> None:
    """A generator's tanh output in [-1, 1] maps to [0, 1] with value_range=(-1, 1)."""
    images = nnlib.tanh(nnlib.randn(6, 1, 8, 8))
    grid = make_grid(images, nrow=3, normalize=True, value_range=(-1, 1))
    assert isinstance(grid, nnlib.Tensor) and tuple(grid.shape) == (3, 22, 32)
    assert grid.device == "cpu"  # a grid is made to be shown: always on the host
    inner = _cell(grid.numpy(), 4, 3, 8, 8, 2)[0]
    np.testing.assert_allclose(inner, (images.cpu().numpy()[4, 0] + 1) / 2, rtol=1e-6)
    assert reexported is make_grid


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        make_grid(np.zeros((1, 1, 1, 2, 2)))
