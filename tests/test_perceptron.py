"""``nnlib.perceptron``: Rosenblatt's learning rule and Novikoff's convergence theorem."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.datasets.toy import make_blobs, make_xor
from nnlib.perceptron import (
    Perceptron,
    PerceptronConvergenceWarning,
    mistake_bound,
    perceptron_update,
)

#: Two overlapping-looking but separable clusters: the perceptron has to work for it.
CENTERS = np.array([[-0.6, -0.4], [0.6, 0.4]])


def _separable(seed: int = 0, margin: float = 0.1, n_samples: int = 100):
    return make_blobs(n_samples, centers=CENTERS, cluster_std=0.8, margin=margin, seed=seed)


def _fit_quietly(model: Perceptron, X, y) -> Perceptron:
    """Fit, failing the test if the model warns that it did not converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerceptronConvergenceWarning)
        return model.fit(X, y)


# --- the update rule, by hand -----------------------------------------------------------------


def test_update_rule_by_hand_on_three_points() -> None:
    weight, bias = np.zeros(2), 0.0
    # A score of exactly 0 is a mistake: the rule adds target * x and target.
    weight, bias, mistake = perceptron_update(weight, bias, np.array([1.0, 2.0]), +1)
    assert mistake
    np.testing.assert_array_equal(weight, [1.0, 2.0])
    assert bias == 1.0
    # Score -1 + 1 + 1 = 1 > 0 but the target is -1: a mistake, subtract.
    weight, bias, mistake = perceptron_update(weight, bias, np.array([-1.0, 0.5]), -1)
    assert mistake
    np.testing.assert_array_equal(weight, [2.0, 1.5])
    assert bias == 0.0
    # Score 6 + 1.5 + 0 = 7.5 > 0 with target +1: correct, nothing changes.
    weight, bias, mistake = perceptron_update(weight, bias, np.array([3.0, 1.0]), +1)
    assert not mistake
    np.testing.assert_array_equal(weight, [2.0, 1.5])
    assert bias == 0.0


def test_update_rule_scales_with_the_learning_rate() -> None:
    weight, bias, mistake = perceptron_update(
        np.array([1.0, -1.0]), 0.5, np.array([2.0, 4.0]), +1, lr=0.25
    )
    # Score 2 - 4 + 0.5 = -1.5 with target +1: a mistake.
    assert mistake
    np.testing.assert_allclose(weight, [1.5, 0.0])
    assert bias == 0.75


def test_update_rule_is_pure() -> None:
    weight, x = np.array([0.0, 0.0]), np.array([1.0, 1.0])
    new_weight, _, _ = perceptron_update(weight, 0.0, x, -1)
    np.testing.assert_array_equal(weight, [0.0, 0.0])
    np.testing.assert_array_equal(x, [1.0, 1.0])
    # Even without a mistake the result is a new array, not an alias of the input.
    same_weight, _, mistake = perceptron_update(new_weight, -1.0, x, -1)
    assert not mistake and same_weight is not new_weight
    same_weight[0] = 100.0
    assert new_weight[0] == -1.0


