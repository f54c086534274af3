"""``nnlib.plot``: decision boundaries and training curves."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from nnlib.datasets.toy import make_blobs, make_spirals  # noqa: E402
from nnlib.perceptron import Perceptron  # noqa: E402
from nnlib.plot import plot_decision_boundary, plot_history  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def blobs():
    return make_blobs(60, margin=0.3, seed=0)


def _contour_sets(ax: Axes) -> list[ContourSet]:
    return [artist for artist in ax.get_children() if isinstance(artist, ContourSet)]


def _scatters(ax: Axes) -> list[PathCollection]:
    return [c for c in ax.collections if type(c) is PathCollection]


class _Recorder:
    """A model-like callable that records what it is asked and answers with a fixed rule."""

    def __init__(self, rule):
        self.rule, self.calls = rule, []

    def __call__(self, points):
        self.calls.append(points)
        return self.rule(points)


# --- decision boundaries ----------------------------------------------------------------------


def test_boundary_of_a_fitted_perceptron(blobs) -> None:
    X, y = blobs
    model = Perceptron().fit(X, y)
    ax = plot_decision_boundary(model, X, y, title="perceptron")
    assert isinstance(ax, Axes)
    filled, lines = _contour_sets(ax)
    assert filled.filled and not lines.filled
    np.testing.assert_allclose(filled.levels, [-0.5, 0.5, 1.5])  # one band per class
    np.testing.assert_allclose(lines.levels, [0.5])  # the boundary between 0 and 1
    scatters = _scatters(ax)
    assert [len(s.get_offsets()) for s in scatters] == [np.sum(y == 0), np.sum(y == 1)]
    np.testing.assert_allclose(scatters[1].get_offsets(), X[y == 1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert ax.get_title() == "perceptron"
    assert ax.get_aspect() == 1.0
    assert tuple(ax.get_figure().get_size_inches()) == (4.0, 4.0)


def test_the_grid_covers_the_data_with_padding(blobs) -> None:
    X, y = blobs
    recorder = _Recorder(lambda points: (points[:, 0] > 0).astype(int))
    ax = plot_decision_boundary(recorder, X, y, resolution=50, padding=0.25)
    (grid,) = recorder.calls
    assert grid.shape == (2500, 2) and grid.dtype == np.float64
    np.testing.assert_allclose(grid.min(axis=0), X.min(axis=0) - 0.25)
    np.testing.assert_allclose(grid.max(axis=0), X.max(axis=0) + 0.25)
    np.testing.assert_allclose(ax.get_xlim(), [X[:, 0].min() - 0.25, X[:, 0].max() + 0.25])


def test_class_scores_are_turned_into_labels_by_argmax() -> None:
    X, y = make_spirals(90, n_classes=3, seed=0)
    # Scores that make the class the angle's third of the circle: three regions.
    angle_scores = _Recorder(
        lambda p: (
            -np.abs(
                ((np.arctan2(p[:, 1], p[:, 0])[:, None] - [0.0, 2.1, -2.1]) + np.pi) % (2 * np.pi)
                - np.pi
            )
        )
    )
    ax = plot_decision_boundary(angle_scores, X, y, resolution=40)
    filled, lines = _contour_sets(ax)
    np.testing.assert_allclose(filled.levels, [-0.5, 0.5, 1.5, 2.5])
    np.testing.assert_allclose(lines.levels, [0.5, 1.5])
    assert len(_scatters(ax)) == 3


def test_regions_follow_the_predictions() -> None:
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    y = np.array([0, 1])
    ax = plot_decision_boundary(lambda p: p[:, 0] > 0.3, X, y, resolution=101, padding=0.0)
    (lines,) = [c for c in _contour_sets(ax) if not c.filled]
    boundary = np.concatenate([path.vertices for path in lines.get_paths()])
    # The boundary runs vertically between the last grid column left of x = 0.3 and the first
    # one right of it (grid step 0.02).
    assert np.all(np.abs(boundary[:, 0] - 0.3) <= 0.02)
    np.testing.assert_allclose([boundary[:, 1].min(), boundary[:, 1].max()], [-1.0, 1.0])


def test_torch_outputs_are_converted(blobs, device) -> None:
    X, y = blobs
    linear = torch.nn.Linear(2, 2, dtype=torch.float64, device=device)  # requires grad

    def scores(points):
        return linear(torch.from_numpy(points).to(device))

    ax = plot_decision_boundary(scores, X, y, resolution=30)
    assert len(_contour_sets(ax)) in (1, 2)  # a random linear map may put everything in one class


def test_tensor_like_outputs_are_converted_by_duck_typing(blobs) -> None:
    class FakeTensor:  # like nnlib.Tensor: detach() and numpy(), no cpu()
        def __init__(self, array):
            self.array = array

        def detach(self):
            return self

        def numpy(self):
            return self.array

    X, y = blobs
    ax = plot_decision_boundary(lambda p: FakeTensor(p[:, :1] > 0), X, y, resolution=30)
    assert len(_contour_sets(ax)) == 2


def test_a_single_class_draws_no_boundary_and_no_warning(blobs) -> None:
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_decision_boundary(lambda p: np.zeros(len(p), dtype=int), X, y, resolution=20)
    assert len(_contour_sets(ax)) == 1  # filled regions only


def test_draws_on_the_given_axes_without_a_new_figure(blobs) -> None:
    X, y = blobs
    fig, axes = plt.subplots(1, 2)
    before = plt.get_fignums()
    ax = plot_decision_boundary(lambda p: p[:, 0] > 0, X, y, axes[1], resolution=20)
    assert ax is axes[1]
    assert plt.get_fignums() == before
    assert len(_scatters(axes[0])) == 0 and len(_scatters(axes[1])) == 2


def test_decision_boundary_errors(blobs) -> None:
    X, y = blobs
    rule = lambda p: p[:, 0] > 0  # noqa: E731
    with pytest.raises(ValueError, match=r"X must be an array of shape \(n, 2\).*\(60, 3\)"):
        plot_decision_boundary(rule, np.zeros((60, 3)), y)
    with pytest.raises(ValueError, match=r"X must be an array of shape \(n, 2\).*\(60,\)"):
        plot_decision_boundary(rule, X[:, 0], y)
    with pytest.raises(ValueError, match=r"y must have shape \(60,\) to match X \(60, 2\)"):
        plot_decision_boundary(rule, X, y[:-1])
    with pytest.raises(ValueError, match=r"y must hold class labels 0, 1, ...; got \[-1"):
        plot_decision_boundary(rule, X, y - 1)
    with pytest.raises(ValueError, match="X contains NaN"):
        plot_decision_boundary(rule, np.where(X > 1, np.nan, X), y)
    with pytest.raises(TypeError, match="predict must be a callable or have a .predict method"):
        plot_decision_boundary("model", X, y)
    with pytest.raises(ValueError, match="resolution must be an integer >= 2"):
        plot_decision_boundary(rule, X, y, resolution=1)
    with pytest.raises(ValueError, match="padding must be a finite number >= 0"):
        plot_decision_boundary(rule, X, y, padding=-1.0)
    with pytest.raises(ValueError, match=r"predict returned shape \(10,\) for 400 points"):
        plot_decision_boundary(lambda p: np.zeros(10), X, y, resolution=20)
    with pytest.raises(ValueError, match=r"not labels.*lambda X: model\(X\) > 0"):
        plot_decision_boundary(lambda p: p[:, :1] * 0.3, X, y, resolution=20)


# --- training curves --------------------------------------------------------------------------


def test_history_draws_one_line_per_key() -> None:
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.7, 0.6]}
    ax = plot_history(history, title="training")
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [1.2, 0.7, 0.6])
    assert ax.get_xlabel() == "epoch"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "val_loss"]
    assert ax.get_title() == "training"
    assert ax.get_yscale() == "linear"


def test_history_object_keys_and_log_scale() -> None:
    class Trainer:
        history = {"loss": [4.0, 2.0, 1.0, 0.5], "accuracy": [0.5, 0.6, 0.8, 0.9]}

    fig, ax = plt.subplots()
    returned = plot_history(Trainer(), ax, keys=["loss"], logy=True)
    assert returned is ax
    assert [line.get_label() for line in ax.get_lines()] == ["loss"]
    assert ax.get_yscale() == "log"


def test_history_accepts_tensor_scalars() -> None:
    ax = plot_history({"loss": [torch.tensor(1.5), np.float32(0.5)]})
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [1.5, 0.5])


def test_history_errors() -> None:
    with pytest.raises(TypeError, match="history must be a mapping"):
        plot_history([1.0, 2.0])
    with pytest.raises(ValueError, match=r"unknown history keys \['acc'\]; available: \['loss'\]"):
        plot_history({"loss": [1.0]}, keys=["acc"])
    with pytest.raises(ValueError, match="history has nothing to plot"):
        plot_history({})
    with pytest.raises(ValueError, match=r"history\['loss'\] must be a non-empty sequence"):
        plot_history({"loss": []})
    with pytest.raises(ValueError, match=r"history\['loss'\] must be a non-empty sequence"):
        plot_history({"loss": ["low", "high"]})
    with pytest.raises(ValueError, match="logy=True needs positive values"):
        plot_history({"loss": [1.0, 0.0]}, logy=True)


def test_boundary_axes_are_labelled(blobs) -> None:
    X, y = blobs
    ax = plot_decision_boundary(lambda p: p[:, 0] > 0, X, y)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")
    ax = plot_decision_boundary(lambda p: p[:, 0] > 0, X, y, xlabel="width", ylabel=None)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("width", "")


def test_decision_boundary_takes_gpu_tensors(blobs) -> None:
    """Tensors on a GPU are moved to the host for matplotlib (here on the pretend GPU)."""
    import nnlib
    from nnlib.backend import use_pretend_gpu

    X, y = blobs
    with use_pretend_gpu():
        X_gpu, y_gpu = nnlib.tensor(X, device="cuda"), nnlib.tensor(y, device="cuda")
        predict = lambda p: nnlib.tensor(p, device="cuda")[:, 0] > 0  # noqa: E731
        ax = plot_decision_boundary(predict, X_gpu, y_gpu)
    assert len(ax.collections) >= 2  # the filled regions and the points
    plt.close(ax.figure)
