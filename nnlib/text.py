"""Text as numbers, and numbers back as text: what a character-level language model needs.

* :class:`CharTokenizer` maps each distinct character of a corpus to an integer and back.
* :func:`batchify` and :func:`bptt_batches` cut one long stream of token ids into the windows
  of *truncated backpropagation through time*: ``batch_size`` parallel streams, read
  ``seq_len`` steps at a time, so that window ``k + 1`` of a row continues window ``k`` of the
  same row and the recurrent state can be carried from one window to the next.
* :func:`sample_with_temperature` draws the next token from a model's logits, sharpened or
  flattened by a temperature.

Everything works on NumPy arrays (logits may also be a tensor), so it serves any model.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np

from nnlib.backend import CPU, is_array, move
from nnlib.random import default_generator

__all__ = ["CharTokenizer", "batchify", "bptt_batches", "sample_with_temperature"]


class CharTokenizer:
    """A vocabulary of characters: ``encode`` text to int64 ids, ``decode`` ids to text.

    The ids are the positions of the characters in sorted order, so the same corpus always gives
    the same vocabulary.

    Parameters
    ----------
    text : str
        The corpus; its distinct characters form the vocabulary.

    Attributes
    ----------
    chars : list of str
        The vocabulary, sorted; ``chars[i]`` is the character with id ``i``.

    Examples
    --------
    >>> tok = CharTokenizer("hello")
    >>> tok.chars
    ['e', 'h', 'l', 'o']
    >>> tok.encode("hole")
    array([1, 3, 2, 0])
    >>> tok.decode([1, 0, 2, 2, 3])
    'hello'
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise ValueError("CharTokenizer needs a non-empty string to build its vocabulary")
        self.chars: list[str] = sorted(set(text))
        self._index = {ch: i for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        """Number of distinct characters."""
        return len(self.chars)

    def __len__(self) -> int:
        return len(self.chars)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"

    def encode(self, text: str) -> np.ndarray:
        """The ids of the characters of ``text``, an int64 array of shape ``(len(text),)``.

        Raises
        ------
        KeyError
            If ``text`` holds a character that is not in the vocabulary (it is named).
        """
        try:
            return np.fromiter((self._index[ch] for ch in text), dtype=np.int64, count=len(text))
        except KeyError as error:
            raise KeyError(
                f"character {error.args[0]!r} is not in the tokenizer's vocabulary "
                f"of {self.vocab_size} characters"
            ) from None

    def decode(self, ids: object) -> str:
        """The text spelled by ``ids`` (any integer sequence, array or tensor).

        Raises
        ------
        IndexError
            If an id is outside ``0 .. vocab_size - 1``.
        """
        if hasattr(ids, "detach") and hasattr(ids, "cpu"):  # an nnlib or torch tensor
            ids = ids.detach().cpu().numpy()
        elif is_array(ids):  # a NumPy or GPU array
            ids = move(ids, CPU)
        ids = np.asarray(ids).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            bad = ids[(ids < 0) | (ids >= self.vocab_size)][0]
            raise IndexError(
                f"id {int(bad)} is outside the vocabulary (0 .. {self.vocab_size - 1})"
            )
        return "".join(self.chars[int(i)] for i in ids)


def batchify(ids: np.ndarray, batch_size: int) -> np.ndarray:
    """Cut a stream of ids into ``batch_size`` equal, contiguous rows.

    Row ``b`` holds ``ids[b * L : (b + 1) * L]`` with ``L = len(ids) // batch_size``; the
    leftover ``len(ids) % batch_size`` ids at the end are dropped.

    Parameters
    ----------
    ids : array-like of shape (n,)
        The token stream.
    batch_size : int
        Number of parallel streams (rows).

    Returns
    -------
    ndarray of shape (batch_size, n // batch_size)
        A view of ``ids`` where possible.

    Examples
    --------
    >>> batchify(np.arange(10), 3)
    array([[0, 1, 2],
           [3, 4, 5],
           [6, 7, 8]])
    """
    ids = np.asarray(ids)
    batch_size = _check_positive(batch_size, "batch_size")
    if ids.ndim != 1:
        raise ValueError(f"batchify expects a 1-D stream of ids, got shape {ids.shape}")
    length = len(ids) // batch_size
    if length < 2:
        raise ValueError(
            f"a stream of {len(ids)} ids is too short for {batch_size} rows of at least 2 ids"
        )
    return ids[: batch_size * length].reshape(batch_size, length)


def bptt_batches(rows: np.ndarray, seq_len: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Windows for truncated backpropagation through time over batchified ``rows``.

    Yields ``(inputs, targets)`` pairs of shape ``(batch_size, <= seq_len)``; ``targets`` are the
    inputs shifted one step to the left (the next character). Consecutive windows continue each
    other row by row, so the hidden state at the end of one window is the right initial state
    for the next one. The last window may be shorter.

    Parameters
    ----------
    rows : ndarray of shape (batch_size, L)
        The output of :func:`batchify`.
    seq_len : int
        Steps per window: how far back gradients flow.

    Examples
    --------
    >>> [(x.tolist(), t.tolist()) for x, t in bptt_batches(np.arange(7)[None], 3)]
    [([[0, 1, 2]], [[1, 2, 3]]), ([[3, 4, 5]], [[4, 5, 6]])]
    """
    rows = np.asarray(rows)
    seq_len = _check_positive(seq_len, "seq_len")
    if rows.ndim != 2:
        raise ValueError(f"bptt_batches expects rows of shape (batch_size, L), got {rows.shape}")
    for start in range(0, rows.shape[1] - 1, seq_len):
        stop = min(start + seq_len, rows.shape[1] - 1)
        yield rows[:, start:stop], rows[:, start + 1 : stop + 1]


def sample_with_temperature(
    logits: object,
    temperature: float = 1.0,
    generator: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Draw one class per row from ``softmax(logits / temperature)``.

    A temperature below 1 sharpens the distribution towards the most likely classes, above 1
    flattens it towards uniform; ``temperature=0`` takes the most likely class (greedy decoding,
    the first one on ties).

    Parameters
    ----------
    logits : array-like or Tensor of shape (C,) or (N, C)
        Unnormalised log-probabilities, on any device: they are copied to the host, where the
        class is drawn (so a seed draws the same classes wherever the model runs).
    temperature : float, default 1.0
        Non-negative.
    generator : numpy.random.Generator, int or None
        Where the randomness comes from: a generator, a seed, or ``None`` for nnlib's global
        generator (:func:`nnlib.manual_seed`).

    Returns
    -------
    ndarray of int64, shape () for 1-D logits, else (N,)
        The drawn classes.

    Examples
    --------
    >>> int(sample_with_temperature([0.0, 5.0, 1.0], temperature=0))
    1
    """
    if hasattr(logits, "detach") and hasattr(logits, "cpu"):  # an nnlib or torch tensor
        logits = logits.detach().cpu().numpy()
    elif is_array(logits):  # a NumPy or GPU array: drawn on the host
        logits = move(logits, CPU)
    scores = np.asarray(logits, dtype=np.float64)
    if scores.ndim not in (1, 2) or scores.shape[-1] == 0:
        raise ValueError(f"logits must have shape (C,) or (N, C) with C >= 1, got {scores.shape}")
    if np.isnan(scores).any():
        raise ValueError("logits contain NaN; cannot sample")
    if not isinstance(temperature, numbers.Real) or temperature < 0:
        raise ValueError(f"temperature must be a non-negative number, got {temperature!r}")
    rows = np.atleast_2d(scores)
    if temperature == 0:
        drawn = rows.argmax(axis=1)
    else:
        rng = generator if isinstance(generator, np.random.Generator) else None
        if rng is None:
            rng = default_generator() if generator is None else np.random.default_rng(generator)
        with np.errstate(over="ignore"):  # far-apart logits: the small ones become -inf
            scaled = (rows - rows.max(axis=1, keepdims=True)) / temperature
        probs = np.exp(scaled)
        cumulative = np.cumsum(probs, axis=1)
        # inverse-CDF sampling: one uniform per row, vectorized over rows
        u = rng.random((len(rows), 1)) * cumulative[:, -1:]
        drawn = np.minimum((cumulative <= u).sum(axis=1), rows.shape[1] - 1)
    drawn = drawn.astype(np.int64)
    return drawn[0] if scores.ndim == 1 else drawn


def _check_positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
