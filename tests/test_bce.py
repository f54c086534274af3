"""F.binary_cross_entropy and nn.BCELoss against torch: clamps, weights, reductions, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib import nn
from nnlib.interop import check_parity
from nnlib.nn import functional as F
from nnlib.tensor import tensor

DTYPES = ["float64", "float32"]
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weight"])
def test_bce_matches_torch(device, dtype, reduction, weighted):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.02, 0.98, (4, 3))
    t = rng.uniform(0, 1, (4, 3))  # soft targets; both get gradients
    weight = rng.uniform(0.5, 2, 3) if weighted else None
    ours_w = None if weight is None else tensor(weight.astype(dtype))
    check_parity(
        lambda a, b: F.binary_cross_entropy(a, b, ours_w, reduction=reduction),
        lambda a, b: TF.binary_cross_entropy(
            a,
            b,
            None if weight is None else torch.tensor(weight.astype(dtype), device=a.device),
            reduction=reduction,
        ),
        x,
        t,
        device=device,
        dtype=dtype,
    )
    check_parity(
        nn.BCELoss(ours_w, reduction=reduction),
        torch.nn.BCELoss(
            None if weight is None else torch.tensor(weight.astype(dtype), device=device),
            reduction=reduction,
        ).to(device),
        x,
        t,
        device=device,
        dtype=dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_exact_zero_and_one_inputs_are_clamped_like_torch(device, dtype):
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.3, 1.0])
    check_parity(
        lambda a: F.binary_cross_entropy(a, tensor(t.astype(dtype)), reduction="none"),
        lambda a: TF.binary_cross_entropy(
            a, torch.tensor(t.astype(dtype), device=a.device), reduction="none"
        ),
        x,
        device=device,
        dtype=dtype,
    )
    loss = F.binary_cross_entropy(tensor(x[:2]), tensor(t[:2]), reduction="none")
    np.testing.assert_array_equal(loss.cpu().numpy(), [100.0, 100.0])  # log clamped at -100


def test_bce_target_gradient_is_unclamped_like_torch():
    x = np.array([0.0, 1.0, 0.5, 0.25])
    ours_t = tensor(np.array([1.0, 0.0, 0.3, 0.0]), requires_grad=True)
    theirs_t = torch.tensor([1.0, 0.0, 0.3, 0.0], dtype=torch.float64, requires_grad=True)
    F.binary_cross_entropy(tensor(x), ours_t, reduction="sum").backward()
    TF.binary_cross_entropy(torch.tensor(x), theirs_t, reduction="sum").backward()
    # inf, -inf
    np.testing.assert_allclose(ours_t.grad.cpu().numpy(), theirs_t.grad.numpy(), rtol=1e-12)


def test_weighted_mean_divides_by_the_element_count():
    x, t = tensor(np.full(4, 0.5)), tensor(np.zeros(4))
    w = tensor(np.array([1.0, 0.0, 0.0, 0.0]))
    assert F.binary_cross_entropy(x, t, w).item() == pytest.approx(np.log(2) / 4, rel=1e-12)


def test_bce_errors():
    x = tensor(np.array([0.5, 1.5]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(x, tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="between 0 and 1, found nan"):
        F.binary_cross_entropy(tensor(np.array([np.nan])), tensor(np.ones(1)))
    with pytest.raises(ValueError, match=r"target shape \(2, 1\) must be the same as input"):
        F.binary_cross_entropy(tensor(np.full(2, 0.5)), tensor(np.ones((2, 1))))
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) does not broadcast"):
        F.binary_cross_entropy(tensor(np.full(2, 0.5)), tensor(np.ones(2)), tensor(np.ones(3)))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        nn.BCELoss(reduction="avg")
    with pytest.raises(TypeError, match="floating point dtype"):
        F.binary_cross_entropy(tensor(np.zeros(2, np.int64)), tensor(np.zeros(2)))


@settings(derandomize=True, deadline=None, max_examples=40)
@given(
    x=st.floats(0, 1, allow_nan=False),
    t=st.floats(0, 1, allow_nan=False),
)
def test_bce_matches_torch_anywhere_in_the_unit_interval(x, t):
    ours = tensor(np.array([x]), requires_grad=True)
    theirs = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    loss = F.binary_cross_entropy(ours, tensor(np.array([t])))
    expected = TF.binary_cross_entropy(theirs, torch.tensor([t], dtype=torch.float64))
    loss.backward()
    expected.backward()
    assert 0 <= loss.item() <= 100 + 1e-9
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.grad.cpu().numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_bce_gradcheck():
    rng = np.random.default_rng(9)
    x = tensor(rng.uniform(0.1, 0.9, (3, 2)), requires_grad=True)
    t = tensor(rng.uniform(0, 1, (3, 2)), requires_grad=True)
    w = tensor(rng.uniform(0.5, 2, 2))
    for reduction in REDUCTIONS:
        nnlib.gradcheck(
            lambda a, b, r=reduction: F.binary_cross_entropy(a, b, w, reduction=r), (x, t)
        )
