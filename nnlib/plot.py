"""Plots used throughout the book: decision boundaries and training curves.

The helpers accept anything that predicts: a model with a ``.predict`` method or
a plain function, returning NumPy arrays, PyTorch tensors or ``nnlib`` tensors (on
any device: tensors are copied to the CPU before Matplotlib sees them). They draw on a
given Matplotlib ``Axes`` or, without one, on a new small figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, ListedColormap
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_decision_boundary", "plot_history"]


def plot_decision_boundary(
    predict: Callable | object,
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    *,
    resolution: int = 200,
    padding: float = 0.5,
    title: str | None = None,
    cmap: str | Colormap = "tab10",
    xlabel: str | None = "$x_1$",
    ylabel: str | None = "$x_2$",
) -> Axes:
    """Colour the plane by predicted class and scatter the data on top.

    Parameters
    ----------
    predict : object with a ``.predict`` method, or callable
        Maps an ``(m, 2)`` float64 NumPy array of points to either labels of
        shape ``(m,)`` (or ``(m, 1)``; integers or booleans) or class scores of
        shape ``(m, C)``, of which the largest wins. NumPy arrays, PyTorch
        tensors and ``nnlib`` tensors are all accepted. For a model with a single
        output (a logit), pass e.g. ``lambda X: model(X) > 0``.
    X : array-like or tensor of shape (n, 2)
        The points to scatter; they also set the plotted region.
    y : array-like or tensor of shape (n,)
        Their labels, integers ``0 .. C - 1``.
    ax : matplotlib Axes, optional
        Where to draw; a new 4 x 4 inch figure if omitted.
    resolution : int, default 200
        Number of grid points along each axis at which ``predict`` is evaluated.
    padding : float, default 0.5
        Margin added around the data's bounding box.
    title : str, optional
        Title of the axes.
    cmap : str or Colormap, default "tab10"
        Colours of the classes.
    xlabel, ylabel : str or None, default "$x_1$" and "$x_2$"
        Labels of the axes: the two input features. ``None`` leaves a label unchanged.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    X, y = _check_points(X, y)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}")
    if resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2; got {resolution}")
    if not np.isfinite(padding) or padding < 0:
        raise ValueError(f"padding must be a finite number >= 0; got {padding!r}")
    predict_fn = predict.predict if hasattr(predict, "predict") else predict
    if not callable(predict_fn):
        raise TypeError(
            f"predict must be a callable or have a .predict method; got {type(predict).__name__}"
        )

    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    )
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    regions = _labels_from_output(predict_fn(grid), len(grid)).reshape(grid_x.shape)

    n_classes = int(max(y.max(), regions.max())) + 1
    colors = _class_colors(cmap, n_classes)
    levels = np.arange(n_classes + 1) - 0.5  # one band per class label
    ax = _new_axes(ax, figsize=(4, 4))
    ax.contourf(grid_x, grid_y, regions, levels=levels, cmap=ListedColormap(colors), alpha=0.3)
    if len(np.unique(regions)) > 1:
        ax.contour(grid_x, grid_y, regions, levels=levels[1:-1], colors="k", linewidths=1)
    for label in np.unique(y):
        points = X[y == label]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            color=colors[label],
            edgecolors="k",
            linewidths=0.5,
            s=20,
            label=f"class {label}",
        )
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_aspect("equal")
    ax.legend(loc="best", fontsize="small")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax


def plot_history(
    history: Mapping[str, Sequence[float]] | object,
    ax: Axes | None = None,
    *,
    keys: Sequence[str] | None = None,
    title: str | None = None,
    logy: bool = False,
) -> Axes:
    """Plot training curves, one line per quantity, against the epoch.

    Parameters
    ----------
    history : mapping of str to sequence of numbers, or object with a ``.history`` mapping
        For example ``{"loss": [...], "val_loss": [...]}``; the first value of
        each sequence is plotted at epoch 1.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    keys : sequence of str, optional
        Which entries of ``history`` to plot; all of them by default.
    title : str, optional
        Title of the axes.
    logy : bool, default False
        Use a logarithmic y axis (all values must then be positive).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if not isinstance(history, Mapping) and hasattr(history, "history"):
        history = history.history
    if not isinstance(history, Mapping):
        raise TypeError(
            "history must be a mapping name -> sequence of numbers, or an object with a "
            f".history mapping; got {type(history).__name__}"
        )
    keys = list(history) if keys is None else list(keys)
    if not keys:
        raise ValueError("history has nothing to plot: it is empty")
    unknown = [key for key in keys if key not in history]
    if unknown:
        raise ValueError(f"unknown history keys {unknown}; available: {list(history)}")
    curves = {key: _as_curve(key, history[key]) for key in keys}
    if logy and any(np.any(values <= 0) for values in curves.values()):
        raise ValueError("logy=True needs positive values, but the history has values <= 0")

    ax = _new_axes(ax, figsize=(5, 3.5))
    for key, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=str(key))
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


# --- building blocks --------------------------------------------------------------------------


def _to_numpy(values) -> np.ndarray:
    """A NumPy array from a NumPy array, a PyTorch tensor or an ``nnlib`` tensor (duck typing).

    Tensors are detached and copied to the CPU first (``.cpu()``): a tensor on a GPU refuses
    to become a NumPy array implicitly.
    """
    if hasattr(values, "detach"):
        values = values.detach()
    if hasattr(values, "cpu"):
        values = values.cpu()
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values)


def _labels_from_output(output, n_points: int) -> np.ndarray:
    """Integer labels of shape ``(n_points,)`` from labels or from class scores."""
    output = _to_numpy(output)
    if output.ndim == 2 and output.shape[1] > 1:
        output = output.argmax(axis=1)
    elif output.ndim == 2 and output.shape[1] == 1:
        output = output[:, 0]
    if output.shape != (n_points,):
        raise ValueError(
            f"predict returned shape {output.shape} for {n_points} points; expected labels "
            f"({n_points},) or class scores ({n_points}, C)"
        )
    if not _are_labels(output):
        raise ValueError(
            "predict returned values that are not labels 0, 1, ...; return labels or class "
            "scores of shape (m, C) (for a single logit use e.g. lambda X: model(X) > 0)"
        )
    return output.astype(np.int64)


def _are_labels(values: np.ndarray) -> bool:
    """Whether ``values`` are class labels: booleans or whole numbers >= 0."""
    if values.dtype == bool:
        return True
    if not np.issubdtype(values.dtype, np.number):
        return False
    return bool(
        np.all(np.isfinite(values)) and np.all(values == np.round(values)) and values.min() >= 0
    )


def _check_points(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(_to_numpy(X), dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(
            f"X must be an array of shape (n, 2) with n >= 1 (2-D points); got shape {X.shape}"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    y = _to_numpy(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X {X.shape}; got {y.shape}")
    if not _are_labels(y):
        raise ValueError(f"y must hold class labels 0, 1, ...; got {np.unique(y)[:10].tolist()}")
    return X, y.astype(np.int64)


def _class_colors(cmap: str | Colormap, n_classes: int) -> np.ndarray:
    """One RGBA colour per class: the first colours of a listed map, else evenly spread."""
    cmap = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    if isinstance(cmap, ListedColormap) and cmap.N >= n_classes:
        return cmap(np.arange(n_classes))
    return cmap(np.linspace(0.0, 1.0, n_classes))


def _as_curve(key, values) -> np.ndarray:
    """The values of one history entry as a float array; ``float()`` also unwraps 0-d tensors."""
    try:
        curve = np.array([float(value) for value in values], dtype=np.float64)
    except (TypeError, ValueError):
        curve = np.empty(0)
    if len(curve) == 0:
        raise ValueError(f"history[{key!r}] must be a non-empty sequence of numbers")
    return curve


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only here: choosing a backend is the caller's business

    _, ax = plt.subplots(figsize=figsize)
    return ax
