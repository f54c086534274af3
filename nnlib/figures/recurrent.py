"""Drawings of recurrent networks: the recurrence unrolled in time, and the LSTM and GRU cells.

Each function draws on a given Matplotlib ``Axes`` (or a new figure) with patches, arrows and
text only, and returns the axes. The labels follow chapter 7's notation: inputs
:math:`x_t`, hidden states :math:`h_t`, outputs :math:`y_t`, weights :math:`W_{ih}`,
:math:`W_{hh}`, :math:`W_{hy}`, and the gates of torch's LSTM (i, f, g, o) and GRU (r, z, n).
"""

from __future__ import annotations

import numbers

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

__all__ = ["draw_gru_cell", "draw_lstm_cell", "draw_unrolled_rnn"]

CELL_COLOR = "#cfe3f5"
INPUT_COLOR = "#f3f3f3"
OUTPUT_COLOR = "#fde2c8"
GATE_COLOR = "#f7d3d3"
TANH_COLOR = "#d7ecd0"
GRADIENT_COLOR = "#c0392b"


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _box(ax, x, y, text, color, width=0.9, height=0.6, fontsize=11, **kw):
    """A rounded box centred at (x, y), with ``text`` in it."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.04,rounding_size=0.12",
            facecolor=color,
            edgecolor="black",
            linewidth=1.0,
            **kw,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="black", style="-|>", ls="-", lw=1.2, rad=0.0):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=color,
            linestyle=ls,
            linewidth=lw,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
        )
    )


def _op(ax, x, y, symbol, radius=0.2, color="white"):
    """A small circle holding a pointwise operation (x, +, 1-)."""
    ax.add_patch(Circle((x, y), radius, facecolor=color, edgecolor="black", linewidth=1.0))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=10)


def draw_unrolled_rnn(
    steps: int = 4,
    ax: Axes | None = None,
    *,
    show_gradients: bool = False,
    folded: bool = True,
) -> Axes:
    """Draw a recurrent network folded (one cell with a loop) and unrolled over ``steps`` steps.

    The unrolled picture is a computational graph like any other: one copy of the cell per time
    step, all sharing the weights :math:`W_{ih}`, :math:`W_{hh}` and :math:`W_{hy}`. With
    ``show_gradients`` red dashed arrows show how backpropagation through time sends the
    gradient from every output back along the chain of hidden states.

    Parameters
    ----------
    steps : int, default 4
        Number of time steps drawn (1 to 8).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    show_gradients : bool, default False
        Draw the backward flow of :math:`\\partial L / \\partial h_t`.
    folded : bool, default True
        Also draw the folded network, to the left of an equals sign.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or not 1 <= steps <= 8:
        raise ValueError(f"steps must be an integer from 1 to 8, got {steps!r}")
    ax = _axes(ax, (2.0 + 1.9 * steps, 3.6))
    x0 = 0.0
    if folded:
        _box(ax, 0, 1.5, "$h$", CELL_COLOR)
        _box(ax, 0, 0, "$x_t$", INPUT_COLOR, width=0.7, height=0.5)
        _box(ax, 0, 3, "$y_t$", OUTPUT_COLOR, width=0.7, height=0.5)
        _arrow(ax, (0, 0.25), (0, 1.2))
        _arrow(ax, (0, 1.8), (0, 2.75))
        # the recurrent loop: out of the right side and back into it
        _arrow(ax, (0.45, 1.65), (0.45, 1.35), rad=-2.2)
        ax.text(0.95, 1.5, "$W_{hh}$", ha="left", va="center", fontsize=9)
        ax.text(0.1, 0.7, "$W_{ih}$", ha="left", va="center", fontsize=9)
        ax.text(0.1, 2.3, "$W_{hy}$", ha="left", va="center", fontsize=9)
        ax.text(1.85, 1.5, "=", ha="center", va="center", fontsize=20)
        x0 = 2.8
    spacing = 1.9
    _box(ax, x0, 1.5, "$h_0$", "white", width=0.7, height=0.5)
    for t in range(1, steps + 1):
        x = x0 + t * spacing
        _box(ax, x, 1.5, f"$h_{t}$", CELL_COLOR)
        _box(ax, x, 0, f"$x_{t}$", INPUT_COLOR, width=0.7, height=0.5)
        _box(ax, x, 3, f"$y_{t}$", OUTPUT_COLOR, width=0.7, height=0.5)
        _arrow(ax, (x, 0.25), (x, 1.2))
        _arrow(ax, (x, 1.8), (x, 2.75))
        left = x - spacing + (0.35 if t == 1 else 0.45)
        _arrow(ax, (left, 1.5), (x - 0.45, 1.5))
        ax.text((left + x - 0.45) / 2, 1.58, "$W_{hh}$", ha="center", va="bottom", fontsize=9)
        ax.text(x + 0.08, 0.72, "$W_{ih}$", ha="left", va="center", fontsize=8)
        ax.text(x + 0.08, 2.28, "$W_{hy}$", ha="left", va="center", fontsize=8)
        if show_gradients:
            _arrow(ax, (x - 0.3, 2.75), (x - 0.3, 1.8), color=GRADIENT_COLOR, ls="--")
            if t > 1:
                _arrow(ax, (x - 0.45, 1.3), (left, 1.3), color=GRADIENT_COLOR, ls="--", lw=1.0)
    if show_gradients:
        ax.text(
            x0 + spacing * (steps + 1) / 2,
            -0.65,
            r"red: backpropagation through time, $\partial L/\partial h_t$ flows right to left",
            ha="center",
            va="center",
            fontsize=9,
            color=GRADIENT_COLOR,
        )
    ax.set_xlim(-0.9 if folded else x0 - 0.6, x0 + steps * spacing + 0.7)
    ax.set_ylim(-0.95 if show_gradients else -0.5, 3.5)
    return ax


