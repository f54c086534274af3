"""The global random number generator behind every random op in ``nnlib``.

Random ops (``rand``, ``randn``, weight initialisation, dropout, shuffling) take an
optional ``generator=`` (a ``numpy.random.Generator``) and fall back to
:func:`default_generator`. :func:`manual_seed` makes a whole program reproducible,
like ``torch.manual_seed``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["default_generator", "manual_seed"]

_generator: np.random.Generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator with ``seed`` and return it.

    Parameters
    ----------
    seed : int
        Any non-negative integer.
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The global generator that random ops use when no ``generator=`` is given."""
    return _generator
