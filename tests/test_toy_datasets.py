"""``nnlib.datasets.toy``: seeded, balanced, shuffled two-dimensional problems."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from sklearn.svm import SVC

from nnlib.datasets.toy import make_blobs, make_circles, make_moons, make_spirals, make_xor
from nnlib.perceptron import Perceptron, PerceptronConvergenceWarning

#: (maker, number of classes it makes with default arguments)
MAKERS = [
    (make_blobs, 2),
    (make_xor, 2),
    (make_moons, 2),
    (make_circles, 2),
    (make_spirals, 3),
]
MAKER_IDS = [maker.__name__ for maker, _ in MAKERS]


@pytest.mark.parametrize(("maker", "n_classes"), MAKERS, ids=MAKER_IDS)
@pytest.mark.parametrize("n_samples", [3, 7, 100, 101])
def test_shapes_dtypes_labels_and_balance(maker, n_classes, n_samples) -> None:
    X, y = maker(n_samples=n_samples)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes  # labels are 0 .. n_classes - 1
    assert counts.sum() == n_samples
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize(("maker", "n_classes"), MAKERS, ids=MAKER_IDS)
def test_same_seed_same_data_other_seed_other_data(maker, n_classes) -> None:
    X0, y0 = maker(seed=0)
    X0_again, y0_again = maker(seed=0)
    np.testing.assert_array_equal(X0, X0_again)
    np.testing.assert_array_equal(y0, y0_again)
    X1, _ = maker(seed=1)
    assert not np.allclose(np.sort(X0, axis=0), np.sort(X1, axis=0))
    X_fresh, _ = maker(seed=None)
    assert X_fresh.shape == X0.shape


@pytest.mark.parametrize(("maker", "n_classes"), MAKERS, ids=MAKER_IDS)
def test_no_global_random_state(maker, n_classes) -> None:
    # The legacy global generator is exactly what the makers must not touch.
    np.random.seed(123)  # noqa: NPY002
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    X_a, _ = maker(seed=5)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    np.random.seed(999)  # noqa: NPY002
    X_b, _ = maker(seed=5)
    np.testing.assert_array_equal(X_a, X_b)


@pytest.mark.parametrize(("maker", "n_classes"), MAKERS, ids=MAKER_IDS)
def test_rows_are_shuffled(maker, n_classes) -> None:
    _, y = maker(n_samples=60)
    assert np.any(np.diff(y) < 0)  # not sorted by class
    assert np.any(y[:30] == 1) and np.any(y[30:] == 0)


# --- each problem's geometry ------------------------------------------------------------------


def test_blobs_gather_around_given_centers() -> None:
    centers = np.array([[-3.0, 1.0], [2.0, 2.0], [0.0, -4.0]])
    X, y = make_blobs(3000, centers=centers, cluster_std=0.5)
    for label, center in enumerate(centers):
        points = X[y == label]
        np.testing.assert_allclose(points.mean(axis=0), center, atol=0.06)
        np.testing.assert_allclose(points.std(axis=0), 0.5, rtol=0.1)


def test_default_blob_centers_lie_on_a_circle_of_radius_two() -> None:
    X, y = make_blobs(4000, centers=4, cluster_std=0.0)
    centers = np.array([X[y == label][0] for label in range(4)])
    np.testing.assert_allclose(X, centers[y])  # no noise: every point on its center
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0)
    angles = np.sort(np.arctan2(centers[:, 1], centers[:, 0]))
    np.testing.assert_allclose(np.diff(angles), np.pi / 2)


def test_xor_without_noise_sits_on_the_corners() -> None:
    X, y = make_xor(200, noise=0.0)
    assert np.all(np.abs(X) == 1.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    corners, counts = np.unique(X, axis=0, return_counts=True)
    assert len(corners) == 4 and np.all(counts == 50)


def test_moons_without_noise_lie_on_two_half_circles() -> None:
    X, y = make_moons(200, noise=0.0)
    shift = np.array([0.5, 0.25])
    upper = X[y == 0] + shift
    lower = X[y == 1] + shift - np.array([1.0, 0.5])
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(lower, axis=1), 1.0)
    assert np.all(upper[:, 1] >= -1e-12) and np.all(lower[:, 1] <= 1e-12)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=0.02)


@pytest.mark.parametrize("factor", [0.2, 0.5, 0.9])
def test_circles_without_noise_have_radius_one_and_factor(factor) -> None:
    X, y = make_circles(100, noise=0.0, factor=factor)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], factor)
    assert len(np.unique(X.round(12), axis=0)) == 100  # no duplicated point at angle 0 and 2 pi


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spiral_arms_wind_out_from_the_centre(n_classes) -> None:
    X, y = make_spirals(50 * n_classes, n_classes=n_classes, noise=0.0)
    radius = np.linalg.norm(X, axis=1)
    assert radius.min() == pytest.approx(0.1) and radius.max() == pytest.approx(1.0)
    for label in range(n_classes):
        arm = X[y == label][np.argsort(radius[y == label])]
        start_angle = np.arctan2(arm[0, 1], arm[0, 0]) % (2 * np.pi)
        expected = 2 * np.pi * (label / n_classes + 0.875 * 0.1) % (2 * np.pi)
        assert start_angle == pytest.approx(expected)


# --- separability with a margin ---------------------------------------------------------------


def _max_margin_lower_bound(X: np.ndarray, y: np.ndarray) -> float:
    """The margin of a hard-margin linear SVM: at most the best margin (separable data only)."""
    svm = SVC(kernel="linear", C=1e8, tol=1e-10, max_iter=1_000_000).fit(X, y)
    weight, bias = svm.coef_[0], svm.intercept_[0]
    return float(np.min((2 * y - 1) * (X @ weight + bias)) / np.linalg.norm(weight))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("margin", [0.05, 0.3, 1.0])
def test_margin_makes_blobs_separable_with_that_margin(seed, margin) -> None:
    # Wide clusters overlap without a margin; with one they must be separable.
    X, y = make_blobs(120, cluster_std=1.5, margin=margin, seed=seed)
    assert _max_margin_lower_bound(X, y) >= margin * (1 - 1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerceptronConvergenceWarning)
        perceptron = Perceptron(max_epochs=1000).fit(X, y)
    assert perceptron.converged_ and perceptron.score(X, y) == 1.0


def _linearly_separable(X: np.ndarray, y: np.ndarray) -> bool:
    """Whether some (weight, bias) has target * (X @ weight + bias) >= 1 for all points (an LP)."""
    targets = 2 * y - 1
    constraints = -targets[:, None] * np.column_stack([X, np.ones(len(X))])
    result = linprog(
        np.zeros(3), A_ub=constraints, b_ub=-np.ones(len(X)), bounds=[(None, None)] * 3
    )
    return result.status == 0  # 0: feasible, 2: infeasible


def test_without_margin_wide_blobs_overlap() -> None:
    X, y = make_blobs(120, cluster_std=1.5, seed=0)
    assert not _linearly_separable(X, y)  # so the margin test above is not vacuous
    assert _linearly_separable(*make_blobs(120, cluster_std=1.5, margin=0.05, seed=0))


@settings(max_examples=30, deadline=None)
@given(
    margin=st.floats(0.01, 3.0),
    cluster_std=st.floats(0.0, 3.0),
    centers=st.lists(st.floats(-3, 3), min_size=4, max_size=4).filter(
        lambda c: np.hypot(c[0] - c[2], c[1] - c[3]) > 1e-3
    ),
    seed=st.integers(0, 2**32),
)
def test_margin_holds_for_the_bisector_of_any_two_centers(margin, cluster_std, centers, seed):
    centers = np.reshape(centers, (2, 2))
    X, y = make_blobs(40, centers=centers, cluster_std=cluster_std, margin=margin, seed=seed)
    normal = (centers[1] - centers[0]) / np.linalg.norm(centers[1] - centers[0])
    distance = (2 * y - 1) * ((X - centers.mean(axis=0)) @ normal)
    assert distance.min() >= margin * (1 - 1e-9)
    # Each class is moved only as far as needed: its closest point ends up on the margin,
    # or the class already kept the margin and was not moved.
    for label in (0, 1):
        closest = distance[y == label].min()
        assert closest == pytest.approx(margin) or closest > margin


# --- argument checks --------------------------------------------------------------------------


@pytest.mark.parametrize(("maker", "n_classes"), MAKERS, ids=MAKER_IDS)
@pytest.mark.parametrize("n_samples", [0, -5, 2.5, True, "100"])
def test_bad_n_samples(maker, n_classes, n_samples) -> None:
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        maker(n_samples=n_samples)


@pytest.mark.parametrize(("maker", "n_classes"), MAKERS, ids=MAKER_IDS)
def test_fewer_samples_than_classes(maker, n_classes) -> None:
    with pytest.raises(ValueError, match=r"n_samples \(1\) must be at least the number of classes"):
        maker(n_samples=1)


@pytest.mark.parametrize("maker", [make_xor, make_moons, make_circles, make_spirals])
@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf"), "0.1"])
def test_bad_noise(maker, noise) -> None:
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        maker(noise=noise)


@pytest.mark.parametrize(("maker", "n_classes"), MAKERS, ids=MAKER_IDS)
@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_bad_seed(maker, n_classes, seed) -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        maker(seed=seed)


def test_bad_blob_arguments() -> None:
    with pytest.raises(ValueError, match="cluster_std must be a finite number >= 0"):
        make_blobs(cluster_std=-1.0)
    with pytest.raises(ValueError, match="centers must be an integer of at least 2; got 1"):
        make_blobs(centers=1)
    with pytest.raises(ValueError, match="number of centers must be an integer of at least 2"):
        make_blobs(centers=[[0.0, 0.0]])
    with pytest.raises(ValueError, match=r"shape \(n_classes, 2\); got shape \(2, 3\)"):
        make_blobs(centers=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="centers must be finite"):
        make_blobs(centers=[[0.0, np.nan], [1.0, 1.0]])
    with pytest.raises(ValueError, match="margin needs exactly 2 classes"):
        make_blobs(centers=3, margin=0.5)
    with pytest.raises(ValueError, match="margin needs two different centers"):
        make_blobs(centers=[[1.0, 1.0], [1.0, 1.0]], margin=0.5)
    for margin in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="margin must be a finite number > 0"):
            make_blobs(margin=margin)


@pytest.mark.parametrize("factor", [0.0, 1.0, 1.5, -0.5, "0.5"])
def test_bad_circle_factor(factor) -> None:
    with pytest.raises(ValueError, match="factor must be a number with 0 < factor < 1"):
        make_circles(factor=factor)


@pytest.mark.parametrize("n_classes", [1, 0, 2.0])
def test_bad_spiral_classes(n_classes) -> None:
    with pytest.raises(ValueError, match="n_classes must be an integer of at least 2"):
        make_spirals(n_classes=n_classes)
