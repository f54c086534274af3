"""nnlib.datasets.digits: the 8x8 digits shipped inside the package."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnlib.datasets.digits as digits
from nnlib.data import DataLoader, TensorDataset, random_split
from nnlib.datasets.digits import DIGITS_SHA256, load_digits
from nnlib.tensor import Tensor

DATA_FILE = Path(digits.__file__).parent / "data" / "digits.npz"


def test_shapes_dtypes_and_ranges():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert set(np.unique(labels)) == set(range(10))
    assert np.bincount(labels).min() >= 170  # about 180 images of every digit


def test_raw_pixels_are_counts_and_scaling_divides_by_16():
    raw, raw_labels = load_digits(raw=True)
    scaled, labels = load_digits()
    assert raw.dtype == np.uint8 and raw.max() == 16
    np.testing.assert_array_equal(scaled, raw.astype(np.float32) / 16)
    np.testing.assert_array_equal(labels, raw_labels)


def test_matches_scikit_learn_copy():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    reference = sklearn_datasets.load_digits()
    raw, labels = load_digits(raw=True)
    np.testing.assert_array_equal(raw, reference.images.astype(np.uint8))
    np.testing.assert_array_equal(raw.astype(np.float64), reference.images)
    np.testing.assert_array_equal(labels, reference.target)


def test_as_tensor():
    images, labels = load_digits(as_tensor=True)
    assert isinstance(images, Tensor) and isinstance(labels, Tensor)
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.dtype == np.int64


def test_each_call_returns_fresh_arrays():
    images, _ = load_digits()
    images[:] = -1
    assert load_digits()[0].min() == 0.0


def test_shipped_file_checksum_and_format():
    data = DATA_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == DIGITS_SHA256
    with np.load(DATA_FILE, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["images", "labels"]


def test_damaged_file_is_detected(monkeypatch):
    monkeypatch.setattr(digits, "DIGITS_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="digits data file .* is damaged: its SHA-256"):
        load_digits()


def test_works_without_scikit_learn():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from nnlib.datasets.digits import load_digits\n"
        "x, y = load_digits(); assert x.shape == (1797, 8, 8)\n"
        "assert 'sklearn' not in [m.split('.')[0] for m in sys.modules if sys.modules[m]]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_make_digits_tool_reproduces_the_shipped_file(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    tool_dir = Path(__file__).parents[1] / "tools"
    monkeypatch.syspath_prepend(str(tool_dir))
    import make_digits

    images, labels = make_digits.read_sklearn_digits()
    data = make_digits.npz_bytes({"images": images, "labels": labels})
    assert hashlib.sha256(data).hexdigest() == DIGITS_SHA256


def test_split_and_load_in_batches():
    images, labels = load_digits(as_tensor=True)
    data = TensorDataset(images.reshape(1797, 64), labels)
    train, val, test = random_split(data, [0.6, 0.2, 0.2], generator=0)
    assert [len(train), len(val), len(test)] == [1079, 359, 359]
    seen = [yb.shape[0] for _, yb in DataLoader(train, batch_size=128, shuffle=True, generator=0)]
    assert sum(seen) == 1079 and seen[0] == 128
