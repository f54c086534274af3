"""The 8x8 handwritten digits: a small real data set that ships with nnlib.

1797 grey-scale images of the digits 0 to 9, 8 x 8 pixels each, with their
labels: small enough to train on in seconds on a laptop, real enough to overfit.
The data is available offline: it lives inside the package in
``nnlib/datasets/data/digits.npz`` and is checked against a SHA-256 on every load.

Source and licence: the test set of the UCI *Optical Recognition of Handwritten
Digits* data set, E. Alpaydin and C. Kaynak (1998), UCI Machine Learning
Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). We only changed the storage
format (``tools/make_digits.py`` converts scikit-learn's copy of it).

To make train / validation / test sets, wrap the arrays in a
:class:`~nnlib.data.dataset.TensorDataset` and use
:func:`~nnlib.data.dataset.random_split`::

    images, labels = load_digits()
    data = TensorDataset(images.reshape(len(images), -1), labels)
    train, val, test = random_split(data, [0.6, 0.2, 0.2], generator=0)
"""

from __future__ import annotations

import io

import numpy as np

from nnlib.datasets.packaged import read_packaged_file
from nnlib.tensor import Tensor, from_numpy

__all__ = ["DIGITS_SHA256", "load_digits"]

#: SHA-256 of ``nnlib/datasets/data/digits.npz`` (printed by ``tools/make_digits.py``).
DIGITS_SHA256 = "985d13e98cdfa2294ceb21ca39ab435978034563d125424a7bb6831d4283c745"

#: Largest pixel value: each pixel counts the "on" pixels of a 4 x 4 block.
MAX_PIXEL = 16


def _read_archive() -> bytes:
    return read_packaged_file(
        "digits.npz", DIGITS_SHA256, "digits data file", "tools/make_digits.py"
    )


def load_digits(
    raw: bool = False, as_tensor: bool = False
) -> tuple[np.ndarray, np.ndarray] | tuple[Tensor, Tensor]:
    """Load the 1797 handwritten 8x8 digits and their labels.

    Parameters
    ----------
    raw : bool, default False
        ``False``: images as float32 scaled to ``[0, 1]`` (pixel / 16).
        ``True``: the stored uint8 pixel counts ``0..16``.
    as_tensor : bool, default False
        Return nnlib tensors instead of NumPy arrays.

    Returns
    -------
    images : numpy.ndarray or Tensor, shape (1797, 8, 8)
        float32 in ``[0, 1]`` (or uint8 in ``0..16`` when ``raw``).
    labels : numpy.ndarray or Tensor, shape (1797,)
        int64 digit classes ``0..9``.
    """
    with np.load(io.BytesIO(_read_archive()), allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
    if not raw:
        images = images.astype(np.float32) / np.float32(MAX_PIXEL)
    if as_tensor:
        return from_numpy(images), from_numpy(labels)
    return images, labels
