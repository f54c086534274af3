"""Weight penalties (values and gradients against torch) and EarlyStopping used by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnlib.nn.linear import Linear
from nnlib.regularization import EarlyStopping, l1_penalty, l2_penalty
from nnlib.tensor import tensor


def parameter_arrays(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 2, 2))]
    arrays[0][0, 0] = 0.0  # |w| has gradient 0 at exactly 0, as in torch
    return arrays


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (l1_penalty, lambda ps: sum(p.abs().sum() for p in ps)),
        (l2_penalty, lambda ps: sum((p**2).sum() for p in ps)),
    ],
    ids=["l1", "l2"],
)
def test_penalty_matches_torch(ours, theirs, device):
    arrays = parameter_arrays()
    nn_params = [tensor(a, requires_grad=True) for a in arrays]
    torch_params = [torch.tensor(a, device=device, requires_grad=True) for a in arrays]
    value = ours(nn_params)
    expected = theirs(torch_params)
    assert value.shape == ()
    np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-12)
    value.backward()
    expected.backward()
    for p, q in zip(nn_params, torch_params, strict=True):
        np.testing.assert_allclose(p.grad._array, q.grad.cpu().numpy(), rtol=1e-12)


def test_penalty_of_a_model_and_of_one_tensor():
    model = Linear(3, 2)
    expected = sum(float((p._array.astype(np.float64) ** 2).sum()) for p in model.parameters())
    assert l2_penalty(model.parameters()).item() == pytest.approx(expected, rel=1e-6)
    w = tensor(np.array([-1.0, 2.0, -3.0]))
    assert l1_penalty(w).item() == 6.0
    assert l2_penalty(w).item() == 14.0
    assert l1_penalty([]).item() == 0.0


def test_l2_penalty_matches_sgd_weight_decay():
    """Documented convention: lam * l2_penalty  <=>  SGD(weight_decay=2 * lam)."""
    lam = 0.05
    w = tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    (lam * l2_penalty([w])).backward()
    np.testing.assert_allclose(w.grad._array, 2 * lam * w._array)


def test_penalty_rejects_non_tensors():
    with pytest.raises(TypeError, match="l2_penalty: expected Tensors"):
        l2_penalty([np.ones(3)])


def test_early_stopping_by_hand_restores_best_weights():
    model = Linear(2, 1)
    stopper = EarlyStopping(patience=2)
    snapshots = []
    flags = []
    for value in [1.0, 0.7, 0.8, 0.6, 0.65, 0.9]:
        model.weight._array += 1.0  # "train": change the weights in place every epoch
        snapshots.append(model.weight._array.copy())
        flags.append(stopper.step(value, model))
    assert flags == [False, False, False, False, False, True]
    assert stopper.best_epoch == 3
    assert stopper.best_value == 0.6
    assert stopper.stopped_epoch == 5
    # The kept copy was not aliased to the storage that kept changing in place.
    np.testing.assert_array_equal(model.weight._array, snapshots[3])


def test_early_stopping_patience_zero_mode_max_and_min_delta():
    stopper = EarlyStopping(patience=0, mode="max", restore_best_weights=False)
    assert stopper.step(0.5) is False
    assert stopper.step(0.6) is False
    assert stopper.step(0.6) is True
    assert stopper.best_epoch == 1

    stopper = EarlyStopping(patience=1, min_delta=0.1)
    assert stopper.step(1.0) is False
    assert stopper.step(0.95) is True  # improves by less than min_delta
    assert stopper.best_value == 1.0

    stopper = EarlyStopping(patience=2)
    assert stopper.step(float("nan")) is False  # NaN never counts as an improvement
    assert stopper.best_value is None and stopper.wait == 1
    assert stopper.step(tensor(2.0)) is False
    assert stopper.best_epoch == 1 and stopper.wait == 0


def test_early_stopping_errors():
    with pytest.raises(ValueError, match="EarlyStopping: mode must be 'min' or 'max'"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="EarlyStopping: patience must be an int >= 0"):
        EarlyStopping(patience=-1)
    with pytest.raises(KeyError, match="monitored metric 'val_loss' is not in the epoch logs"):
        EarlyStopping().on_epoch_end(0, {"loss": 1.0}, Linear(1, 1))
