"""Small two-dimensional classification problems, made on the fly.

Every function returns ``(X, y)``: ``X`` is a ``float64`` array of shape
``(n_samples, 2)`` (one point per row) and ``y`` an ``int64`` array of shape
``(n_samples,)`` with the class labels ``0, 1, ..., n_classes - 1``. The classes
are balanced (their sizes differ by at most one) and the rows are shuffled.

Randomness comes only from a :class:`numpy.random.Generator` made from the
``seed`` argument, so the same seed always gives the same data and no global
random state is touched. ``seed=None`` draws fresh data every call.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = ["make_blobs", "make_circles", "make_moons", "make_spirals", "make_xor"]


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] | np.ndarray = 2,
    cluster_std: float = 0.5,
    margin: float | None = None,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters ("blobs"), one class per cluster.

    Parameters
    ----------
    n_samples : int, default 100
        Total number of points, split as evenly as possible between the clusters.
    centers : int or array-like of shape (n_classes, 2), default 2
        The number of clusters, placed evenly on a circle of radius 2 around the
        origin (turned by a random angle), or their coordinates.
    cluster_std : float, default 0.5
        Standard deviation of each cluster around its center.
    margin : float, optional
        Only for two classes. If given, the data are guaranteed to be linearly
        separable with at least this margin: the line that separates them is the
        perpendicular bisector of the two centers, and each class is moved along
        the line's normal, away from it, just far enough that its closest point
        is ``margin`` away from the line (a class already that far stays put).
        Moving a whole class keeps the clusters' shapes.
    seed : int or None, default 0
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
        The points.
    y : ndarray of shape (n_samples,), int64
        The cluster of each point, ``0 .. n_classes - 1``.
    """
    rng = _generator(seed)
    centers = _blob_centers(centers, rng)
    n_classes = len(centers)
    n_samples = _check_n_samples(n_samples, n_classes)
    cluster_std = _check_noise(cluster_std, "cluster_std")
    if margin is not None:
        margin = _check_margin(margin, centers)

    y = _balanced_labels(n_samples, n_classes)
    X = centers[y] + cluster_std * rng.standard_normal((n_samples, 2))
    if margin is not None:
        X = _push_apart(X, y, centers, margin)
    return _shuffled(X, y, rng)


def make_xor(
    n_samples: int = 200, noise: float = 0.1, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: four clusters at the corners of a square.

    Class 1 holds the corners ``(1, -1)`` and ``(-1, 1)`` (coordinates of opposite
    signs), class 0 the corners ``(1, 1)`` and ``(-1, -1)``. No straight line
    separates the classes, so a single perceptron cannot learn it.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, split evenly between the classes and their corners.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added around each corner.
    seed : int or None, default 0
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels 0 and 1.
    """
    n_samples = _check_n_samples(n_samples, 2)
    noise = _check_noise(noise)
    rng = _generator(seed)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    y = _balanced_labels(n_samples, 2)
    # Alternate the two corners of each class, so the corners are balanced too.
    corner = 2 * y + _rank_within_class(y) % 2
    X = corners[corner] + noise * rng.standard_normal((n_samples, 2))
    return _shuffled(X, y, rng)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles ("moons"), centred on the origin.

    Class 0 is the upper half of the unit circle, class 1 the lower half of a
    unit circle shifted by ``(1, 0.5)``; each moon reaches into the other's bay.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, split evenly between the two moons.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to the coordinates.
    seed : int or None, default 0
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels 0 and 1.
    """
    n_samples = _check_n_samples(n_samples, 2)
    noise = _check_noise(noise)
    rng = _generator(seed)
    y = _balanced_labels(n_samples, 2)
    angle = np.pi * _position_within_class(y)  # evenly spaced along each moon
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    X = np.where((y == 0)[:, None], upper, lower) - np.array([0.5, 0.25])
    X += noise * rng.standard_normal((n_samples, 2))
    return _shuffled(X, y, rng)


def make_circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 outside (radius 1), class 1 inside.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, split evenly between the circles.
    noise : float, default 0.05
        Standard deviation of the Gaussian noise added to the coordinates.
    factor : float, default 0.5
        Radius of the inner circle, relative to the outer one; ``0 < factor < 1``.
    seed : int or None, default 0
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels 0 (outer circle) and 1 (inner circle).
    """
    n_samples = _check_n_samples(n_samples, 2)
    noise = _check_noise(noise)
    if not _is_real(factor) or not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be a number with 0 < factor < 1; got {factor!r}")
    rng = _generator(seed)
    y = _balanced_labels(n_samples, 2)
    angle = 2.0 * np.pi * _position_within_class(y, endpoint=False)
    radius = np.where(y == 0, 1.0, float(factor))
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += noise * rng.standard_normal((n_samples, 2))
    return _shuffled(X, y, rng)


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one class per arm.

    Each arm winds from radius 0.1 out to radius 1 through seven eighths of a
    turn; the arms start at angles ``2 pi k / n_classes``.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, split evenly between the arms.
    n_classes : int, default 3
        Number of arms (classes), at least 2.
    noise : float, default 0.2
        Standard deviation of the Gaussian noise added to each point's *angle*,
        in radians (so points near the centre move less than points outside).
    seed : int or None, default 0
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels ``0 .. n_classes - 1``.
    """
    n_classes = _check_n_classes(n_classes)
    n_samples = _check_n_samples(n_samples, n_classes)
    noise = _check_noise(noise)
    rng = _generator(seed)
    y = _balanced_labels(n_samples, n_classes)
    radius = 0.1 + 0.9 * _position_within_class(y)
    angle = 2.0 * np.pi * (y / n_classes + 0.875 * radius)
    angle += noise * rng.standard_normal(n_samples)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _shuffled(X, y, rng)


# --- building blocks --------------------------------------------------------------------------


def _balanced_labels(n_samples: int, n_classes: int) -> np.ndarray:
    """Labels ``0, 0, ..., 1, 1, ...`` with class sizes that differ by at most one."""
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return np.repeat(np.arange(n_classes, dtype=np.int64), sizes)


def _rank_within_class(y: np.ndarray) -> np.ndarray:
    """``0, 1, 2, ...`` counting the points of each class of sorted labels ``y``."""
    first_of_class = np.searchsorted(y, y)  # index of the first point with the same label
    return np.arange(len(y)) - first_of_class


def _position_within_class(y: np.ndarray, endpoint: bool = True) -> np.ndarray:
    """Evenly spaced positions in ``[0, 1]`` (``[0, 1)`` without endpoint) within each class."""
    rank = _rank_within_class(y)
    size = np.bincount(y)[y]
    if endpoint:
        return rank / np.maximum(size - 1, 1)
    return rank / size


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), y[order].astype(np.int64)