def test_update_rule_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"target must be -1 or \+1; got 0"):
        perceptron_update(np.zeros(2), 0.0, np.ones(2), 0)
    with pytest.raises(ValueError, match=r"same shape \(d,\); got weight \(2,\) and x \(3,\)"):
        perceptron_update(np.zeros(2), 0.0, np.ones(3), 1)
    with pytest.raises(ValueError, match=r"got weight \(2, 1\)"):
        perceptron_update(np.zeros((2, 1)), 0.0, np.ones((2, 1)), 1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        perceptron_update(np.zeros(2), 0.0, np.ones(2), 1, lr=0.0)


# --- training ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("shuffle", [True, False])
def test_converges_on_separable_blobs(seed, shuffle) -> None:
    X, y = _separable(seed)
    model = _fit_quietly(Perceptron(shuffle=shuffle, seed=seed, max_epochs=1000), X, y)
    assert model.converged_
    assert model.mistakes_per_epoch_[-1] == 0
    assert all(m > 0 for m in model.mistakes_per_epoch_[:-1])  # it stops at the first clean epoch
    assert model.n_epochs_ == len(model.mistakes_per_epoch_) == len(model.history_)
    assert model.score(X, y) == 1.0
    np.testing.assert_array_equal(model.predict(X), y)
    assert model.weight_.shape == (2,) and isinstance(model.bias_, float)


def test_history_records_the_weights_after_every_epoch() -> None:
    X, y = _separable(seed=3)
    model = _fit_quietly(Perceptron(seed=3, max_epochs=1000), X, y)
    assert model.n_epochs_ >= 3  # a run long enough to be interesting
    weights = [weight for weight, _ in model.history_]
    np.testing.assert_array_equal(weights[-1], model.weight_)
    assert model.history_[-1][1] == model.bias_
    # The weights change exactly after the epochs with mistakes.
    changed = [not np.array_equal(a, b) for a, b in zip(weights, weights[1:], strict=False)]
    assert changed == [m > 0 for m in model.mistakes_per_epoch_[1:]]
    # Stored copies: refitting or editing weight_ does not rewrite the history.
    model.weight_[0] += 1.0
    assert not np.array_equal(model.history_[-1][0], model.weight_)


def test_training_replays_the_update_rule() -> None:
    X, y = _separable(seed=2)
    model = _fit_quietly(Perceptron(shuffle=False, max_epochs=1000), X, y)
    weight, bias = np.zeros(2), 0.0
    for epoch_mistakes in model.mistakes_per_epoch_:
        mistakes = 0
        for x, label in zip(X, y, strict=True):
            weight, bias, mistake = perceptron_update(weight, bias, x, 2 * label - 1)
            mistakes += mistake
        assert mistakes == epoch_mistakes
    np.testing.assert_array_equal(weight, model.weight_)
    assert bias == model.bias_


def test_same_seed_same_model_other_seed_other_path() -> None:
    X, y = _separable(seed=3)
    a = _fit_quietly(Perceptron(seed=7, max_epochs=1000), X, y)
    b = _fit_quietly(Perceptron(seed=7, max_epochs=1000), X, y)
    c = _fit_quietly(Perceptron(seed=8, max_epochs=1000), X, y)
    np.testing.assert_array_equal(a.weight_, b.weight_)
    assert a.mistakes_per_epoch_ == b.mistakes_per_epoch_
    assert not np.array_equal(a.weight_, c.weight_)


def test_learning_rate_only_scales_the_solution() -> None:
    # Started from zero, the rule with lr makes the same mistakes and ends at lr times the weights.
    X, y = _separable(seed=4)
    one = _fit_quietly(Perceptron(lr=1.0, max_epochs=1000), X, y)
    small = _fit_quietly(Perceptron(lr=0.125, max_epochs=1000), X, y)
    assert small.mistakes_per_epoch_ == one.mistakes_per_epoch_
    np.testing.assert_allclose(small.weight_, 0.125 * one.weight_, rtol=1e-12)


def test_decision_function_and_predict() -> None:
    X, y = _separable(seed=5)
    model = _fit_quietly(Perceptron(max_epochs=1000), X, y)
    scores = model.decision_function(X)
    assert scores.shape == (len(X),)
    np.testing.assert_allclose(scores, X @ model.weight_ + model.bias_)
    predictions = model.predict(X)
    assert predictions.dtype == np.int64
    np.testing.assert_array_equal(predictions, (scores > 0).astype(np.int64))
    assert model.score(X[:10], 1 - y[:10]) == 0.0


def test_labels_may_be_bool_or_float_zero_one() -> None:
    X, y = _separable(seed=6)
    reference = _fit_quietly(Perceptron(max_epochs=1000), X, y)
    for labels in (y.astype(bool), y.astype(np.float64), y.tolist()):
        model = _fit_quietly(Perceptron(max_epochs=1000), X, labels)
        np.testing.assert_array_equal(model.weight_, reference.weight_)


# --- Novikoff's theorem -----------------------------------------------------------------------


def test_mistake_bound_by_hand() -> None:
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0]])
    y = np.array([1, 0, 1])
    R, gamma, bound = mistake_bound(X, y, np.array([1.0, 0.0]), 0.0)
    # Augmented points (1, 0, 1), (-1, 0, 1), (2, 0, 1); hyperplane (1, 0, 0).
    assert R == pytest.approx(np.sqrt(5.0))
    assert gamma == pytest.approx(1.0)
    assert bound == pytest.approx(5.0)
    # Scaling the hyperplane changes nothing; a bias enters the margin through the extra input.
    assert mistake_bound(X, y, np.array([3.0, 0.0]), 0.0) == pytest.approx((R, gamma, bound))
    _, gamma_shifted, _ = mistake_bound(X, y, np.array([1.0, 0.0]), 0.5)
    assert gamma_shifted == pytest.approx(0.5 / np.sqrt(1.25))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("margin", [0.05, 0.2])
