"""Data sets: indexable collections of samples, shaped like ``torch.utils.data``.

A *data set* is anything with ``__len__`` and ``__getitem__(i)`` that returns the
``i``-th sample. :class:`TensorDataset` wraps tensors that share their first
dimension (sample ``i`` is the tuple of their ``i``-th rows), :class:`Subset`
views a data set through a list of indices, and :func:`random_split` cuts a data
set into random, non-overlapping subsets (train / validation / test).

Example
-------
>>> x, y = nnlib.randn(100, 3), nnlib.zeros(100, dtype=nnlib.int64)
>>> data = TensorDataset(x, y)
>>> features, label = data[0]          # shapes (3,) and ()
>>> train, val = random_split(data, [0.8, 0.2], generator=0)
>>> len(train), len(val)
(80, 20)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from nnlib.random import default_generator
from nnlib.tensor import Tensor, from_numpy

__all__ = ["Dataset", "Subset", "TensorDataset", "random_split", "resolve_generator"]


def resolve_generator(generator: int | np.random.Generator | None) -> np.random.Generator:
    """Turn the ``generator=`` argument of the data utilities into a NumPy generator.

    Parameters
    ----------
    generator
        An int seed (a new ``numpy.random.Generator`` seeded with it), a
        ``numpy.random.Generator`` (used as is, so its state advances), or
        ``None`` for nnlib's global generator (reseed it with ``nnlib.manual_seed``).
    """
    if generator is None:
        return default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        "generator must be None, an int seed or a numpy.random.Generator, "
        f"got {type(generator).__name__}"
    )


class Dataset:
    """Base class of map-style data sets: subclasses define ``__getitem__`` and ``__len__``.

    ``dataset[i]`` returns sample ``i`` for ``0 <= i < len(dataset)``; a sample is
    typically a tuple ``(input, target)`` of tensors, arrays or numbers.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """A data set made of tensors that share their first dimension.

    Parameters
    ----------
    *tensors : Tensor or numpy.ndarray
        Each of shape ``(N, ...)``; arrays are wrapped with ``nnlib.from_numpy``
        (sharing memory, keeping their dtype). Sample ``i`` is ``tuple(t[i] for t in tensors)``.

    Attributes
    ----------
    tensors : tuple of Tensor
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        wrapped = []
        for position, item in enumerate(tensors):
            if isinstance(item, np.ndarray):
                item = from_numpy(item)
            if not isinstance(item, Tensor):
                raise TypeError(
                    f"TensorDataset takes tensors or numpy arrays, got {type(item).__name__} "
                    f"at position {position}"
                )
            if item.ndim == 0:
                raise ValueError(
                    f"TensorDataset needs tensors with a first (sample) dimension, "
                    f"got a 0-dimensional tensor at position {position}"
                )
            wrapped.append(item)
        sizes = [t.shape[0] for t in wrapped]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"all tensors of a TensorDataset must have the same size in dimension 0, "
                f"got sizes {sizes} (shapes {[tuple(t.shape) for t in wrapped]})"
            )
        self.tensors: tuple[Tensor, ...] = tuple(wrapped)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        if not isinstance(index, Integral):
            if isinstance(index, (slice, list, np.ndarray, Tensor)):  # a batch, as in torch
                return tuple(t[index] for t in self.tensors)
            raise TypeError(
                f"TensorDataset index must be an int, a slice or a list/tensor of indices, got "
                f"{type(index).__name__}"
            )
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a TensorDataset of length {size}")
        return tuple(t[int(index)] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at the given ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
        Positions in ``dataset``, each in ``[0, len(dataset))``.

    Attributes
    ----------
    dataset : Dataset
    indices : numpy.ndarray of int64, shape (len(self),)
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        positions = np.asarray(indices)
        if positions.size == 0:
            positions = positions.astype(np.int64)
        if positions.ndim != 1 or not np.issubdtype(positions.dtype, np.integer):
            raise TypeError(
                f"Subset indices must be a 1-D sequence of ints, got dtype {positions.dtype} "
                f"and shape {positions.shape}"
            )
        size = len(dataset)
        if positions.size and (positions.min() < 0 or positions.max() >= size):
            bad = positions[(positions < 0) | (positions >= size)][0]
            raise IndexError(f"Subset index {bad} is out of range for a data set of length {size}")
        self.dataset = dataset
        self.indices: np.ndarray = positions.astype(np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(total: int, lengths: Sequence[int | float]) -> list[int]:
    """Turn ``lengths`` (counts, or fractions summing to 1) into counts summing to ``total``."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split needs at least one length")
    if all(isinstance(n, Integral) and not isinstance(n, bool) for n in lengths):
        counts = [int(n) for n in lengths]
        if any(n < 0 for n in counts):
            raise ValueError(f"random_split lengths must be non-negative, got {counts}")
        if sum(counts) != total:
            raise ValueError(
                f"random_split lengths {counts} sum to {sum(counts)}, "
                f"but the data set has {total} samples"
            )
        return counts
    if not all(isinstance(f, Real) and not isinstance(f, bool) for f in lengths):
        raise TypeError(f"random_split lengths must be ints or fractions, got {lengths}")
    fractions = [float(f) for f in lengths]
    if any(not 0.0 <= f <= 1.0 for f in fractions):
        raise ValueError(f"random_split fractions must lie in [0, 1], got {fractions}")
    if not math.isclose(sum(fractions), 1.0):
        raise ValueError(f"random_split fractions {fractions} sum to {sum(fractions)}, not 1")
    counts = [math.floor(total * f) for f in fractions]
    # Hand out the samples lost to rounding down one by one, first split first (as torch does).
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: int | np.random.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets.

    Parameters
    ----------
    dataset : Dataset
        Any data set with ``__len__`` (length ``N``).
    lengths : sequence of int or float
        Sizes of the subsets, summing to ``N``; or fractions summing to 1, turned
        into sizes by rounding down and then giving the leftover samples one by
        one to the first subsets (``[0.8, 0.2]`` of 101 samples gives 81 and 20).
    generator : int, numpy.random.Generator or None
        Source of the random permutation (see :func:`resolve_generator`).

    Returns
    -------
    list of Subset
        ``len(lengths)`` subsets; together they hold every sample exactly once.
    """
    counts = _split_lengths(len(dataset), lengths)
    order = resolve_generator(generator).permutation(len(dataset))
    bounds = np.cumsum([0, *counts])
    return [
        Subset(dataset, order[start:stop])
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True)
    ]
