"""Synthetic sequence tasks that need a long memory: the adding problem and the copy task.

Both were designed to test whether a recurrent network can carry information across many time
steps (Hochreiter and Schmidhuber, 1997). The answer depends on inputs seen long before the
network has to produce it, so a model whose gradients vanish over time cannot learn them.

Every function returns NumPy arrays laid out *batch first*, ``(n_samples, seq_len, features)``,
which is what ``nn.RNN(..., batch_first=True)`` expects. Randomness comes only from a
:class:`numpy.random.Generator` made from the ``seed`` argument: the same seed gives the same
data, and no global random state is touched.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["make_adding_problem", "make_copy_task"]


def make_adding_problem(
    n_samples: int = 1000, seq_len: int = 50, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: add the two marked numbers of a long sequence.

    Each time step carries two features: a number drawn uniformly from ``[0, 1)`` and a marker,
    0 or 1. Exactly two steps are marked, one in the first half of the sequence and one in the
    second half; the target is the sum of their numbers. Predicting the constant 1 (the mean of
    the target) gives a mean squared error of 1/6, about 0.167; a model that learned the task
    does far better, and that needs the first marked number to be remembered over up to
    ``seq_len - 1`` steps.

    Parameters
    ----------
    n_samples : int, default 1000
        Number of sequences.
    seq_len : int, default 50
        Length of each sequence (at least 2).
    seed : int or None, default 0
        Seed of the random generator.

    Returns
    -------
    X : ndarray of shape (n_samples, seq_len, 2), float64
        ``X[..., 0]`` holds the numbers, ``X[..., 1]`` the markers.
    y : ndarray of shape (n_samples,), float64
        The sum of the two marked numbers of each sequence.

    Examples
    --------
    >>> X, y = make_adding_problem(3, seq_len=10, seed=0)
    >>> X.shape, y.shape
    ((3, 10, 2), (3,))
    >>> bool(((X[..., 0] * X[..., 1]).sum(axis=1) == y).all())
    True
    """
    n_samples = _check_positive_int(n_samples, "n_samples", 1)
    seq_len = _check_positive_int(seq_len, "seq_len", 2)
    rng = np.random.default_rng(seed)
    values = rng.random((n_samples, seq_len))
    half = seq_len // 2
    first = rng.integers(0, half, size=n_samples)
    second = rng.integers(half, seq_len, size=n_samples)
    markers = np.zeros((n_samples, seq_len))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1)
    y = values[rows, first] + values[rows, second]
    return X, y


def make_copy_task(
    n_samples: int = 1000,
    n_symbols: int = 8,
    copy_len: int = 10,
    delay: int = 20,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The copy task: read a string of symbols, wait, then write the string again.

    The input is ``copy_len`` random symbols from ``1 .. n_symbols``, then ``delay`` blanks
    (symbol 0), then the delimiter (symbol ``n_symbols + 1``) that asks for the copy, then
    ``copy_len - 1`` more blanks. The target is blank everywhere except in the last
    ``copy_len`` steps, which must repeat the symbols of the start. Guessing a random symbol in
    those steps gives a cross-entropy of ``log(n_symbols)`` there; the model can only do better
    by remembering the symbols over ``delay + copy_len`` steps.

    Parameters
    ----------
    n_samples : int, default 1000
        Number of sequences.
    n_symbols : int, default 8
        Size of the alphabet to copy (at least 1); with the blank and the delimiter the
        vocabulary has ``n_symbols + 2`` tokens.
    copy_len : int, default 10
        Length of the string to copy (at least 1).
    delay : int, default 20
        Number of blanks between the string and the delimiter (at least 0).
    seed : int or None, default 0
        Seed of the random generator.

    Returns
    -------
    inputs : ndarray of shape (n_samples, 2 * copy_len + delay), int64
        Token indices, for an ``nn.Embedding(n_symbols + 2, ...)`` or a one-hot encoding.
    targets : ndarray of shape (n_samples, 2 * copy_len + delay), int64
        The token each step should output: 0 everywhere except the copy at the end.

    Examples
    --------
    >>> x, t = make_copy_task(2, n_symbols=4, copy_len=3, delay=2, seed=1)
    >>> x.shape
    (2, 8)
    >>> bool((t[:, -3:] == x[:, :3]).all())
    True
    """
    n_samples = _check_positive_int(n_samples, "n_samples", 1)
    n_symbols = _check_positive_int(n_symbols, "n_symbols", 1)
    copy_len = _check_positive_int(copy_len, "copy_len", 1)
    delay = _check_positive_int(delay, "delay", 0)
    rng = np.random.default_rng(seed)
    total = 2 * copy_len + delay
    symbols = rng.integers(1, n_symbols + 1, size=(n_samples, copy_len))
    inputs = np.zeros((n_samples, total), dtype=np.int64)
    inputs[:, :copy_len] = symbols
    inputs[:, copy_len + delay] = n_symbols + 1
    targets = np.zeros((n_samples, total), dtype=np.int64)
    targets[:, total - copy_len :] = symbols
    return inputs, targets


def _check_positive_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)
