"""Pooling (max, average, adaptive average; functions and modules) against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _torch_compare import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.gradcheck import gradcheck
from nnlib.nn.pooling import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
    adaptive_avg_pool2d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from nnlib.tensor import tensor

TF = torch.nn.functional


def _inputs(shape, dtype, kind, seed=0):
    """Random values, small integers (many ties) or a constant (every window a tie)."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        return rng.standard_normal(shape).astype(dtype)
    if kind == "integers":
        return rng.integers(-2, 3, size=shape).astype(dtype)
    return np.full(shape, 1.5, dtype=dtype)


def _parity(fn_ours, fn_theirs, x, device, indices=False, seed=1):
    """Forward (and indices), then the input gradient for a random upstream gradient."""
    xo = tensor(x, requires_grad=True)
    xt = torch.tensor(x, device=device, requires_grad=True)
    out_ours, out_theirs = fn_ours(xo), fn_theirs(xt)
    if indices:
        (out_ours, idx_ours), (out_theirs, idx_theirs) = out_ours, out_theirs
        assert idx_ours.dtype == np.int64
        np.testing.assert_array_equal(idx_ours._array, idx_theirs.cpu().numpy())
    assert out_ours.dtype == x.dtype
    assert_close(out_ours, out_theirs, x.dtype, "forward")
    upstream = np.random.default_rng(seed).standard_normal(out_ours.shape).astype(x.dtype)
    out_ours.backward(tensor(upstream))
    out_theirs.backward(torch.tensor(upstream, device=device))
    assert_close(xo.grad, xt.grad, x.dtype, "input gradient")


# (kernel, stride, padding, dilation, ceil_mode)
MAX_CASES = [
    (2, None, 0, 1, False),
    (3, 1, 1, 1, False),  # overlapping windows: gradients pile up on repeated winners
    (3, 2, 1, 2, True),
    ((2, 3), (1, 2), (1, 0), 1, True),
    (2, 2, 1, 1, True),
    (3, 3, 0, 1, True),  # the last window is partial
    ((3, 2), 2, (1, 1), (1, 2), False),
]


@pytest.mark.parametrize("kind", ["random", "integers", "constant"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", MAX_CASES, ids=[str(i) for i in range(len(MAX_CASES))])
def test_max_pool2d_matches_torch_including_ties_and_indices(device, dtype, kind, case):
    k, s, p, d, ceil = case
    x = _inputs((2, 3, 7, 8), dtype, kind)
    _parity(
        lambda x: max_pool2d(x, k, s, p, d, ceil, return_indices=True),
        lambda x: TF.max_pool2d(x, k, s, p, d, ceil, return_indices=True),
        x,
        device,
        indices=True,
    )


@pytest.mark.parametrize("kind", ["random", "integers", "constant"])
@pytest.mark.parametrize("case", [(2, None, 0, 1, False), (3, 2, 1, 2, True), (4, 1, 2, 1, True)])
def test_max_pool1d_matches_torch(device, kind, case):
    k, s, p, d, ceil = case
    x = _inputs((2, 3, 11), np.float64, kind)
    _parity(
        lambda x: max_pool1d(x, k, s, p, d, ceil, True),
        lambda x: TF.max_pool1d(x, k, s, p, d, ceil, True),
        x,
        device,
        indices=True,
    )


def test_max_pool_tie_goes_to_the_first_maximum_in_row_major_order():
    x = tensor(np.array([[[[1.0, 3.0], [3.0, 3.0]]]]), requires_grad=True)
    out, indices = max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[[[0.0, 1.0], [0.0, 0.0]]]])
    assert indices.item() == 1


def test_max_pool_padding_never_wins_and_nan_propagates_like_torch(device):
    minus_inf = np.full((1, 1, 1, 4), -np.inf)
    nan = np.array([[[[1.0, np.nan, np.nan, 2.0]]]])
    for x, args in ((minus_inf, ((1, 3), 1, (0, 1))), (nan, ((1, 4),))):
        xo = tensor(x, requires_grad=True)
        xt = torch.tensor(x, device=device, requires_grad=True)
        out_ours, idx_ours = max_pool2d(xo, *args, return_indices=True)
        out_theirs, idx_theirs = TF.max_pool2d(xt, *args, return_indices=True)
        np.testing.assert_array_equal(out_ours._array, out_theirs.detach().cpu().numpy())
        np.testing.assert_array_equal(idx_ours._array, idx_theirs.cpu().numpy())
        out_ours.sum().backward()
        out_theirs.sum().backward()
        np.testing.assert_array_equal(xo.grad._array, xt.grad.cpu().numpy())


