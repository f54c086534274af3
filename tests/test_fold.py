"""The window machinery (unfold, fold, pad, the strided views) and Unflatten against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _torch_compare import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.gradcheck import gradcheck
from nnlib.nn.flatten import Unflatten
from nnlib.nn.fold import (
    _batch_to_front,
    _channels_first,
    _channels_last,
    _col2im,
    _im2col,
    _window_view,
    fold,
    pad,
    unfold,
)
from nnlib.tensor import tensor

TF = torch.nn.functional


def _parity(fn_ours, fn_theirs, x, device, seed=1):
    xo = tensor(x, requires_grad=True)
    xt = torch.tensor(x, device=device, requires_grad=True)
    out_ours, out_theirs = fn_ours(xo), fn_theirs(xt)
    assert out_ours.dtype == x.dtype
    assert_close(out_ours, out_theirs, x.dtype, "forward")
    upstream = np.random.default_rng(seed).standard_normal(out_ours.shape).astype(x.dtype)
    out_ours.backward(tensor(upstream))
    out_theirs.backward(torch.tensor(upstream, device=device))
    assert_close(xo.grad, xt.grad, x.dtype, "input gradient")


# (kernel, dilation, padding, stride)
WINDOW_CASES = [
    (2, 1, 0, 1),
    (3, 1, 1, 2),
    ((2, 3), 2, 1, (2, 1)),
    ((3, 1), (1, 2), (0, 2), 3),
    (1, 1, 0, 1),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", WINDOW_CASES, ids=[str(i) for i in range(len(WINDOW_CASES))])
def test_unfold_matches_torch(device, dtype, case):
    k, d, p, s = case
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8)).astype(dtype)
    _parity(lambda x: unfold(x, k, d, p, s), lambda x: TF.unfold(x, k, d, p, s), x, device)
    _parity(lambda x: unfold(x, k, d, p, s), lambda x: TF.unfold(x, k, d, p, s), x[0], device)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", WINDOW_CASES, ids=[str(i) for i in range(len(WINDOW_CASES))])
def test_fold_matches_torch(device, dtype, case):
    k, d, p, s = case
    size = (7, 8)
    blocks = TF.unfold(torch.zeros(1, 3, *size), k, d, p, s).shape[1:]
    cols = np.random.default_rng(1).standard_normal((2, *blocks)).astype(dtype)
    _parity(
        lambda c: fold(c, size, k, d, p, s), lambda c: TF.fold(c, size, k, d, p, s), cols, device
    )
    _parity(
        lambda c: fold(c, size, k, d, p, s), lambda c: TF.fold(c, size, k, d, p, s), cols[0], device
    )


def test_fold_of_unfold_counts_the_windows_covering_each_pixel():
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 6))
    once = fold(unfold(tensor(x), 3, padding=1), (5, 6), 3, padding=1)._array
    counts = fold(unfold(tensor(np.ones_like(x)), 3, padding=1), (5, 6), 3, padding=1)._array
    np.testing.assert_allclose(once, x * counts)
    assert counts[0, 0, 0, 0] == 4 and counts[0, 0, 2, 2] == 9  # corner and interior


@settings(derandomize=True, deadline=None, max_examples=25)
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 1),
    st.integers(1, 3),
    st.integers(0, 2**16),
)
def test_fold_is_the_adjoint_of_unfold(kh, kw, dilation, padding, stride, seed):
    rng = np.random.default_rng(seed)
    size = (int(rng.integers(dilation * 2 + 1, 8)), int(rng.integers(dilation * 2 + 1, 8)))
    x = rng.standard_normal((2, 2, *size))
    cols = unfold(tensor(x), (kh, kw), dilation, padding, stride)
    y = rng.standard_normal(cols.shape)
    back = fold(tensor(y), size, (kh, kw), dilation, padding, stride)
    np.testing.assert_allclose(np.vdot(cols._array, y), np.vdot(x, back._array), rtol=1e-10)
    expected = TF.unfold(torch.tensor(x), (kh, kw), dilation, padding, stride).numpy()
    np.testing.assert_allclose(cols._array, expected, rtol=1e-12)


def test_gradcheck_unfold_and_fold():
    rng = np.random.default_rng(3)
    x = tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
    assert gradcheck(lambda x: unfold(x, (2, 3), 1, 1, (2, 1)), x)
    cols = tensor(rng.standard_normal((1, 8, 8)), requires_grad=True)
    assert gradcheck(lambda c: fold(c, (4, 5), 2, 1, 0, (2, 1)), cols)


def test_window_view_is_a_read_only_view_without_copies():
    x = np.arange(3 * 5 * 6 * 2, dtype=np.float64).reshape(3, 5, 6, 2)  # (C, H, W, N)
    view = _window_view(x, (2, 3), (1, 2), (2, 1), (3, 2))
    assert view.shape == (3, 2, 3, 3, 2, 2)
    assert not view.flags.writeable and np.shares_memory(view, x)
    # view[c, i, j, y, x, n] == x[c, y*sH + i*dH, x*sW + j*dW, n]
    assert view[2, 1, 2, 2, 1, 1] == x[2, 2 * 1 + 1 * 2, 1 * 2 + 2 * 1, 1]
    cols = _im2col(x, (2, 3), (1, 2), (2, 1), (3, 2))
    assert cols.shape == (3 * 2 * 3, 3 * 2 * 2) and cols.flags.c_contiguous
    image = _col2im(np.ones_like(cols), (5, 6), (2, 3), (1, 2), (2, 1), (3, 2))
    assert image.shape == x.shape and image.sum() == cols.size


def test_channels_last_round_trip_with_padding():
    x = np.random.default_rng(7).standard_normal((2, 3, 4, 5))
    padded = _channels_last(x, (1, 2, 0, 3), value=-1.0)
    assert padded.shape == (3, 7, 8, 2)
    assert (padded[:, 0] == -1).all() and (padded[:, :, 5:] == -1).all()
    np.testing.assert_array_equal(_channels_first(padded, (1, 2, 0, 3)), x)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(0, 9), min_size=2, max_size=4),
    crop=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_batch_to_front_moves_the_last_axis_first(shape, crop, dtype):
    """Blocked copies, for contiguous arrays and for views, equal one transposing copy."""
    x = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
    if crop:  # a view that is not contiguous, as _channels_first passes
        x = x[:, 1:]
    moved = _batch_to_front(x)
    np.testing.assert_array_equal(moved, np.moveaxis(x, -1, 0))
    assert moved.flags.c_contiguous and not np.shares_memory(moved, x)


def test_unfold_and_fold_errors():
    x = tensor(np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"kernel 4x4 .* larger than the padded input 3x3"):
        unfold(x, 4)
    with pytest.raises(ValueError, match=r"4-D input \(N, C, H, W\) or a 3-D"):
        unfold(tensor(np.zeros((3, 3))), 2)
    with pytest.raises(ValueError, match=r"dimension 1 \(11\) must be divisible .* = 4"):
        fold(tensor(np.zeros((1, 11, 9))), (4, 4), 2)
    with pytest.raises(ValueError, match=r"expected 9 columns .* got 8"):
        fold(tensor(np.zeros((1, 12, 8))), (4, 4), 2)
    with pytest.raises(TypeError, match="kernel_size must be an int or a tuple of 2 ints"):
        unfold(x, (1, 2, 3))


# ------------------------------------------------------------------------------------------ pad
@pytest.mark.parametrize(
    "pads, value",
    [((1, 1), None), ((1, 2, 0, 3), None), ((2, 0, 1, 1, 1, 0), 2.5), ((1, -1, -2, 1), None)],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_pad_matches_torch(device, dtype, pads, value):
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5)).astype(dtype)
    _parity(lambda x: pad(x, pads, value=value), lambda x: TF.pad(x, pads, value=value), x, device)


def test_gradcheck_pad():
    x = tensor(np.random.default_rng(5).standard_normal((2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda x: pad(x, (1, -1, 2, 0), value=1.0), x)


def test_pad_errors():
    x = tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="padding length must be even"):
        pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="3 dimensions to pad, but the input has only 2"):
        pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(NotImplementedError, match="mode='reflect' is not implemented"):
        pad(x, (1, 1), mode="reflect")
    with pytest.raises(ValueError, match="unknown mode 'mirror'"):
        pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match="negative size"):
        pad(x, (-2, -2))


# ------------------------------------------------------------------------------------ Unflatten
@pytest.mark.parametrize(
    "dim, sizes, shape",
    [(1, (2, 5), (3, 10)), (-1, (2, -1), (3, 4, 6)), (0, (2, 2, 1), (4, 3)), (1, [3], (2, 3))],
)
def test_unflatten_matches_torch(device, dim, sizes, shape):
    ours, theirs = Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    x = np.random.default_rng(6).standard_normal(shape)
    _parity(ours, theirs, x, device)
    if isinstance(sizes, tuple):
        assert repr(ours) == repr(theirs)


def test_unflatten_errors():
    with pytest.raises(ValueError, match=r"multiply to 9, but dimension 1 .* has size 10"):
        Unflatten(1, (3, 3))(tensor(np.zeros((2, 10))))
    with pytest.raises(ValueError, match="cannot split dimension 1 of size 10"):
        Unflatten(1, (3, -1))(tensor(np.zeros((2, 10))))
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        Unflatten(2, (2, 5))(tensor(np.zeros((2, 10))))
    with pytest.raises(ValueError, match="one -1"):
        Unflatten(1, (-1, -1))
