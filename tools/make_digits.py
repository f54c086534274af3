"""Build ``nnlib/datasets/data/digits.npz`` from scikit-learn's copy of the digits data.

Run once from the repository root (scikit-learn must be installed)::

    python tools/make_digits.py

The data is the test set of the UCI "Optical Recognition of Handwritten Digits"
data set (E. Alpaydin and C. Kaynak, 1998), licensed CC BY 4.0; scikit-learn
ships it as ``sklearn/datasets/data/digits.csv.gz``. We store it as an ``.npz``
archive holding ``images`` (uint8, shape (1797, 8, 8), values 0..16) and
``labels`` (int64, shape (1797,)).

The archive is written byte for byte reproducibly (fixed zip timestamps, fixed
entry order), so running the script again gives the same file and the same
SHA-256, which the script prints and ``nnlib.datasets.digits`` checks.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).resolve().parents[1] / "nnlib" / "datasets" / "data" / "digits.npz"

#: A fixed timestamp for every zip entry, so the archive does not depend on the clock.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def read_sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """Read scikit-learn's ``digits.csv.gz``: 64 pixel columns, then the label column."""
    source = resources.files("sklearn.datasets") / "data" / "digits.csv.gz"
    with gzip.open(io.BytesIO(source.read_bytes()), "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    if table.shape != (1797, 65):
        raise ValueError(f"expected a (1797, 65) table in {source}, got {table.shape}")
    pixels, labels = table[:, :64], table[:, 64]
    if pixels.min() < 0 or pixels.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise ValueError("pixel values must lie in 0..16 and labels in 0..9")
    return pixels.reshape(-1, 8, 8).astype(np.uint8), labels.astype(np.int64)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Write ``arrays`` as a compressed ``.npz`` archive with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in arrays.items():
            entry = io.BytesIO()
            np.save(entry, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entry.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main() -> None:
    images, labels = read_sklearn_digits()
    data = npz_bytes({"images": images, "labels": labels})
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(data)
    print(f"wrote {OUTPUT} ({len(data)} bytes)")
    print(f"sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
