"""``nnlib.figures.recurrent``: the unrolled recurrence and the LSTM and GRU cells."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from nnlib.figures.recurrent import (  # noqa: E402
    GRADIENT_COLOR,
    draw_gru_cell,
    draw_lstm_cell,
    draw_unrolled_rnn,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _arrows(ax, color=None) -> list[FancyArrowPatch]:
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    if color is not None:
        rgba = matplotlib.colors.to_rgba(color)
        arrows = [a for a in arrows if a.get_edgecolor() == rgba]
    return arrows


@pytest.mark.parametrize("steps", [1, 3, 5])
def test_unrolled_graph_has_one_cell_per_step(steps: int) -> None:
    ax = draw_unrolled_rnn(steps, folded=False)
    texts = _texts(ax)
    for t in range(1, steps + 1):
        for name in (f"$h_{t}$", f"$x_{t}$", f"$y_{t}$"):
            assert texts.count(name) == 1
    assert "$h_0$" in texts and f"$h_{steps + 1}$" not in texts
    # the same W_hh between consecutive states: weights are shared over time
    assert texts.count("$W_{hh}$") == steps
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 3 * steps + 1
    assert not _arrows(ax, GRADIENT_COLOR)


def test_folded_network_and_gradient_arrows() -> None:
    fig, ax = plt.subplots()
    assert draw_unrolled_rnn(4, ax, show_gradients=True) is ax
    texts = _texts(ax)
    assert "=" in texts and "$h$" in texts and "$x_t$" in texts
    # one gradient arrow from each output, one between each pair of consecutive states
    assert len(_arrows(ax, GRADIENT_COLOR)) == 4 + 3
    assert any("backpropagation through time" in t for t in texts)


@pytest.mark.parametrize("steps", [0, 9, 2.0, True])
def test_bad_step_counts(steps) -> None:
    with pytest.raises(ValueError, match="steps must be an integer from 1 to 8"):
        draw_unrolled_rnn(steps)


def test_lstm_cell_shows_its_gates_and_states() -> None:
    ax = draw_lstm_cell()
    texts = _texts(ax)
    for name in ["$i$", "$f$", "$g$", "$o$", "$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$"]:
        assert name in texts
    assert texts.count(r"$\sigma$") == 3 and texts.count("tanh") == 2
    assert ax.get_title() == "LSTM cell"


def test_gru_cell_shows_torchs_gates() -> None:
    fig, ax = plt.subplots()
    assert draw_gru_cell(ax) is ax
    texts = _texts(ax)
    for name in ["$r$", "$z$", "$n$", "$h_{t-1}$", "$h_t$", "$x_t$", "1-"]:
        assert name in texts
    assert texts.count(r"$\sigma$") == 2 and texts.count("tanh") == 1
    assert "torch" in ax.get_title()
