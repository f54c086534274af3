"""Reused memory for the large temporaries of the fused layers (convolutions, recurrent layers).

Why this exists: a fresh NumPy array of a few megabytes costs a page fault for every 4 KB page
the first time it is written, because the C allocator gives large freed blocks back to the
operating system and has to ask for them again. A training step that allocates the same
buffers every time pays for that every time: measured here, the forward and backward pass of a
one-layer LSTM (T=50, N=32, 64 -> 128) re-faulted 12 MB per call, about a sixth of its time,
and reusing the 19 MB columns of the input gradient made forward + backward of a
(32, 64, 16, 16) 3x3 convolution a quarter faster. Keeping the blocks and handing them out
again removes that cost.

Two kinds of buffers:

* :func:`scratch` - a temporary that never leaves the function asking for it (it is gone
  before the function returns). Its block is reused by the next call with the same name.
* :func:`recycled` - an array that may outlive the call: saved for the backward pass, or
  returned inside a view. Its block is handed out again only once nothing refers to it any
  more: every NumPy view keeps a reference to the array that owns the memory, so a block
  whose reference count has fallen back to the pool's own references is free.

Blocks larger than :data:`MAX_KEPT_BYTES` are never kept, and :func:`empty_cache` drops the
kept blocks of the calling thread. On a GPU, CuPy's memory pool already reuses blocks: both
functions then return a fresh array.
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any

import numpy as np

from nnlib.backend import array_module

__all__ = ["MAX_KEPT_BYTES", "empty_cache", "recycled", "scratch"]

#: Blocks above this size are allocated fresh and not kept (their page faults are then a
#: small part of the work done on them, and keeping them would hold much memory).
MAX_KEPT_BYTES = 64 << 20
#: At most this many blocks are kept per name for :func:`recycled` (e.g. one per layer of a
#: deep recurrent network, times two while one step's graph and the next overlap).
KEPT_PER_NAME = 8

_KEPT = threading.local()  # per thread: "scratch" -> {name: block}, "recycled" -> {name: [blocks]}


def _kept(kind: str) -> dict:
    kept = _KEPT.__dict__.get(kind)
    if kept is None:
        kept = _KEPT.__dict__[kind] = {}
    return kept


def _view(block: np.ndarray, shape: tuple, dtype: np.dtype) -> np.ndarray:
    return block[: math.prod(shape) * dtype.itemsize].view(dtype).reshape(shape)


def scratch(name: str, shape: tuple, dtype: Any, like: Any) -> Any:
    """An uninitialised array for a temporary that never leaves the function asking for it.

    The block behind it is reused by the next call with the same ``name`` (it grows to the
    largest size asked for), so the array is valid only until then: a function may use it for
    its own intermediate results, never for what it returns or saves. ``like`` is an array on
    the device the buffer should live on.
    """
    xp = array_module(like)
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if xp is not np or nbytes > MAX_KEPT_BYTES:
        return xp.empty(shape, dtype=dtype)
    blocks = _kept("scratch")
    block = blocks.get(name)
    if block is None or block.size < nbytes:
        block = blocks[name] = np.empty(nbytes, dtype=np.uint8)
    return _view(block, shape, dtype)


def _reference_counts(blocks: list) -> list[int]:
    return [sys.getrefcount(block) for block in blocks]


# What _reference_counts reports for a block that only the list refers to. Measured rather than
# assumed, because the count includes the interpreter's own temporary references.
_ONLY_IN_LIST = (
    _reference_counts([np.empty(1, dtype=np.uint8)])[0] if hasattr(sys, "getrefcount") else None
)


def recycled(name: str, shape: tuple, dtype: Any, like: Any) -> Any:
    """An uninitialised array that may outlive the call, on reused memory where that is safe.

    A kept block is handed out again only when no array refers to it any more (none of the
    arrays given out from it, nor any view of them, is alive), so the result may be saved for
    a backward pass or returned. ``like`` is an array on the device the buffer should live on.
    """
    xp = array_module(like)
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if xp is not np or nbytes > MAX_KEPT_BYTES or _ONLY_IN_LIST is None:
        return xp.empty(shape, dtype=dtype)
    blocks = _kept("recycled").setdefault(name, [])
    counts = _reference_counts(blocks)
    free = [block for block, count in zip(blocks, counts, strict=True) if count == _ONLY_IN_LIST]
    fitting = [block for block in free if block.size >= nbytes]
    if fitting:
        return _view(min(fitting, key=len), shape, dtype)
    block = np.empty(nbytes, dtype=np.uint8)
    if len(blocks) < KEPT_PER_NAME:
        blocks.append(block)
    elif free:  # make room: the new block replaces the smallest free one
        smallest = min(free, key=len)
        blocks[next(i for i, kept in enumerate(blocks) if kept is smallest)] = block
    return _view(block, shape, dtype)


def empty_cache() -> None:
    """Forget the blocks kept for the calling thread (arrays still in use stay valid)."""
    _KEPT.__dict__.clear()
