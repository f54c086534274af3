"""Losses against torch: every option, both dtypes, extreme logits and clear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.interop import check_parity
from nnlib.nn.loss import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    NLLLoss,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from nnlib.tensor import tensor

tnn = torch.nn
DTYPES = ["float64", "float32"]
REDUCTIONS = ["mean", "sum", "none"]


def constant(array, dtype, device=None):
    """The same constant for both twins: an nnlib tensor and a torch tensor on ``device``."""
    array = np.asarray(array)
    if np.issubdtype(array.dtype, np.floating):
        array = array.astype(dtype)
    return tensor(array), torch.tensor(array, device=device)


# --------------------------------------------------------------------------- MSE
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_matches_torch(device, dtype, reduction):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    # Both arguments require grad: the target's gradient is checked too.
    check_parity(
        lambda a, b: mse_loss(a, b, reduction=reduction),
        lambda a, b: TF.mse_loss(a, b, reduction=reduction),
        x,
        y,
        device=device,
        dtype=dtype,
    )
    check_parity(MSELoss(reduction=reduction), tnn.MSELoss(reduction=reduction), x, y, dtype=dtype)


def test_mse_loss_casts_constant_targets_and_refuses_broadcasting():
    x = tensor(np.ones((4, 1), np.float32), requires_grad=True)
    loss = mse_loss(x, np.zeros((4, 1)))  # float64 data target: cast to the input's dtype
    assert loss.dtype == np.float32 and loss.item() == 1.0
    with pytest.raises(ValueError, match=r"input shape \(4, 1\) and target shape \(4,\) differ"):
        mse_loss(x, tensor(np.zeros(4, np.float32)))
    with pytest.raises(TypeError, match="requires grad and has dtype float64"):
        mse_loss(x, tensor(np.zeros((4, 1)), requires_grad=True))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="MSELoss: reduction must be"):
        MSELoss(reduction="average")
    with pytest.raises(TypeError, match="input must have a floating point dtype, got int64"):
        mse_loss(tensor(np.zeros(2, np.int64)), tensor(np.zeros(2, np.int64)))


# ----------------------------------------------------------------- cross entropy
CE_CASES = {
    "plain": dict(),
    "weight": dict(weight=True),
    "ignore": dict(ignore_index=1),
    "smoothing": dict(label_smoothing=0.2),
    "weight_smoothing": dict(weight=True, label_smoothing=0.3),
    "all": dict(weight=True, ignore_index=2, label_smoothing=0.3),
}


def _ce_pair(options, classes, dtype, device):
    """nnlib and torch cross-entropy closures with the same constant options."""
    options = dict(options)
    weight = None
    if options.pop("weight", False):
        weight = np.linspace(0.5, 2.0, classes)
    ours_w, theirs_w = constant(weight, dtype, device) if weight is not None else (None, None)
    return (
        lambda x, t: cross_entropy(x, t, ours_w, **options),
        lambda x, t: TF.cross_entropy(x, t, theirs_w, **options),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES, ids=list(CE_CASES))
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)], ids=["NC", "NCd1d2", "C"])
def test_cross_entropy_class_indices_match_torch(device, dtype, reduction, case, shape):
    rng = np.random.default_rng(1)
    classes = shape[1] if len(shape) > 1 else shape[0]
    x = rng.standard_normal(shape) * 2
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, classes, size=target_shape)
    if "ignore_index" in CE_CASES[case] and target.ndim:
        target.flat[0] = CE_CASES[case]["ignore_index"]  # at least one ignored sample
    ours, theirs = _ce_pair({**CE_CASES[case], "reduction": reduction}, classes, dtype, device)
    check_parity(ours, theirs, x, target, device=device, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["plain", "weight", "smoothing", "weight_smoothing"])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)], ids=["NC", "NCd"])
def test_cross_entropy_probability_targets_match_torch(device, dtype, reduction, case, shape):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    probs = rng.random(shape)
    probs /= probs.sum(axis=1, keepdims=True)
    ours, theirs = _ce_pair({**CE_CASES[case], "reduction": reduction}, shape[1], dtype, device)
    # The probabilities are a floating input, so their gradient is compared too.
    check_parity(ours, theirs, x, probs, device=device, dtype=dtype)


def test_cross_entropy_module_matches_torch(device):
    rng = np.random.default_rng(3)
    x, target = rng.standard_normal((8, 5)), rng.integers(0, 5, 8)
    ours_w, theirs_w = constant(rng.random(5) + 0.5, "float64", device)
    options = dict(ignore_index=0, reduction="sum", label_smoothing=0.1)
    check_parity(
        CrossEntropyLoss(ours_w, **options),
        tnn.CrossEntropyLoss(theirs_w, **options),
        x,
        target,
        device=device,
    )
    assert CrossEntropyLoss(ours_w).weight is ours_w


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = tensor(np.zeros((2, 3)), requires_grad=True)
    target = tensor(np.array([-100, -100]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = cross_entropy(x, target)
        loss.backward()
    twin = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    expected = TF.cross_entropy(twin, torch.tensor([-100, -100]))
    expected.backward()
    assert np.isnan(loss.item()) and torch.isnan(expected)
    np.testing.assert_array_equal(x.grad._array, twin.grad.numpy())  # zeros


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), c=st.integers(1, 9), smoothing=st.sampled_from([0.0, 0.25]))
def test_cross_entropy_random_sizes(n, c, smoothing):
    rng = np.random.default_rng(n * 10 + c)
    x, target = rng.standard_normal((n, c)) * 3, rng.integers(0, c, n)
    check_parity(
        lambda a, t: cross_entropy(a, t, label_smoothing=smoothing),
        lambda a, t: TF.cross_entropy(a, t, label_smoothing=smoothing),
        x,
        target,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(device, dtype, reduction):
    rng = np.random.default_rng(4)
    logp = np.log(rng.dirichlet(np.ones(4), size=(3, 2)).transpose(0, 2, 1))  # (N, C, d)
    target = rng.integers(0, 4, size=(3, 2))
    target[0, 0] = 3
    ours_w, theirs_w = constant(rng.random(4) + 0.5, dtype, device)
    options = dict(ignore_index=3, reduction=reduction)
    check_parity(
        lambda a, t: nll_loss(a, t, ours_w, **options),
        lambda a, t: TF.nll_loss(a, t, theirs_w, **options),
        logp,
        target,
        device=device,
        dtype=dtype,
    )
    check_parity(NLLLoss(), tnn.NLLLoss(), logp, target, device=device, dtype=dtype)


def test_cross_entropy_errors():
    x = tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"floating \(float32\) target of shape \(4,\)"):
        cross_entropy(x, tensor(np.zeros(4, np.float32)))
    with pytest.raises(IndexError, match="class index 3, but the input has C=3 classes"):
        cross_entropy(x, tensor(np.array([0, 1, 3, 2])))
    with pytest.raises(IndexError, match="class index -1"):
        cross_entropy(x, tensor(np.array([0, 1, -1, 2])))
    with pytest.raises(ValueError, match=r"target must have shape \(4,\) .* got target shape"):
        cross_entropy(x, tensor(np.zeros((4, 1), np.int64)))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        cross_entropy(x, tensor(np.zeros(4, np.int64)), tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="gradients with respect to weight are not supported"):
        cross_entropy(x, tensor(np.zeros(4, np.int64)), tensor(np.ones(3), requires_grad=True))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        cross_entropy(x, tensor(np.zeros(4, np.int64)), label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction must be"):
        cross_entropy(x, tensor(np.zeros(4, np.int64)), reduction="batchmean")
    with pytest.raises(ValueError, match="ignore_index=0 applies to class-index targets only"):
        cross_entropy(x, tensor(np.ones((4, 3)) / 3), ignore_index=0)
    with pytest.raises(TypeError, match="dtype bool"):
        cross_entropy(x, tensor(np.zeros(4, bool)))
    with pytest.raises(TypeError, match="input must have a floating point dtype"):
        cross_entropy(tensor(np.zeros((4, 3), np.int64)), tensor(np.zeros(4, np.int64)))
    with pytest.raises(TypeError, match="nll_loss: target must hold integer class indices"):
        nll_loss(x, tensor(np.zeros(4)))


# -------------------------------------------------------------- BCE with logits
BCE_CASES = {
    "plain": dict(),
    "weight": dict(weight=(1, 3)),
    "full_weight": dict(weight=(4, 3)),
    "pos_weight": dict(pos_weight=(3,)),
    "both": dict(weight=(4, 1), pos_weight=(3,)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", BCE_CASES, ids=list(BCE_CASES))
def test_bce_with_logits_matches_torch(device, dtype, reduction, case):
    rng = np.random.default_rng(5)
    x, target = rng.standard_normal((4, 3)) * 3, rng.random((4, 3))
    ours_kw, theirs_kw = {"reduction": reduction}, {"reduction": reduction}
    for name, shape in BCE_CASES[case].items():
        ours_kw[name], theirs_kw[name] = constant(rng.random(shape) + 0.5, dtype, device)
    check_parity(
        lambda a, t: binary_cross_entropy_with_logits(a, t, **ours_kw),
        lambda a, t: TF.binary_cross_entropy_with_logits(a, t, **theirs_kw),
        x,
        target,
        device=device,
        dtype=dtype,
    )
    check_parity(
        BCEWithLogitsLoss(**ours_kw),
        tnn.BCEWithLogitsLoss(**theirs_kw),
        x,
        target,
        device=device,
        dtype=dtype,
    )


def test_bce_with_logits_errors():
    x = tensor(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"target shape \(4,\) must be the same as input shape"):
        binary_cross_entropy_with_logits(x, tensor(np.zeros(4)))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(3,\) does not broadcast"):
        binary_cross_entropy_with_logits(x, x, pos_weight=tensor(np.ones(3)))
    with pytest.raises(ValueError, match=r"weight of shape \(4, 2\) does not broadcast"):
        binary_cross_entropy_with_logits(x, x, weight=tensor(np.ones((4, 2))))
    with pytest.raises(RuntimeError, match="with respect to pos_weight are not supported"):
        binary_cross_entropy_with_logits(x, x, pos_weight=tensor(np.ones(1), requires_grad=True))
    with pytest.raises(ValueError, match="reduction must be"):
        BCEWithLogitsLoss(reduction="max")


# -------------------------------------------------------------------- stability
@pytest.mark.parametrize("dtype", DTYPES)
def test_losses_are_stable_at_extreme_logits(device, dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    cases = [
        (
            lambda a, t: cross_entropy(a, t, label_smoothing=0.1),
            lambda a, t: TF.cross_entropy(a, t, label_smoothing=0.1),
            np.array([1, 0]),
        ),
        (
            lambda a, t: cross_entropy(a, t),
            lambda a, t: TF.cross_entropy(a, t),
            np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]),
        ),
        (
            lambda a, t: binary_cross_entropy_with_logits(a, t, pos_weight=tensor(np.ones(3) * 2)),
            lambda a, t: TF.binary_cross_entropy_with_logits(
                a, t, pos_weight=2 * torch.ones(3, dtype=a.dtype, device=a.device)
            ),
            np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 1.0]]),
        ),
    ]
    for ours, theirs, target in cases:
        with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
            warnings.simplefilter("error")
            # Loose relative tolerance: losses near 2000 in float32.
            check_parity(ours, theirs, x, target, device=device, dtype=dtype, rtol=1e-5)
            xt = tensor(x.astype(dtype), requires_grad=True)
            loss = ours(xt, tensor(target.astype(dtype) if target.dtype.kind == "f" else target))
            loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(xt.grad._array))


def test_constant_targets_join_the_inputs_device_and_other_devices_are_refused():
    """NumPy targets and weights land on the input's device; a tensor elsewhere is torch's error."""
    from nnlib.backend import use_pretend_gpu

    with use_pretend_gpu():
        x = tensor(np.zeros((2, 3)), device="cuda", requires_grad=True)
        loss = cross_entropy(x, np.array([0, 2]), weight=np.array([1.0, 2.0, 3.0]))
        loss.backward()
        assert loss.device == "cuda:0" and x.grad.device == "cuda:0"
        assert mse_loss(x, np.ones((2, 3))).device == "cuda:0"
        on_cpu = tensor(np.zeros((2, 3)), device="cpu")
        assert mse_loss(on_cpu, np.ones((2, 3))).device == "cpu"
        for call in [
            lambda: cross_entropy(x, tensor(np.array([0, 2]), device="cpu")),
            lambda: nll_loss(x, tensor(np.array([0, 2]), device="cpu")),
            lambda: mse_loss(x, on_cpu),
            lambda: binary_cross_entropy_with_logits(x, on_cpu),
            lambda: binary_cross_entropy_with_logits(x, x.detach(), weight=on_cpu),
        ]:
            with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
                call()
