"""``nnlib.figures.convolution``: drawn convolution windows, im2col columns, receptive fields."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from nnlib.figures.convolution import (  # noqa: E402
    ACTIVE_OUTPUT_COLOR,
    PADDING_COLOR,
    TAP_COLOR,
    conv_output_size,
    draw_convolution,
    draw_im2col,
    draw_receptive_field,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _cells(ax: Axes, color: str) -> list[Rectangle]:
    """The filled unit squares of one colour."""
    return [
        p
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_fill() and to_hex(p.get_facecolor()) == color
    ]


def test_output_size_matches_torch() -> None:
    for size, k, s, p, d in itertools.product((4, 5, 8), (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 2)):
        if d * (k - 1) + 1 > size + 2 * p:
            with pytest.raises(ValueError, match="dilated kernel spans"):
                conv_output_size(size, k, s, p, d)
            continue
        out = torch.nn.functional.conv2d(
            torch.zeros(1, 1, size, size),
            torch.zeros(1, 1, k, k),
            stride=s,
            padding=p,
            dilation=d,
        )
        assert conv_output_size(size, k, s, p, d) == out.shape[-1]


@pytest.mark.parametrize("bad", [{"size": 0}, {"stride": 0}, {"padding": -1}, {"kernel": 1.5}])
def test_output_size_rejects_bad_arguments(bad) -> None:
    args = {"size": 5, "kernel": 3, "stride": 1, "padding": 0, "dilation": 1, **bad}
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"{name} must be an integer"):
        conv_output_size(**args)


@pytest.mark.parametrize(
    ("size", "k", "s", "p", "d", "index"),
    [
        (5, 3, 1, 1, 1, (0, 1)),
        (5, 3, 2, 1, 1, (1, 2)),
        (7, 3, 1, 0, 2, (1, 0)),
        (6, 2, 2, 0, 1, (2, 2)),
    ],
)
def test_convolution_drawing_marks_window_and_output(size, k, s, p, d, index) -> None:
    ax = draw_convolution(
        input_size=size, kernel_size=k, stride=s, padding=p, dilation=d, output_index=index
    )
    assert isinstance(ax, Axes)
    out = conv_output_size(size, k, s, p, d)
    assert len(_cells(ax, TAP_COLOR)) == k * k  # the kernel's taps
    assert len(_cells(ax, ACTIVE_OUTPUT_COLOR)) == 1  # the output cell they produce
    dashed = [c for c in _cells(ax, PADDING_COLOR) if c.get_linestyle() == "--"]
    assert len(dashed) == (size + 2 * p) ** 2 - size**2  # the padding ring
    taps = {(round(c.get_x()), round(c.get_y())) for c in _cells(ax, TAP_COLOR)}
    expected = {(index[1] * s + b * d, -(index[0] * s + a * d)) for a in range(k) for b in range(k)}
    assert taps == expected
    texts = [t.get_text() for t in ax.texts]
    assert any(text.endswith(f"= {out}$") for text in texts), texts
    assert f"-> {out}x{out}" in ax.get_title()


def test_convolution_drawing_on_given_axes_and_errors() -> None:
    _, ax = plt.subplots()
    assert draw_convolution(ax, show_formula=False, title="demo") is ax
    assert ax.get_title() == "demo"
    assert not any("lfloor" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match=r"output_index \(3, 0\) is outside the 3x3 output"):
        draw_convolution(output_index=(3, 0))
    with pytest.raises(ValueError, match="dilated kernel spans 5 cells"):
        draw_convolution(input_size=3, kernel_size=5)


def test_im2col_columns_are_the_windows() -> None:
    image = np.arange(20).reshape(4, 5)
    ax = draw_im2col(image=image, kernel_size=2, stride=1, highlight=2)
    texts = [t.get_text() for t in ax.texts]
    # 20 image cells + 4 x 12 column cells + 12 column numbers + 2 captions
    assert len(texts) == 20 + 4 * 12 + 12 + 2
    column_cells = texts[20 : 20 + 48]
    columns = np.array(column_cells, dtype=int).reshape(4, 12)  # drawn row by row
    windows = np.lib.stride_tricks.sliding_window_view(image, (2, 2)).reshape(12, 4).T
    np.testing.assert_array_equal(columns, windows)
    assert "columns (4 x 12)" in texts[-1]


def test_im2col_errors() -> None:
    with pytest.raises(ValueError, match="image must be 2-D"):
        draw_im2col(image=np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="highlight must be from 0 to 5"):
        draw_im2col(highlight=6)


def test_receptive_field_cone() -> None:
    layers = [("conv 3", 3, 1), ("pool 2", 2, 2), ("conv 3", 3, 1), ("pool 2", 2, 2)]
    ax = draw_receptive_field(layers=layers, input_length=18, unit=1)
    labels = [t.get_text() for t in ax.texts]
    assert labels == [
        "input\nfield 1",
        "conv 3\nfield 3",
        "pool 2\nfield 4",
        "conv 3\nfield 8",
        "pool 2\nfield 10",
    ]
    # the cone: 10 input cells, plus 8 + 4 + 2 units in between, plus the top unit
    assert len(_cells(ax, TAP_COLOR)) == 10 + 8 + 4 + 2
    assert len(_cells(ax, ACTIVE_OUTPUT_COLOR)) == 1
    with pytest.raises(ValueError, match="unit 5 is outside the top layer"):
        draw_receptive_field(layers=layers, input_length=18, unit=5)
    with pytest.raises(ValueError, match="does not fit its input of 2 units"):
        draw_receptive_field(layers=[("conv", 3, 1)], input_length=2)