def draw_lstm_cell(ax: Axes | None = None) -> Axes:
    """Draw an LSTM cell: the cell state :math:`c` running along the top, gated by i, f, o.

    The four boxes compute, from :math:`[x_t, h_{t-1}]`, the input gate :math:`i`, the forget
    gate :math:`f`, the candidate :math:`g` and the output gate :math:`o` (torch's order). Then
    :math:`c_t = f \\odot c_{t-1} + i \\odot g` and :math:`h_t = o \\odot \\tanh c_t`.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (7.0, 4.0))
    ax.add_patch(
        FancyBboxPatch(
            (0.3, 0.2), 6.4, 3.4, boxstyle="round,pad=0.05", facecolor="#f5f9fd", edgecolor="grey"
        )
    )
    top, gates_y, bottom = 3.1, 1.4, 0.45
    # cell state highway
    _arrow(ax, (-0.4, top), (1.55, top))
    _op(ax, 1.8, top, r"$\times$")
    _arrow(ax, (2.05, top), (3.25, top))
    _op(ax, 3.5, top, "+")
    _arrow(ax, (3.75, top), (7.4, top))
    ax.text(-0.45, top + 0.15, "$c_{t-1}$", ha="left", va="bottom", fontsize=11)
    ax.text(7.4, top + 0.15, "$c_t$", ha="right", va="bottom", fontsize=11)
    # hidden state in, x in, concatenated along the bottom
    _arrow(ax, (-0.4, bottom), (5.2, bottom), style="-")
    ax.text(-0.45, bottom - 0.15, "$h_{t-1}$", ha="left", va="top", fontsize=11)
    _arrow(ax, (0.9, -0.55), (0.9, bottom), style="-")
    ax.text(0.9, -0.6, "$x_t$", ha="center", va="top", fontsize=11)
    gates = [(1.8, "f", r"$\sigma$", GATE_COLOR), (2.8, "i", r"$\sigma$", GATE_COLOR)]
    gates += [(3.8, "g", "tanh", TANH_COLOR), (4.9, "o", r"$\sigma$", GATE_COLOR)]
    for x, name, label, color in gates:
        _arrow(ax, (x, bottom), (x, gates_y - 0.28))
        _box(ax, x, gates_y, label, color, width=0.7, height=0.5, fontsize=10)
        ax.text(x - 0.42, gates_y + 0.4, f"${name}$", ha="center", va="center", fontsize=10)
    _arrow(ax, (1.8, gates_y + 0.28), (1.8, top - 0.2))  # f -> x on c
    _op(ax, 3.5, 2.2, r"$\times$")
    _arrow(ax, (2.8, gates_y + 0.28), (3.3, 2.1), rad=-0.2)  # i -> x
    _arrow(ax, (3.8, gates_y + 0.28), (3.6, 2.0), rad=0.2)  # g -> x
    _arrow(ax, (3.5, 2.4), (3.5, top - 0.2))  # i*g -> +
    # output: tanh(c) * o
    _arrow(ax, (5.8, top), (5.8, 2.6))
    _box(ax, 5.8, 2.35, "tanh", TANH_COLOR, width=0.7, height=0.4, fontsize=9)
    _op(ax, 5.8, 1.4, r"$\times$")
    _arrow(ax, (5.8, 2.15), (5.8, 1.6))
    _arrow(ax, (4.9, gates_y + 0.28), (5.6, 1.4), rad=-0.3)
    _arrow(ax, (5.8, 1.2), (5.8, bottom - 0.05), style="-")
    _arrow(ax, (5.8, bottom - 0.05), (7.4, bottom - 0.05))
    ax.text(7.4, bottom - 0.2, "$h_t$", ha="right", va="top", fontsize=11)
    ax.set_xlim(-0.6, 7.6)
    ax.set_ylim(-1.0, 3.8)
    ax.set_title("LSTM cell", fontsize=11)
    return ax


def draw_gru_cell(ax: Axes | None = None) -> Axes:
    """Draw a GRU cell with torch's equations.

    From :math:`[x_t, h_{t-1}]` the cell computes the reset gate :math:`r` and the update gate
    :math:`z`; the candidate :math:`n = \\tanh(W_{in} x_t + b_{in} + r \\odot (W_{hn} h_{t-1} +
    b_{hn}))`; and :math:`h_t = (1 - z) \\odot n + z \\odot h_{t-1}`.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (7.0, 4.0))
    ax.add_patch(
        FancyBboxPatch(
            (0.3, 0.2), 6.4, 3.4, boxstyle="round,pad=0.05", facecolor="#f5f9fd", edgecolor="grey"
        )
    )
    top, gates_y, bottom = 3.1, 1.4, 0.45
    # h_{t-1} along the top: kept in proportion z
    _arrow(ax, (-0.4, top), (4.55, top))
    _op(ax, 4.8, top, r"$\times$")
    _arrow(ax, (5.05, top), (5.55, top))
    _op(ax, 5.8, top, "+")
    _arrow(ax, (6.05, top), (7.4, top))
    ax.text(-0.45, top + 0.15, "$h_{t-1}$", ha="left", va="bottom", fontsize=11)
    ax.text(7.4, top + 0.15, "$h_t$", ha="right", va="bottom", fontsize=11)
    _arrow(ax, (0.6, top), (0.6, bottom), style="-")
    _arrow(ax, (0.6, bottom), (4.0, bottom), style="-")
    _arrow(ax, (0.9, -0.55), (0.9, bottom), style="-")
    ax.text(0.9, -0.6, "$x_t$", ha="center", va="top", fontsize=11)
    for x, name in [(1.6, "r"), (2.6, "z")]:
        _arrow(ax, (x, bottom), (x, gates_y - 0.28))
        _box(ax, x, gates_y, r"$\sigma$", GATE_COLOR, width=0.7, height=0.5, fontsize=10)
        ax.text(x - 0.42, gates_y + 0.4, f"${name}$", ha="center", va="center", fontsize=10)
    # candidate n = tanh(W_in x + r * (W_hn h + b_hn))
    _arrow(ax, (3.9, bottom), (3.9, gates_y - 0.28))
    _box(ax, 3.9, gates_y, "tanh", TANH_COLOR, width=0.7, height=0.5, fontsize=10)
    ax.text(3.9 + 0.5, gates_y + 0.4, "$n$", ha="center", va="center", fontsize=10)
    _op(ax, 3.2, 0.85, r"$\times$")
    _arrow(ax, (1.6, gates_y + 0.28), (3.0, 0.95), rad=0.5)  # r times (W_hn h + b_hn)
    _arrow(ax, (3.4, 0.85), (3.65, gates_y - 0.2))
    # z: to the x on h (z) and, through 1 - z, to the x on n
    _arrow(ax, (2.6, gates_y + 0.28), (4.7, top - 0.2), rad=-0.2)
    _op(ax, 2.6, 2.3, "1-")
    _arrow(ax, (2.6, gates_y + 0.28), (2.6, 2.1))
    _op(ax, 5.8, 2.2, r"$\times$")
    _arrow(ax, (2.8, 2.35), (5.6, 2.25))
    _arrow(ax, (3.9, gates_y + 0.28), (5.65, 2.05), rad=0.2)
    _arrow(ax, (5.8, 2.4), (5.8, top - 0.2))
    ax.set_xlim(-0.6, 7.6)
    ax.set_ylim(-1.0, 3.8)
    ax.set_title("GRU cell (torch's equations)", fontsize=11)
    return ax