def _blob_centers(centers, rng: np.random.Generator) -> np.ndarray:
    """The given centers as a ``(n_classes, 2)`` array, or ``centers`` of them on a circle."""
    if _is_integer(centers):
        n_classes = _check_n_classes(centers, "centers")
        # Evenly spaced on a circle of radius 2, turned by a random angle.
        angle = rng.uniform(0.0, 2.0 * np.pi) + 2.0 * np.pi * np.arange(n_classes) / n_classes
        return 2.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    array = np.asarray(centers, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(
            "centers must be a number of clusters or an array of shape (n_classes, 2); "
            f"got shape {array.shape}"
        )
    _check_n_classes(len(array), "number of centers")
    if not np.all(np.isfinite(array)):
        raise ValueError("centers must be finite numbers; got NaN or infinity")
    return array


def _push_apart(X: np.ndarray, y: np.ndarray, centers: np.ndarray, margin: float) -> np.ndarray:
    """Move each class along the bisector's normal until it is ``margin`` away from it."""
    direction = centers[1] - centers[0]
    normal = direction / np.linalg.norm(direction)  # points from class 0 towards class 1
    offset = normal @ (centers[0] + centers[1]) / 2.0
    sign = np.where(y == 1, 1.0, -1.0)
    distance = sign * (X @ normal - offset)  # signed distance, positive on the correct side
    X = X.copy()
    for label in (0, 1):
        in_class = y == label
        shortfall = max(margin - distance[in_class].min(), 0.0)
        X[in_class] += sign[in_class][:, None] * shortfall * normal
    return X


# --- argument checks --------------------------------------------------------------------------


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _generator(seed: int | None) -> np.random.Generator:
    if seed is not None and not (_is_integer(seed) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer or None; got {seed!r}")
    return np.random.default_rng(seed)


def _check_n_classes(n_classes, name: str = "n_classes") -> int:
    if not _is_integer(n_classes) or n_classes < 2:
        raise ValueError(f"{name} must be an integer of at least 2; got {n_classes!r}")
    return int(n_classes)


def _check_n_samples(n_samples, n_classes: int) -> int:
    if not _is_integer(n_samples) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}")
    if n_samples < n_classes:
        raise ValueError(
            f"n_samples ({n_samples}) must be at least the number of classes ({n_classes}), "
            "so that every class gets a point"
        )
    return int(n_samples)


def _check_noise(noise, name: str = "noise") -> float:
    if not _is_real(noise) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {noise!r}")
    return float(noise)


def _check_margin(margin, centers: np.ndarray) -> float:
    if len(centers) != 2:
        raise ValueError(f"margin needs exactly 2 classes (centers); got {len(centers)}")
    if np.array_equal(centers[0], centers[1]):
        raise ValueError("margin needs two different centers; both are at the same point")
    if not _is_real(margin) or not np.isfinite(margin) or margin <= 0:
        raise ValueError(f"margin must be a finite number > 0; got {margin!r}")
    return float(margin)
