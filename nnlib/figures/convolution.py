"""Drawings of convolution windows, im2col columns and receptive fields (chapter 6).

Three structures that a reader of the convolution chapter would rather look at than read:

* :func:`draw_convolution`: a kernel's window on a (padded) input grid for one output position,
  the output grid next to it, and the output-size formula with the numbers filled in; stride,
  padding and dilation all show.
* :func:`draw_im2col`: a small image with its windows, and the matrix whose columns are those
  windows flattened (im2col), so that the convolution becomes one matrix product.
* :func:`draw_receptive_field`: a stack of one-dimensional layers and the cone of inputs that
  one unit at the top depends on.

They draw with matplotlib only, on a given ``Axes`` or on a new figure, and return the ``Axes``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, Rectangle

__all__ = ["conv_output_size", "draw_convolution", "draw_im2col", "draw_receptive_field"]

#: Fill colours by role.
INPUT_COLOR = "#cfe2f3"
PADDING_COLOR = "#ffffff"
TAP_COLOR = "#f6b26b"
OUTPUT_COLOR = "#fce5cd"
ACTIVE_OUTPUT_COLOR = "#e69138"
EDGE_COLOR = "#555555"
#: Colours of the highlighted windows of the im2col figure (and of their columns).
WINDOW_COLORS = ("#e06666", "#6aa84f", "#3d85c6", "#b45f06", "#8e7cc3")


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1):
    """Output length of a convolution along one axis (torch's formula).

    ``floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1``.

    Raises
    ------
    ValueError
        If an argument is out of range or the dilated kernel is larger than the padded input.
    """
    for name, value, low in [
        ("size", size, 1),
        ("kernel", kernel, 1),
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
    ]:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"conv_output_size: {name} must be an integer >= {low}, got {value!r}")
    span = dilation * (kernel - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(
            f"conv_output_size: the dilated kernel spans {span} cells, more than the padded "
            f"input's {size + 2 * padding}"
        )
    return (size + 2 * padding - span) // stride + 1


def _pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, Sequence) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def draw_convolution(
    ax: Axes | None = None,
    *,
    input_size: int | Sequence[int] = 5,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    output_index: Sequence[int] = (0, 0),
    show_formula: bool = True,
    title: str | None = None,
) -> Axes:
    """Draw one step of a 2-D convolution: the window on the padded input and its output cell.

    The input cells are blue, the padding cells white with dashed edges, the ``kernel_size**2``
    cells the kernel reads for the output position ``output_index`` orange (with ``dilation`` they
    are spread apart), and the output grid, drawn to the right, marks the cell they produce.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    input_size : int or (int, int), default 5
        Height and width of the input (before padding).
    kernel_size, stride, padding, dilation : int
        The convolution's geometry, the same along both axes.
    output_index : (int, int), default (0, 0)
        The output position (row, column) whose window is highlighted.
    show_formula : bool, default True
        Write the output-size formula, with these numbers, under the drawing.
    title : str, optional
        Title of the axes; by default the geometry and the sizes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (axis lines hidden, equal aspect).

    Raises
    ------
    ValueError
        If the geometry is invalid (see :func:`conv_output_size`) or ``output_index`` lies outside
        the output.
    """
    height, width = _pair(input_size, "draw_convolution: input_size")
    out_h = conv_output_size(height, kernel_size, stride, padding, dilation)
    out_w = conv_output_size(width, kernel_size, stride, padding, dilation)
    row, col = _pair(output_index, "draw_convolution: output_index")
    if not (0 <= row < out_h and 0 <= col < out_w):
        raise ValueError(
            f"draw_convolution: output_index {(row, col)} is outside the {out_h}x{out_w} output"
        )
    padded_h, padded_w = height + 2 * padding, width + 2 * padding
    ax = _new_axes(ax, figsize=(0.42 * (padded_w + out_w + 3), 0.42 * (padded_h + 2.5)))
    for r in range(padded_h):
        for c in range(padded_w):
            inside = padding <= r < padding + height and padding <= c < padding + width
            _cell(ax, c, -r, INPUT_COLOR if inside else PADDING_COLOR, dashed=not inside)
    taps = [
        (row * stride + a * dilation, col * stride + b * dilation)
        for a in range(kernel_size)
        for b in range(kernel_size)
    ]
    for r, c in taps:
        _cell(ax, c, -r, TAP_COLOR, linewidth=1.6)
    span = dilation * (kernel_size - 1) + 1
    top, left = row * stride, col * stride
    ax.add_patch(
        Rectangle(
            (left, -(top + span - 1)),
            span,
            span,
            fill=False,
            edgecolor=ACTIVE_OUTPUT_COLOR,
            linewidth=2.2,
        )
    )
    x0 = padded_w + 2.0  # the output grid's left edge
    y0 = -(padded_h - out_h) / 2  # centred vertically
    for r in range(out_h):
        for c in range(out_w):
            active = (r, c) == (row, col)
            _cell(ax, x0 + c, y0 - r, ACTIVE_OUTPUT_COLOR if active else OUTPUT_COLOR)
    ax.add_patch(
        FancyArrowPatch(
            (left + span, -(top + span / 2) + 1),
            (x0 + col, y0 - row + 0.5),
            arrowstyle="-|>",
            mutation_scale=12,
            color=EDGE_COLOR,
            linewidth=1.0,
            connectionstyle="arc3,rad=-0.2",
        )
    )
    ax.text(padded_w / 2, 1.35, "input" + (" (padded)" if padding else ""), ha="center", size=9)
    ax.text(x0 + out_w / 2, y0 + 1.35, "output", ha="center", size=9)
    bottom = -padded_h - 0.2
    if show_formula:
        ax.text(
            (padded_w + x0 + out_w) / 2,
            bottom - 0.4,
            rf"$\lfloor ({height} + 2\cdot{padding} - {dilation}\cdot({kernel_size}-1) - 1)"
            rf" / {stride} \rfloor + 1 = {out_h}$",
            ha="center",
            va="top",
            size=9,
        )
        bottom -= 1.6
    if title is None:
        title = (
            f"k={kernel_size}, s={stride}, p={padding}, d={dilation}: "
            f"{height}x{width} -> {out_h}x{out_w}"
        )
    _finish(ax, (-0.5, x0 + out_w + 0.5), (bottom, 2.0), title)
    return ax


def draw_im2col(
    ax: Axes | None = None,
    *,
    image: np.ndarray | None = None,
    kernel_size: int = 2,
    stride: int = 1,
    highlight: int = 3,
    title: str | None = None,
) -> Axes:
    """Draw an image, its ``kernel_size`` windows and the im2col matrix of the flattened windows.

    Column ``l`` of the matrix is window ``l`` (row-major over the output positions) read row by
    row, so a ``(C_out, k*k)`` weight matrix times this ``(k*k, L)`` matrix computes every output
    of the convolution at once. The first ``highlight`` windows and their columns share a colour.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    image : 2-D array, optional
        The image whose values are written in the cells (integers read best); by default
        ``arange(16).reshape(4, 4)``.
    kernel_size, stride : int
        The windows' size and step (no padding, no dilation).
    highlight : int, default 3
        How many windows (at most 5) to outline in colour.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        If ``image`` is not 2-D, the kernel does not fit, or ``highlight`` is not in 0..5.
    """
    image = np.arange(16).reshape(4, 4) if image is None else np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"draw_im2col: image must be 2-D, got shape {image.shape}")
    if not 0 <= highlight <= len(WINDOW_COLORS):
        raise ValueError(f"draw_im2col: highlight must be from 0 to 5, got {highlight}")
    height, width = image.shape
    out_h = conv_output_size(height, kernel_size, stride)
    out_w = conv_output_size(width, kernel_size, stride)
    n_windows, rows = out_h * out_w, kernel_size * kernel_size
    columns = np.empty((rows, n_windows), dtype=image.dtype)
    for index in range(n_windows):
        i, j = divmod(index, out_w)
        window = image[i * stride : i * stride + kernel_size, j * stride : j * stride + kernel_size]
        columns[:, index] = window.ravel()
    ax = _new_axes(ax, figsize=(0.45 * (width + n_windows + 3), 0.45 * (max(height, rows) + 3)))
    for r in range(height):
        for c in range(width):
            _cell(ax, c, -r, INPUT_COLOR, text=_fmt(image[r, c]))
    for index, color in zip(range(min(highlight, n_windows)), WINDOW_COLORS, strict=False):
        i, j = divmod(index, out_w)
        inset = 0.06 * (index + 1)
        ax.add_patch(
            Rectangle(
                (j * stride + inset, -(i * stride + kernel_size - 1) + inset),
                kernel_size - 2 * inset,
                kernel_size - 2 * inset,
                fill=False,
                edgecolor=color,
                linewidth=2.0,
            )
        )
    x0 = width + 2.0
    for r in range(rows):
        for c in range(n_windows):
            color = WINDOW_COLORS[c] if c < highlight else None
            _cell(ax, x0 + c, -r, "#ffffff", text=_fmt(columns[r, c]), edge=color)
    for c in range(n_windows):
        ax.text(x0 + c + 0.5, 1.25, str(c), ha="center", va="center", size=7, color="#777777")
    ax.text(width / 2, 2.0, f"image {height}x{width}", ha="center", size=9)
    ax.text(
        x0 + n_windows / 2,
        2.0,
        f"columns ({rows} x {n_windows}): window l -> column l",
        ha="center",
        size=9,
    )
    _finish(ax, (-0.5, x0 + n_windows + 0.5), (-max(height, rows) - 0.5, 2.7), title)
    return ax


def draw_receptive_field(
    ax: Axes | None = None,
    *,
    layers: Sequence[tuple[str, int, int]] = (("conv 3", 3, 1), ("pool 2", 2, 2), ("conv 3", 3, 1)),
    input_length: int = 16,
    unit: int | None = None,
    title: str | None = None,
) -> Axes:
    """Draw 1-D layers stacked bottom to top and the inputs that one top unit depends on.

    Each layer is ``(name, kernel, stride)`` (no padding): layer ``l`` has
    ``(n_{l-1} - kernel) // stride + 1`` units. The chosen top unit, and every unit below that
    it depends on, is filled; lines join each highlighted unit to the units it reads. The label
    at the left of each row gives its name and the receptive field of one of its units, counted
    in input cells.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    layers : sequence of (str, int, int)
        ``(name, kernel, stride)`` for each layer above the input.
    input_length : int, default 16
        Number of input cells.
    unit : int, optional
        Index of the top unit to follow; the middle one by default.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        If a layer has no units left or ``unit`` is out of range.
    """
    sizes = [input_length]
    for name, kernel, stride in layers:
        if kernel < 1 or stride < 1 or sizes[-1] < kernel:
            raise ValueError(
                f"draw_receptive_field: layer {name!r} (kernel {kernel}, stride {stride}) does "
                f"not fit its input of {sizes[-1]} units"
            )
        sizes.append((sizes[-1] - kernel) // stride + 1)
    unit = sizes[-1] // 2 if unit is None else unit
    if not 0 <= unit < sizes[-1]:
        raise ValueError(f"draw_receptive_field: unit {unit} is outside the top layer")
    # walk down: the units of each layer that the chosen unit depends on
    active = [set() for _ in sizes]
    active[-1] = {unit}
    for level in range(len(layers), 0, -1):
        _, kernel, stride = layers[level - 1]
        active[level - 1] = {u * stride + t for u in active[level] for t in range(kernel)}
    # receptive field (in input cells) of one unit per layer, and the position of each unit:
    # unit u of layer l is centred over the input cells it sees
    fields, jumps, starts = [1], [1], [0.0]
    for _, kernel, stride in layers:
        fields.append(fields[-1] + (kernel - 1) * jumps[-1])
        starts.append(starts[-1] + (kernel - 1) * jumps[-1] / 2)
        jumps.append(jumps[-1] * stride)
    ax = _new_axes(ax, figsize=(0.4 * input_length + 2.2, 0.9 * len(sizes) + 0.6))
    gap = 1.6
    for level, size in enumerate(sizes):
        y = level * gap
        for u in range(size):
            x = starts[level] + u * jumps[level]
            on = u in active[level]
            color = (ACTIVE_OUTPUT_COLOR if level == len(layers) else TAP_COLOR) if on else None
            _cell(ax, x, y, color or (INPUT_COLOR if level == 0 else OUTPUT_COLOR))
            if on and level > 0:
                _, kernel, stride = layers[level - 1]
                for t in range(kernel):
                    below = u * stride + t
                    xb = starts[level - 1] + below * jumps[level - 1]
                    ax.plot(
                        [x + 0.5, xb + 0.5],
                        [y, y - gap + 1],
                        color=EDGE_COLOR,
                        linewidth=0.8,
                        zorder=0,
                    )
        name = "input" if level == 0 else layers[level - 1][0]
        ax.text(
            -0.8,
            y + 0.5,
            f"{name}\nfield {fields[level]}",
            ha="right",
            va="center",
            size=8,
        )
    _finish(ax, (-4.0, input_length + 0.5), (-0.5, (len(sizes) - 1) * gap + 1.5), title)
    return ax


def _fmt(value: object) -> str:
    if isinstance(value, (float, np.floating)) and not float(value).is_integer():
        return f"{value:.1f}"
    return (
        str(int(value)) if isinstance(value, (np.integer, int, float, np.floating)) else str(value)
    )


def _cell(
    ax: Axes,
    x: float,
    y: float,
    color: str,
    *,
    text: str | None = None,
    dashed: bool = False,
    linewidth: float = 0.8,
    edge: str | None = None,
) -> None:
    """The unit square [x, x + 1] x [y, y + 1], optionally with ``text`` in its centre."""
    ax.add_patch(
        Rectangle(
            (x, y),
            1,
            1,
            facecolor=color,
            edgecolor=edge or EDGE_COLOR,
            linewidth=linewidth if edge is None else 2.0,
            linestyle="--" if dashed else "-",
        )
    )
    if text is not None:
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", size=8)


def _finish(ax: Axes, xlim, ylim, title: str | None) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is not None:
        ax.set_title(title, fontsize=10)


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only here: choosing a backend is the caller's business

    _, ax = plt.subplots(figsize=figsize)
    return ax
