"""Drawings of neurons and layered networks, for the book's structure figures.

Plots show numbers; these functions show *structures*: a single neuron with its weights, bias and
activation (chapter 1), and a layered network whose units and connections can carry values,
gradients, tensor shapes or a dropout mask (chapters 2 to 5). They draw with matplotlib only, on
a given ``Axes`` or on a new figure, and return the ``Axes``, so every drawing is reproducible
and can be tested like any other figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

__all__ = ["draw_network", "draw_neuron"]

#: Fill colours of the units by role.
INPUT_COLOR = "#cfe2f3"
HIDDEN_COLOR = "#ffffff"
OUTPUT_COLOR = "#fce5cd"
DROPPED_COLOR = "#e6e6e6"
EDGE_COLOR = "#555555"
LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}


def draw_neuron(
    ax: Axes | None = None,
    *,
    n_inputs: int = 3,
    activation: str = "step",
    title: str | None = None,
) -> Axes:
    """Draw one artificial neuron: inputs, weights, bias, weighted sum, activation, output.

    The inputs :math:`x_1, \\dots, x_d` are joined to a summation unit by arrows labelled with
    their weights :math:`w_i`; a constant input 1 brings the bias :math:`b`; the sum
    :math:`s = \\mathbf w \\cdot \\mathbf x + b` passes through the activation to the output
    :math:`\\hat y`.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new 6.5 x 3.2 inch figure if omitted.
    n_inputs : int, default 3
        Number of inputs drawn (1 to 6); the last one is labelled :math:`x_d`.
    activation : str, default "step"
        Name written in the activation box, e.g. ``"step"``, ``"sigmoid"``, ``"ReLU"``.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (axis lines hidden, equal aspect).

    Raises
    ------
    ValueError
        If ``n_inputs`` is not an integer from 1 to 6.
    """
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or not 1 <= n_inputs <= 6:
        raise ValueError(f"draw_neuron: n_inputs must be an integer from 1 to 6, got {n_inputs!r}")
    ax = _new_axes(ax, figsize=(6.5, 3.2))
    radius = 0.3
    ys = [(n_inputs - 1) / 2 - i for i in range(n_inputs)]
    names = [f"$x_{{{i + 1}}}$" for i in range(n_inputs)]
    weights = [f"$w_{{{i + 1}}}$" for i in range(n_inputs)]
    if n_inputs > 2:
        names[-1], weights[-1] = "$x_d$", "$w_d$"
    sum_xy, sum_r = (3.0, 0.0), 0.45
    bias_xy = (sum_xy[0] - 0.6, ys[0] + 1.2 if n_inputs > 1 else 1.2)
    for y, name, weight in zip(ys, names, weights, strict=True):
        _unit(ax, (0.0, y), radius, name, INPUT_COLOR)
        _arrow(ax, (0.0, y), sum_xy, radius, sum_r)
        _label_on_edge(ax, (0.0, y), sum_xy, weight, fraction=0.45)
    _unit(ax, bias_xy, 0.22, "1", INPUT_COLOR, fontsize=9)
    _arrow(ax, bias_xy, sum_xy, 0.22, sum_r)
    _label_on_edge(ax, bias_xy, sum_xy, "$b$", fraction=0.45)
    _unit(ax, sum_xy, sum_r, r"$\Sigma$", HIDDEN_COLOR, fontsize=14)
    ax.text(
        sum_xy[0],
        sum_xy[1] - sum_r - 0.3,
        r"$s = \mathbf{w}\cdot\mathbf{x} + b$",
        ha="center",
        va="top",
        fontsize=10,
    )
    box_x, box_w, box_h = 4.4, 1.3, 0.7
    ax.add_patch(
        FancyBboxPatch(
            (box_x, -box_h / 2),
            box_w,
            box_h,
            boxstyle="round,pad=0.05",
            facecolor=OUTPUT_COLOR,
            edgecolor="k",
            lw=1.2,
        )
    )
    ax.text(box_x + box_w / 2, 0.0, activation, ha="center", va="center", fontsize=11)
    ax.add_patch(
        FancyArrowPatch(
            (sum_xy[0] + sum_r, 0.0),
            (box_x, 0.0),
            arrowstyle="-|>",
            mutation_scale=12,
            color=EDGE_COLOR,
            lw=1.2,
        )
    )
    ax.text((sum_xy[0] + sum_r + box_x) / 2, 0.12, "$s$", ha="center", va="bottom", fontsize=11)
    out_x = box_x + box_w + 1.0
    ax.add_patch(
        FancyArrowPatch(
            (box_x + box_w, 0.0),
            (out_x, 0.0),
            arrowstyle="-|>",
            mutation_scale=12,
            color=EDGE_COLOR,
            lw=1.2,
        )
    )
    ax.text(out_x + 0.1, 0.0, r"$\hat y$", ha="left", va="center", fontsize=13)
    _finish(ax, xlim=(-0.6, out_x + 0.6), ylim=(min(ys) - 0.9, bias_xy[1] + 0.5), title=title)
    return ax


def draw_network(
    layer_sizes: Sequence[int],
    ax: Axes | None = None,
    *,
    unit_names: Mapping[tuple[int, int], str] | None = None,
    unit_notes: Mapping[tuple[int, int], str] | None = None,
    edge_labels: Mapping[tuple[int, int, int], str] | None = None,
    layer_labels: Sequence[str] | None = None,
    weight_labels: Sequence[str] | None = None,
    dropped: Sequence[tuple[int, int]] | None = None,
    max_units: int = 6,
    title: str | None = None,
) -> Axes:
    """Draw a fully connected network, layer by layer, with optional annotations.

    Layer 0 is the input. Units are indexed ``(layer, unit)``, both from 0, and the connection
    from unit ``j`` of layer ``l`` to unit ``i`` of layer ``l + 1`` is ``(l, i, j)``, the entry
    ``[i, j]`` of that layer's weight matrix (torch's ``(out_features, in_features)`` layout).

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, at least two layers, each at least 1.
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the network if omitted.
    unit_names : mapping (layer, unit) -> str, optional
        Short text written inside a unit, e.g. ``"$h_1$"``.
    unit_notes : mapping (layer, unit) -> str, optional
        Longer text written next to a unit (above it), e.g. its value and its gradient.
    edge_labels : mapping (layer, i, j) -> str, optional
        Text written on a connection, e.g. a weight and its gradient.
    layer_labels : sequence of str, optional
        One caption under each layer, e.g. the shape of its activations.
    weight_labels : sequence of str, optional
        One caption between each pair of consecutive layers, e.g. the weight's shape.
    dropped : sequence of (layer, unit), optional
        Units drawn as dropped out: grey, crossed, with their connections dotted.
    max_units : int, default 6
        A layer with more units shows the first and last few and a vertical ellipsis.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (axis lines hidden, equal aspect). Every drawn unit is a
        :class:`matplotlib.patches.Circle`.

    Raises
    ------
    ValueError
        If the sizes, the number of captions or an annotated unit or connection do not fit the
        network.
    """
    sizes = [int(s) for s in layer_sizes]
    if (
        len(sizes) < 2
        or any(s < 1 for s in sizes)
        or any(isinstance(s, bool) or int(s) != s for s in layer_sizes)
    ):
        raise ValueError(
            f"draw_network: layer_sizes must hold at least two integers >= 1, got {layer_sizes!r}"
        )
    if isinstance(max_units, bool) or not isinstance(max_units, int) or max_units < 3:
        raise ValueError(f"draw_network: max_units must be an integer >= 3, got {max_units!r}")
    for name, labels, expected in [
        ("layer_labels", layer_labels, len(sizes)),
        ("weight_labels", weight_labels, len(sizes) - 1),
    ]:
        if labels is not None and len(labels) != expected:
            raise ValueError(
                f"draw_network: {name} needs {expected} entries for {len(sizes)} layers, "
                f"got {len(labels)}"
            )
    unit_names, unit_notes = dict(unit_names or {}), dict(unit_notes or {})
    edge_labels, dropped = dict(edge_labels or {}), set(map(tuple, dropped or ()))
    for name, keys in [
        ("unit_names", unit_names),
        ("unit_notes", unit_notes),
        ("dropped", dropped),
    ]:
        for layer, unit in keys:
            if not (0 <= layer < len(sizes) and 0 <= unit < sizes[layer]):
                raise ValueError(
                    f"draw_network: {name} refers to unit ({layer}, {unit}), which is not in a "
                    f"network of sizes {sizes}"
                )
    for layer, i, j in edge_labels:
        if not (
            0 <= layer < len(sizes) - 1 and 0 <= i < sizes[layer + 1] and 0 <= j < sizes[layer]
        ):
            raise ValueError(
                f"draw_network: edge_labels refers to connection ({layer}, {i}, {j}), which is "
                f"not in a network of sizes {sizes}"
            )

    # annotated networks need room between the units for their notes
    spacing_x, radius = 3.0, 0.28
    spacing_y = 2.0 if unit_notes or edge_labels else 1.0
    shown = [_shown_units(size, max_units) for size in sizes]
    tallest = max(len(units) for units in shown)
    if ax is None:
        height = 1.2 + 0.75 * spacing_y * tallest
        ax = _new_axes(None, figsize=(1.2 + 2.3 * (len(sizes) - 1), height))
    positions: dict[tuple[int, int], tuple[float, float]] = {}
    for layer, units in enumerate(shown):
        top = (len(units) - 1) / 2 * spacing_y
        for row, unit in enumerate(units):
            if unit is not None:
                positions[layer, unit] = (layer * spacing_x, top - row * spacing_y)
            else:
                ax.text(
                    layer * spacing_x,
                    top - row * spacing_y,
                    r"$\vdots$",
                    ha="center",
                    va="center",
                    fontsize=14,
                )

    for layer in range(len(sizes) - 1):
        for (l_in, j), start in positions.items():
            if l_in != layer:
                continue
            for i in (u for u in shown[layer + 1] if u is not None):
                end = positions[layer + 1, i]
                faded = (layer, j) in dropped or (layer + 1, i) in dropped
                ax.plot(
                    [start[0], end[0]],
                    [start[1], end[1]],
                    color="#bbbbbb" if faded else EDGE_COLOR,
                    lw=0.8 if faded else 1.0,
                    ls=":" if faded else "-",
                    zorder=1,
                )
    for (layer, i, j), text in edge_labels.items():
        if (layer, j) in positions and (layer + 1, i) in positions:
            # straight and fanning connections: mid-way; crossing ones: near their start
            fraction = 0.5 if i == j or 1 in (sizes[layer], sizes[layer + 1]) else 0.25
            _label_on_edge(
                ax,
                positions[layer, j],
                positions[layer + 1, i],
                text,
                fraction=fraction,
                fontsize=8,
            )

    for (layer, unit), xy in positions.items():
        color = (
            INPUT_COLOR if layer == 0 else OUTPUT_COLOR if layer == len(sizes) - 1 else HIDDEN_COLOR
        )
        if (layer, unit) in dropped:
            color = DROPPED_COLOR
        _unit(ax, xy, radius, unit_names.get((layer, unit), ""), color, fontsize=10)
        if (layer, unit) in dropped:
            d = radius * 0.7
            for sign in (1, -1):
                ax.plot(
                    [xy[0] - d, xy[0] + d],
                    [xy[1] - sign * d, xy[1] + sign * d],
                    color="tab:red",
                    lw=2,
                    zorder=4,
                )
        if (layer, unit) in unit_notes:
            # inputs to the left and outputs to the right, out of the connections' way;
            # hidden units above
            # (above the upper units, below the lower ones)
            side = -1 if layer == 0 else 1 if layer == len(sizes) - 1 else 0
            below = not side and xy[1] < 0
            ax.text(
                xy[0] + side * (radius + 0.08),
                xy[1] + (0 if side else -(radius + 0.06) if below else radius + 0.06),
                unit_notes[layer, unit],
                ha={-1: "right", 0: "center", 1: "left"}[side],
                va="center" if side else "top" if below else "bottom",
                fontsize=8,
                bbox=LABEL_BOX,
                zorder=5,
            )

    bottom = -(tallest - 1) / 2 * spacing_y - radius
    top = (tallest - 1) / 2 * spacing_y + radius
    if any(unit_notes):
        top += 0.75
        bottom -= 0.75
    # layer captions below the network, weight captions above it: they never collide
    caption_y = bottom - 0.25
    for layer, text in enumerate(layer_labels or []):
        ax.text(layer * spacing_x, caption_y, text, ha="center", va="top", fontsize=9)
    for layer, text in enumerate(weight_labels or []):
        ax.text(
            (layer + 0.5) * spacing_x,
            top + 0.25,
            text,
            ha="center",
            va="bottom",
            fontsize=9,
            color="tab:blue",
        )
    low = caption_y - (0.6 if layer_labels else 0.1)
    top += 0.8 if weight_labels else 0.0
    # room for the notes beside the inputs and the outputs
    margin = 1.4 if layer_labels else 0.9
    left = -margin - (1.6 if any(layer == 0 for layer, _ in unit_notes) else 0.0)
    right = (len(sizes) - 1) * spacing_x + margin
    right += 2.4 if any(layer == len(sizes) - 1 for layer, _ in unit_notes) else 0.0
    _finish(ax, xlim=(left, right), ylim=(low, top + 0.2), title=title)
    return ax


# --- building blocks --------------------------------------------------------------------------


def _shown_units(size: int, max_units: int) -> list[int | None]:
    """The units of a layer to draw; ``None`` marks the ellipsis of a layer that is too tall."""
    if size <= max_units:
        return list(range(size))
    head = (max_units - 1) // 2
    tail = max_units - 1 - head
    return list(range(head)) + [None] + list(range(size - tail, size))


def _unit(ax: Axes, xy, radius: float, text: str, color: str, fontsize: float = 11) -> None:
    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor="k", lw=1.2, zorder=3))
    if text:
        ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def _arrow(ax: Axes, start, end, r_start: float, r_end: float) -> None:
    """An arrow between two circles, from rim to rim."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = (dx * dx + dy * dy) ** 0.5
    ux, uy = dx / length, dy / length
    ax.add_patch(
        FancyArrowPatch(
            (start[0] + r_start * ux, start[1] + r_start * uy),
            (end[0] - r_end * ux, end[1] - r_end * uy),
            arrowstyle="-|>",
            mutation_scale=12,
            color=EDGE_COLOR,
            lw=1.2,
            zorder=2,
        )
    )


def _label_on_edge(ax: Axes, start, end, text: str, fraction: float, fontsize: float = 11) -> None:
    x = start[0] + fraction * (end[0] - start[0])
    y = start[1] + fraction * (end[1] - start[1])
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, bbox=LABEL_BOX, zorder=5)


def _finish(ax: Axes, xlim, ylim, title: str | None) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is not None:
        ax.set_title(title)


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only here: choosing a backend is the caller's business

    _, ax = plt.subplots(figsize=figsize)
    return ax