def test_mistakes_stay_within_novikoffs_bound(seed, margin) -> None:
    X, y = _separable(seed, margin=margin)
    model = _fit_quietly(Perceptron(seed=seed, max_epochs=5000), X, y)
    total_mistakes = sum(model.mistakes_per_epoch_)
    # Any separating hyperplane gives a bound: the one make_blobs used (the bisector of the
    # centers) and the one the perceptron found.
    normal = CENTERS[1] - CENTERS[0]
    _, gamma, bound = mistake_bound(X, y, normal, -normal @ CENTERS.mean(axis=0))
    assert gamma > 0
    assert total_mistakes <= bound
    assert total_mistakes <= mistake_bound(X, y, model.weight_, model.bias_)[2]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    angle=st.floats(0.0, 2 * np.pi),
    offset=st.floats(-1.0, 1.0),
    gap=st.floats(0.1, 0.5),
)
def test_novikoff_bound_holds_for_random_separable_data(seed, angle, offset, gap) -> None:
    # Uniform points in a square, minus a strip of half-width `gap` around a random line.
    rng = np.random.default_rng(seed)
    normal = np.array([np.cos(angle), np.sin(angle)])
    X = rng.uniform(-2.0, 2.0, size=(200, 2))
    distance = X @ normal - offset
    keep = np.abs(distance) >= gap
    X, y = X[keep], (distance[keep] > 0).astype(np.int64)
    if len(np.unique(y)) < 2:
        return
    model = _fit_quietly(Perceptron(seed=seed, max_epochs=20_000), X, y)
    assert model.converged_ and model.score(X, y) == 1.0
    _, gamma, bound = mistake_bound(X, y, normal, -offset)
    assert gamma >= gap * (1 - 1e-12) / np.sqrt(1 + offset**2)
    assert sum(model.mistakes_per_epoch_) <= bound


def test_mistake_bound_needs_a_separating_hyperplane() -> None:
    X, y = _separable()
    with pytest.raises(ValueError, match=r"does not separate the data; \d+ of 100 points"):
        mistake_bound(X, y, np.array([0.0, 1.0]), 5.0)
    with pytest.raises(ValueError, match="does not separate"):
        mistake_bound(X, y, np.zeros(2), 0.0)
    with pytest.raises(ValueError, match=r"weight must have shape \(2,\) to match X \(100, 2\)"):
        mistake_bound(X, y, np.ones(3), 0.0)


# --- what a perceptron cannot learn -----------------------------------------------------------


def test_xor_does_not_converge_and_warns() -> None:
    X, y = make_xor(100)
    with pytest.warns(
        PerceptronConvergenceWarning,
        match=r"did not converge: \d+ mistakes in the last of 20 epochs.*"
        r"may not be linearly separable",
    ) as record:
        model = Perceptron(max_epochs=20).fit(X, y)
    assert issubclass(PerceptronConvergenceWarning, UserWarning)
    assert record[0].filename == __file__  # points at the caller's line
    assert not model.converged_
    assert model.n_epochs_ == 20 == len(model.history_)
    assert all(m > 0 for m in model.mistakes_per_epoch_)
    assert f"{model.mistakes_per_epoch_[-1]} mistakes" in str(record[0].message)
    assert model.score(X, y) < 1.0


