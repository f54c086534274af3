"""``DataLoader``: iterate over a data set in (shuffled) mini-batches.

Each pass over a :class:`DataLoader` is one *epoch*: it visits every sample
exactly once, in order, or in a fresh random order when ``shuffle=True``, and
yields batches of ``batch_size`` samples (the last one smaller unless
``drop_last=True``).

Two ways to build a batch:

* **fast path** -- for a :class:`~nnlib.data.dataset.TensorDataset` (or a
  :class:`~nnlib.data.dataset.Subset` of one) with the default collate, the batch
  is gathered with one fancy index per tensor, ``t._array[indices]``: no Python
  loop over samples;
* **generic path** -- otherwise ``dataset[i]`` is called for each index and the
  list of samples is merged by ``collate_fn`` (:func:`default_collate` by default).

Both give the same batches: a tuple of tensors whose first dimension is the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from numbers import Integral
from typing import Any

import numpy as np

from nnlib.backend import array_module
from nnlib.data.dataset import Dataset, Subset, TensorDataset, resolve_generator
from nnlib.random import default_generator
from nnlib.tensor import Tensor, _tensor_from_array, from_numpy

__all__ = ["DataLoader", "default_collate"]


def _stack(arrays: list[np.ndarray], kind: str) -> np.ndarray:
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(
            f"default_collate cannot stack {kind}s of different shapes into a batch: "
            f"got shapes {sorted(shapes)}"
        )
    return np.stack(arrays)


def default_collate(batch: list[Any]) -> Any:
    """Merge a list of samples into a batch, like ``torch.utils.data.default_collate``.

    Tensors and NumPy arrays of equal shape ``S`` are stacked into one tensor of
    shape ``(B, *S)`` keeping their dtype; NumPy scalars become a tensor of their
    dtype; Python ``bool``/``int``/``float`` become bool/int64/float64 tensors of
    shape ``(B,)``; strings stay a list. Tuples, lists and dicts are collated field
    by field and keep their type, so samples ``(x, y)`` give a batch ``(X, Y)``.

    Parameters
    ----------
    batch : list
        ``B >= 1`` samples of the same structure.

    Returns
    -------
    The batch, with the structure of one sample. Tensors in it are new tensors,
    not connected to any autograd graph.
    """
    if not batch:
        raise ValueError("default_collate needs at least one sample")
    first = batch[0]
    if any(type(sample) is not type(first) for sample in batch):
        kinds = sorted({type(sample).__name__ for sample in batch})
        raise TypeError(f"default_collate got samples of mixed types {kinds}")
    if isinstance(first, Tensor):
        return from_numpy(_stack([s._array for s in batch], "tensor"))
    if isinstance(first, np.ndarray):
        if first.dtype == object:
            raise TypeError("default_collate cannot batch numpy arrays of dtype object")
        return from_numpy(_stack(batch, "array"))
    if isinstance(first, np.generic):
        return from_numpy(np.array(batch))
    if isinstance(first, bool):
        return from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(first, Integral):
        return from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(first, str | bytes):
        return list(batch)
    if isinstance(first, Mapping):
        keys = list(first)
        if any(list(sample) != keys for sample in batch):
            raise ValueError(
                f"default_collate got dict samples with different keys (first: {keys})"
            )
        return type(first)({key: default_collate([s[key] for s in batch]) for key in keys})
    if isinstance(first, tuple | list):
        lengths = {len(sample) for sample in batch}
        if len(lengths) != 1:
            raise ValueError(
                f"default_collate got {type(first).__name__} samples of different lengths "
                f"{sorted(lengths)}"
            )
        fields = [default_collate(list(column)) for column in zip(*batch, strict=True)]
        if hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return type(first)(fields)
    raise TypeError(
        f"default_collate does not know how to batch samples of type {type(first).__name__}; "
        "pass a collate_fn"
    )


def _gather_batch(dataset: Dataset) -> Callable[[np.ndarray], tuple[Tensor, ...]] | None:
    """Return ``indices -> batch`` gathering a whole batch with one index per tensor.

    Only for a plain :class:`TensorDataset` (or a :class:`Subset` chain over one);
    ``None`` for other data sets, including subclasses that override
    ``__getitem__`` (their samples may differ from the raw rows).
    """
    if isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        inner = _gather_batch(dataset.dataset)
        if inner is None:
            return None
        return lambda indices: inner(dataset.indices[indices])
    if (
        isinstance(dataset, TensorDataset)
        and type(dataset).__getitem__ is TensorDataset.__getitem__
    ):
        # One gather per tensor, on the tensor's device (a data set kept on the GPU stays there).
        return lambda indices: tuple(
            _tensor_from_array(t._array[array_module(t._array).asarray(indices)])
            for t in dataset.tensors
        )
    return None


class DataLoader:
    """Iterate over ``dataset`` in mini-batches, optionally shuffled each epoch.

    Parameters
    ----------
    dataset : Dataset
        A map-style data set (``__len__`` and ``__getitem__``) with ``N >= 1`` samples.
    batch_size : int, default 1
        Samples per batch ``B``.
    shuffle : bool, default False
        Visit the samples in a new random order in every epoch.
    drop_last : bool, default False
        Drop the last batch when it has fewer than ``batch_size`` samples.
    generator : int, numpy.random.Generator or None
        Source of the shuffling. An int seed makes the loader's sequence of
        epoch orders repeatable; a Generator is used (and advanced) as is.
        ``None``: every epoch draws a fresh seed from nnlib's global generator,
        so ``nnlib.manual_seed`` makes runs repeatable.
    collate_fn : callable, optional
        Merges a list of samples into a batch; default :func:`default_collate`.
    num_workers, pin_memory, timeout, worker_init_fn, persistent_workers, prefetch_factor
        Accepted so that torch programs run unchanged, and ignored: nnlib loads batches in
        the main process (a NumPy gather is already fast) and has no GPU memory to pin.

    Batches are new tensors, not connected to any autograd graph (data sets hold
    inputs and targets, which need no gradient).

    Examples
    --------
    >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=0)
    >>> for xb, yb in loader:      # xb: (32, ...) except maybe the last batch
    ...     ...
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: int | np.random.Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        persistent_workers: bool = False,
        prefetch_factor: int | None = None,
    ) -> None:
        if not isinstance(num_workers, Integral) or num_workers < 0:
            raise ValueError(
                f"num_workers option should be non-negative; use num_workers=0 to disable "
                f"multiprocessing (got {num_workers!r})"
            )
        if not isinstance(batch_size, Integral) or isinstance(batch_size, bool):
            raise TypeError(f"batch_size must be a positive int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size}")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                "DataLoader needs a map-style data set with __len__ and __getitem__, "
                f"got {type(dataset).__name__}"
            )
        if len(dataset) == 0:
            raise ValueError("DataLoader got an empty data set (len(dataset) == 0)")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = None if generator is None else resolve_generator(generator)
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        """Number of batches in one epoch."""
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def _epoch_order(self) -> np.ndarray:
        """The sample indices of one epoch, shape (N,)."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator
        if rng is None:
            # One draw from the global stream per epoch, whatever N is.
            rng = np.random.default_rng(int(default_generator().integers(2**63 - 1)))
        return rng.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._epoch_order()
        gather = _gather_batch(self.dataset) if self.collate_fn is None else None
        collate = self.collate_fn if self.collate_fn is not None else default_collate
        for batch in range(len(self)):
            indices = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            if gather is not None:
                yield gather(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