def test_max_pool_works_on_integers_without_gradients():
    x = np.arange(16).reshape(1, 1, 4, 4)
    out, indices = max_pool2d(tensor(x), 2, return_indices=True)
    expected, expected_indices = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(out._array, expected.numpy())
    np.testing.assert_array_equal(indices._array, expected_indices.numpy())
    assert out.dtype == x.dtype


# (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG_CASES = [
    (2, None, 0, False, True, None),
    (3, 1, 1, False, True, None),
    (3, 1, 1, False, False, None),
    (3, 2, 1, True, True, None),  # ceil_mode: the divisor stops at the padded edge
    (3, 2, 1, True, False, None),
    ((2, 3), (1, 2), (1, 0), True, True, 4),
    (2, 3, 1, True, False, None),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", AVG_CASES, ids=[str(i) for i in range(len(AVG_CASES))])
def test_avg_pool2d_matches_torch(device, dtype, case):
    k, s, p, ceil, include, divisor = case
    x = _inputs((2, 3, 7, 8), dtype, "random")
    _parity(
        lambda x: avg_pool2d(x, k, s, p, ceil, include, divisor),
        lambda x: TF.avg_pool2d(x, k, s, p, ceil, include, divisor),
        x,
        device,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("size", [1, (3, None), (3, 4), (5, 7), (2, 3), (7, 8), (None, 5), 6])
def test_adaptive_avg_pool2d_matches_torch_for_any_size(device, dtype, size):
    x = _inputs((2, 3, 7, 8), dtype, "random")
    _parity(
        lambda x: adaptive_avg_pool2d(x, size),
        lambda x: TF.adaptive_avg_pool2d(x, size),
        x,
        device,
    )


# ------------------------------------------------------------------------------- gradchecks
def test_gradcheck_max_pool2d():
    # distinct values: finite differences are only meaningful away from ties
    x = np.random.default_rng(2).permutation(2 * 2 * 6 * 7).reshape(2, 2, 6, 7) / 10.0
    assert gradcheck(
        lambda x: max_pool2d(x, 3, 2, 1, ceil_mode=True), tensor(x, requires_grad=True)
    )


def test_gradcheck_max_pool1d():
    x = np.random.default_rng(3).permutation(2 * 2 * 9).reshape(2, 2, 9) / 10.0
    assert gradcheck(lambda x: max_pool1d(x, 3, 1, 1, 2), tensor(x, requires_grad=True))


def test_gradcheck_avg_pool2d():
    x = np.random.default_rng(4).standard_normal((2, 2, 5, 6))
    assert gradcheck(lambda x: avg_pool2d(x, 3, 2, 1, True, False), tensor(x, requires_grad=True))


def test_gradcheck_adaptive_avg_pool2d():
    x = np.random.default_rng(5).standard_normal((2, 2, 5, 7))
    assert gradcheck(lambda x: adaptive_avg_pool2d(x, (3, 4)), tensor(x, requires_grad=True))


# ---------------------------------------------------------------------- hypothesis properties
@st.composite
def pool_problems(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    h = draw(st.integers(dilation[0] * (kh - 1) + 1, 8))
    w = draw(st.integers(dilation[1] * (kw - 1) + 1, 8))
    ceil = draw(st.booleans())
    kind = draw(st.sampled_from(["random", "integers"]))
    return (draw(st.integers(1, 2)), 2, h, w), (kh, kw), stride, padding, dilation, ceil, kind


@settings(derandomize=True, deadline=None, max_examples=30)
@given(pool_problems())
def test_max_pool2d_random_shapes_match_torch(problem):
    shape, kernel, stride, padding, dilation, ceil, kind = problem
    x = _inputs(shape, np.float64, kind, seed=sum(shape))
    _parity(
        lambda x: max_pool2d(x, kernel, stride, padding, dilation, ceil, True),
        lambda x: TF.max_pool2d(x, kernel, stride, padding, dilation, ceil, True),
        x,
        "cpu",
        indices=True,
    )


@settings(derandomize=True, deadline=None, max_examples=20)
@given(pool_problems(), st.booleans())
def test_avg_pool2d_random_shapes_match_torch(problem, include):
    shape, kernel, stride, padding, _, ceil, _ = problem
    x = _inputs(shape, np.float64, "random", seed=sum(shape))
    _parity(
        lambda x: avg_pool2d(x, kernel, stride, padding, ceil, include),
        lambda x: TF.avg_pool2d(x, kernel, stride, padding, ceil, include),
        x,
        "cpu",
    )


# ------------------------------------------------------------------------------------ modules
MODULES = [
    (MaxPool2d, torch.nn.MaxPool2d, (2,), {}),
    (MaxPool2d, torch.nn.MaxPool2d, (3, 1, 1, 2), dict(ceil_mode=True)),
    (MaxPool2d, torch.nn.MaxPool2d, ((2, 3),), dict(stride=(1, 2), padding=(1, 0))),
    (MaxPool1d, torch.nn.MaxPool1d, (3,), dict(stride=2, padding=1)),
    (AvgPool2d, torch.nn.AvgPool2d, (2,), {}),
    (AvgPool2d, torch.nn.AvgPool2d, (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
    (AdaptiveAvgPool2d, torch.nn.AdaptiveAvgPool2d, ((3, None),), {}),
    (AdaptiveAvgPool2d, torch.nn.AdaptiveAvgPool2d, (1,), {}),
]


@pytest.mark.parametrize("ours_cls, theirs_cls, args, kwargs", MODULES)
def test_pooling_modules_match_torch(device, ours_cls, theirs_cls, args, kwargs):
    ours, theirs = ours_cls(*args, **kwargs), theirs_cls(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == {} and list(ours.parameters()) == []
    shape = (2, 3, 9) if ours_cls is MaxPool1d else (2, 3, 7, 8)
    x = _inputs(shape, np.float32, "integers")
    _parity(ours, theirs, x, device)
    _parity(ours, theirs, x[0], device)  # unbatched in, unbatched out


def test_max_pool_module_return_indices():
    x = _inputs((1, 2, 4, 6), np.float64, "integers")
    out, indices = MaxPool2d(2, return_indices=True)(tensor(x))
    expected, expected_indices = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(indices._array, expected_indices.numpy())
    assert_close(out, expected, np.float64)


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda x: max_pool2d(x, 2, padding=2), ValueError, "padding 2 is more than half"),
        (lambda x: avg_pool2d(x, 3, padding=2), ValueError, "padding can be at most 1"),
        (lambda x: max_pool2d(x, 5), ValueError, r"window 5 .* does not fit an input of size 4"),
        (lambda x: max_pool2d(x[0, 0], 2), ValueError, r"4-D input \(N, C, H, W\) or a 3-D"),
        (lambda x: max_pool1d(x, 2), ValueError, r"3-D input \(N, C, L\) or a 2-D"),
        (lambda x: max_pool2d(x, 0), ValueError, "kernel_size must be positive"),
        (lambda x: max_pool2d(x, 2, stride=0), ValueError, "stride must be positive"),
        (lambda x: adaptive_avg_pool2d(x, 0), ValueError, "output sizes must be positive"),
        (lambda x: adaptive_avg_pool2d(x, (1, 2, 3)), TypeError, "tuple of 2"),
        (lambda x: avg_pool2d(x, 2, divisor_override=0), ValueError, "non-zero int"),
    ],
)
def test_bad_pooling_arguments_raise(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(tensor(np.zeros((1, 1, 4, 4))))


def test_module_error_names_the_layer():
    with pytest.raises(ValueError, match=r"^MaxPool2d\(kernel_size=2, stride=2.*got shape \(4,\)"):
        MaxPool2d(2)(tensor(np.zeros(4)))
