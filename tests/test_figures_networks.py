"""``nnlib.figures.networks``: drawn neurons and networks (structure figures of chapters 1-5)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

from nnlib.figures.networks import DROPPED_COLOR, draw_network, draw_neuron  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _circles(ax: Axes) -> list[Circle]:
    return [p for p in ax.patches if isinstance(p, Circle)]


def _png(ax: Axes) -> bytes:
    buffer = io.BytesIO()
    ax.get_figure().savefig(buffer, format="png", dpi=60)
    return buffer.getvalue()


# --- the neuron -------------------------------------------------------------------------------


@pytest.mark.parametrize("n_inputs", [1, 2, 3, 6])
def test_neuron_has_inputs_weights_bias_sum_and_activation(n_inputs: int) -> None:
    ax = draw_neuron(n_inputs=n_inputs, activation="sigmoid", title="one neuron")
    assert isinstance(ax, Axes)
    texts = _texts(ax)
    # one circle per input, one for the constant 1 of the bias, one for the sum
    assert len(_circles(ax)) == n_inputs + 2
    assert "$x_{1}$" in texts and "$w_{1}$" in texts
    assert ("$x_d$" in texts) == (n_inputs > 2)
    assert {"$b$", "1", r"$\Sigma$", "sigmoid", r"$\hat y$"} <= set(texts)
    assert sum(isinstance(p, FancyBboxPatch) for p in ax.patches) == 1  # the activation box
    # an arrow per input, one for the bias, into and out of the activation
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == n_inputs + 3
    assert ax.get_title() == "one neuron"
    assert not ax.axison


def test_neuron_draws_on_given_axes() -> None:
    fig, (left, right) = plt.subplots(1, 2)
    assert draw_neuron(right) is right
    assert not left.patches


@pytest.mark.parametrize("n_inputs", [0, 7, 2.0, True])
def test_neuron_rejects_bad_input_counts(n_inputs) -> None:
    with pytest.raises(ValueError, match="n_inputs must be an integer from 1 to 6"):
        draw_neuron(n_inputs=n_inputs)


# --- networks ---------------------------------------------------------------------------------


def test_small_network_with_values_and_gradients() -> None:
    names = {(0, 0): "$x_1$", (1, 1): "$h_2$", (2, 0): r"$\hat y$"}
    notes = {(1, 0): "h = 0.5\ngrad = -0.017"}
    edges = {(0, 1, 0): "0.4", (1, 0, 1): "-0.5"}
    ax = draw_network(
        [2, 2, 1], unit_names=names, unit_notes=notes, edge_labels=edges, title="2-2-1"
    )
    circles = _circles(ax)
    assert len(circles) == 5
    texts = _texts(ax)
    assert set(names.values()) | set(notes.values()) | set(edges.values()) <= set(texts)
    # 2*2 + 2*1 connections, drawn as lines
    assert len(ax.lines) == 6
    # inputs to the left of hidden units, hidden to the left of the output
    xs = sorted({round(c.center[0], 6) for c in circles})
    assert len(xs) == 3
    assert ax.get_title() == "2-2-1"


def test_layer_and_weight_captions_give_shapes() -> None:
    layers = ["X: (N, 2)", "H: (N, 8)", "logits: (N, 1)"]
    weights = ["W1: (8, 2)", "W2: (1, 8)"]
    ax = draw_network([2, 8, 1], layer_labels=layers, weight_labels=weights, max_units=6)
    texts = _texts(ax)
    assert set(layers) | set(weights) <= set(texts)
    # the hidden layer of 8 is drawn as 5 units and an ellipsis
    assert len(_circles(ax)) == 2 + 5 + 1
    assert texts.count(r"$\vdots$") == 1
    assert len(ax.lines) == 2 * 5 + 5 * 1


def test_dropped_units_are_grey_crossed_and_disconnected() -> None:
    ax = draw_network([3, 4, 2], dropped=[(1, 0), (1, 3)])
    grey = [
        c for c in _circles(ax) if matplotlib.colors.same_color(c.get_facecolor(), DROPPED_COLOR)
    ]
    assert len(grey) == 2
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    crosses = [
        line for line in ax.lines if matplotlib.colors.same_color(line.get_color(), "tab:red")
    ]
    assert len(dotted) == 2 * 3 + 2 * 2  # every connection of the two dropped units
    assert len(crosses) == 2 * 2


def test_drawings_are_deterministic() -> None:
    def draw():
        fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3))
        draw_neuron(a)
        draw_network([2, 3, 1], b, unit_notes={(1, 2): "0.25"}, dropped=[(1, 0)])
        return _png(a)

    assert draw() == draw()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layer_sizes": [3]}, "at least two integers"),
        ({"layer_sizes": [3, 0]}, "at least two integers"),
        ({"layer_sizes": [3, 2.5]}, "at least two integers"),
        ({"layer_sizes": [3, 2], "max_units": 2}, "max_units"),
        ({"layer_sizes": [3, 2], "layer_labels": ["a"]}, "layer_labels needs 2"),
        ({"layer_sizes": [3, 2], "weight_labels": ["a", "b"]}, "weight_labels needs 1"),
        ({"layer_sizes": [3, 2], "unit_notes": {(1, 2): "x"}}, r"unit \(1, 2\)"),
        ({"layer_sizes": [3, 2], "dropped": [(2, 0)]}, r"unit \(2, 0\)"),
        ({"layer_sizes": [3, 2], "edge_labels": {(0, 0, 3): "w"}}, r"connection \(0, 0, 3\)"),
    ],
)
def test_network_rejects_what_does_not_fit(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        draw_network(**kwargs)