# --- the same model in PyTorch ----------------------------------------------------------------


def test_torch_linear_with_the_learned_weights_agrees(device) -> None:
    X, y = _separable(seed=7, n_samples=200)
    model = _fit_quietly(Perceptron(max_epochs=1000), X, y)
    X_test, _ = make_blobs(500, centers=CENTERS, cluster_std=1.5, seed=8)  # both sides, mixed

    linear = torch.nn.Linear(2, 1, dtype=torch.float64, device=device)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(model.weight_).reshape(1, 2))
        linear.bias.fill_(model.bias_)
        scores = linear(torch.from_numpy(X_test).to(device))[:, 0]
    torch_predictions = (scores > 0).long().cpu().numpy()

    np.testing.assert_array_equal(model.predict(X_test), torch_predictions)
    np.testing.assert_allclose(model.decision_function(X_test), scores.cpu().numpy(), rtol=1e-10)
    assert 0 < torch_predictions.sum() < len(X_test)  # not a trivial all-one-class check


# --- bad input --------------------------------------------------------------------------------


@pytest.fixture
def fitted() -> Perceptron:
    return _fit_quietly(Perceptron(max_epochs=1000), *_separable())


def test_bad_training_input() -> None:
    X, y = _separable()
    model = Perceptron()
    with pytest.raises(ValueError, match=r"X must be a 2-D array .* got shape \(100,\)"):
        model.fit(X[:, 0], y)
    with pytest.raises(ValueError, match=r"y must be a 1-D array .* got shape \(100, 1\)"):
        model.fit(X, y[:, None])
    with pytest.raises(ValueError, match=r"got X \(100, 2\) and y \(99,\)"):
        model.fit(X, y[:-1])
    with pytest.raises(ValueError, match="X contains NaN or infinite values"):
        model.fit(np.where(np.arange(100)[:, None] == 3, np.nan, X), y)
    with pytest.raises(ValueError, match="X contains NaN or infinite values"):
        model.fit(np.where(np.arange(100)[:, None] == 3, np.inf, X), y)
    with pytest.raises(ValueError, match=r"labels must be 0 or 1; found \[-1, 2\]"):
        model.fit(X, np.where(np.arange(100) < 3, 2, np.where(np.arange(100) > 97, -1, y)))
    with pytest.raises(ValueError, match=r"X has no samples"):
        model.fit(np.empty((0, 2)), np.empty(0))


def test_bad_hyperparameters() -> None:
    with pytest.raises(ValueError, match="lr must be a finite number > 0; got -1"):
        Perceptron(lr=-1.0)
    with pytest.raises(ValueError, match="lr must be a number > 0; got '1'"):
        Perceptron(lr="1")
    with pytest.raises(ValueError, match="max_epochs must be at least 1; got 0"):
        Perceptron(max_epochs=0)
    with pytest.raises(ValueError, match="max_epochs must be an integer; got 2.5"):
        Perceptron(max_epochs=2.5)


def test_predict_before_fit() -> None:
    with pytest.raises(RuntimeError, match=r"not fitted yet: call fit\(X, y\)"):
        Perceptron().predict(np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="not fitted yet"):
        Perceptron().decision_function(np.zeros((3, 2)))


def test_bad_prediction_input(fitted) -> None:
    with pytest.raises(ValueError, match="X has 3 features, but the perceptron was fitted with 2"):
        fitted.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"X must be a 2-D array .* got shape \(2,\)"):
        fitted.predict(np.zeros(2))
    with pytest.raises(ValueError, match=r"got X \(4, 2\) and y \(5,\)"):
        fitted.score(np.zeros((4, 2)), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match=r"labels must be 0 or 1; found \[3\]"):
        fitted.score(np.zeros((4, 2)), np.array([0, 1, 3, 0]))


def test_repr_shows_the_hyperparameters() -> None:
    assert repr(Perceptron(lr=0.5, max_epochs=10, shuffle=False, seed=None)) == (
        "Perceptron(lr=0.5, max_epochs=10, shuffle=False, seed=None)"
    )
