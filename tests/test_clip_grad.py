"""``nnlib.nn.utils`` gradient clipping against ``torch.nn.utils``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from nnlib.tensor import Tensor, tensor

SHAPES = [(3, 4), (5,), (2, 1, 3)]
TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}


def _twins(dtype, device, scale=1.0, seed=0, with_grad=(True, True, True)):
    """nnlib and torch tensors with equal values and equal gradients (some maybe without)."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for shape, has_grad in zip(SHAPES, with_grad, strict=True):
        value = rng.standard_normal(shape).astype(dtype)
        p = tensor(value.copy(), requires_grad=True)
        tp = torch.tensor(value.copy(), device=device, requires_grad=True)
        if has_grad:
            grad = (scale * rng.standard_normal(shape)).astype(dtype)
            p.grad = tensor(grad.copy())
            tp.grad = torch.tensor(grad.copy(), device=device)
        ours.append(p)
        theirs.append(tp)
    return ours, theirs


def _assert_grads_equal(ours, theirs, rtol):
    for p, tp in zip(ours, theirs, strict=True):
        if tp.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad._array, tp.grad.cpu().numpy(), rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0, "inf"])
def test_clip_grad_norm_matches_torch(norm_type, dtype, device):
    ours, theirs = _twins(dtype, device, scale=3.0)
    total = clip_grad_norm_(ours, max_norm=1.5, norm_type=norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.5, norm_type=norm_type)
    rtol = TOLERANCE[dtype]

    assert isinstance(total, Tensor)
    assert total.shape == ()
    assert total.dtype == dtype
    np.testing.assert_allclose(total.item(), torch_total.item(), rtol=rtol)
    assert total.item() > 1.5  # the gradients were really clipped
    _assert_grads_equal(ours, theirs, rtol)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_is_a_no_op_under_max_norm(norm_type, device):
    ours, theirs = _twins(np.float64, device, scale=0.01, with_grad=(True, False, True))
    before = [None if p.grad is None else p.grad._array.copy() for p in ours]
    total = clip_grad_norm_(ours, max_norm=10.0, norm_type=norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm=10.0, norm_type=norm_type)

    np.testing.assert_allclose(total.item(), torch_total.item(), rtol=1e-12)
    assert total.item() < 10.0
    for p, old in zip(ours, before, strict=True):
        if old is None:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(p.grad._array, old)
    _assert_grads_equal(ours, theirs, 1e-12)


def test_clip_grad_norm_skips_parameters_without_gradient_and_accepts_one_tensor(device):
    ours, theirs = _twins(np.float64, device, scale=3.0, with_grad=(False, True, True))
    total = clip_grad_norm_(ours, 0.5)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, 0.5)
    np.testing.assert_allclose(total.item(), torch_total.item(), rtol=1e-12)
    _assert_grads_equal(ours, theirs, 1e-12)

    single, torch_single = ours[1], theirs[1]
    total = clip_grad_norm_(single, 0.1, norm_type=1)
    torch_total = torch.nn.utils.clip_grad_norm_(torch_single, 0.1, norm_type=1)
    np.testing.assert_allclose(total.item(), torch_total.item(), rtol=1e-12)
    _assert_grads_equal([single], [torch_single], 1e-12)


def test_clip_grad_norm_without_gradients_returns_zero():
    p = tensor(np.ones(3), requires_grad=True)
    total = clip_grad_norm_([p], 1.0)
    assert total.item() == 0.0
    assert p.grad is None
    assert clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_norm_non_finite():
    p = tensor(np.ones(3), requires_grad=True)
    p.grad = tensor(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isnan(clip_grad_norm_([p], 1.0).item())  # allowed when not asked to check


@settings(max_examples=30, deadline=None)
@given(
    shapes=st.lists(
        st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple), min_size=1, max_size=4
    ),
    max_norm=st.floats(0.01, 10.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, math.inf]),
    seed=st.integers(0, 2**16),
)
def test_clip_grad_norm_properties(shapes, max_norm, norm_type, seed):
    """After clipping the total norm is at most max_norm, and every gradient keeps its direction."""
    rng = np.random.default_rng(seed)
    params = []
    for shape in shapes:
        p = tensor(rng.standard_normal(shape), requires_grad=True)
        p.grad = tensor(5 * rng.standard_normal(shape))
        params.append(p)
    before = [p.grad._array.copy() for p in params]
    total = clip_grad_norm_(params, max_norm, norm_type)

    flat = np.concatenate([g.ravel() for g in before])
    np.testing.assert_allclose(total.item(), np.linalg.norm(flat, norm_type), rtol=1e-12)
    after = np.concatenate([p.grad._array.ravel() for p in params])
    assert np.linalg.norm(after, norm_type) <= max_norm * (1 + 1e-9) or total.item() <= max_norm
    scale = min(1.0, max_norm / (total.item() + 1e-6))
    np.testing.assert_allclose(after, scale * flat, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_value_matches_torch(dtype, device):
    ours, theirs = _twins(dtype, device, scale=2.0, with_grad=(True, False, True))
    assert clip_grad_value_(ours, 0.75) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.75)
    _assert_grads_equal(ours, theirs, 0)
    assert max(np.abs(p.grad._array).max() for p in ours if p.grad is not None) == np.float32(0.75)
    assert all(p.grad._array.dtype == dtype for p in ours if p.grad is not None)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p: clip_grad_norm_([p, np.ones(2)], 1.0), TypeError, "expected Tensors.*ndarray"),
        (lambda p: clip_grad_norm_([p], 1.0, norm_type="max"), ValueError, "norm_type must be"),
        (lambda p: clip_grad_value_([p], -1.0), ValueError, "clip_value must be >= 0, got -1.0"),
        (lambda p: clip_grad_value_([3.0], 1.0), TypeError, "clip_grad_value_: expected Tensors"),
    ],
)
def test_bad_input_raises_clear_errors(call, error, match):
    p = tensor(np.ones(2), requires_grad=True)
    p.grad = tensor(np.ones(2))
    with pytest.raises(error, match=match):
        call(p)
