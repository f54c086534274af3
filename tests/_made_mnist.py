"""Small MNIST-format files for the chapters' ``DATASET`` tests, and a run of a chapter on them.

Chapters 6, 8 and 9 switch from the shipped 8x8 digits to MNIST or Fashion-MNIST with their
``DATASET`` parameter. Their tests write tiny gzip IDX files with MNIST's names, shapes and dtypes
into a temporary cache, hand the notebook that folder and the files' checksums (``DATA_ROOT``,
``DATA_CHECKSUMS``) and run it with papermill and the chapter's small test parameters. Nothing is
downloaded.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import nbformat
import numpy as np

from nnlib.datasets.idx import to_idx_bytes
from nnlib.datasets.mnist import FILES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import run_notebooks  # noqa: E402


def made_mnist(folder: Path, sizes: dict[str, int], seed: int = 0) -> dict[str, str]:
    """Write MNIST-format files with simple class-dependent strokes; return their SHA-256 sums."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    checksums = {}
    for split, n in sizes.items():
        image_name, label_name = FILES[split]
        labels = (np.arange(n) % 10).astype(np.uint8)  # every class present
        images = np.zeros((n, 28, 28), np.uint8)
        rows = rng.integers(4, 24, size=n)
        images[np.arange(n), rows, :] = 255  # one bright row per image, position varies
        images[np.arange(n), :, 4 + 2 * labels] = 200  # and a column that depends on the label
        for name, array in ((image_name, images), (label_name, labels)):
            data = gzip.compress(to_idx_bytes(array), mtime=0)
            (folder / name).write_bytes(data)
            checksums[name] = hashlib.sha256(data).hexdigest()
    return checksums


def run_on_made_mnist(
    notebook: Path, tmp_path: Path, dataset: str, sizes: dict[str, int], **parameters: object
) -> tuple[nbformat.NotebookNode, str]:
    """Run ``notebook`` with its test parameters on made ``dataset`` files of ``sizes``.

    ``parameters`` override the notebook's test parameters. Returns the executed notebook and
    the text of all its stream outputs.
    """
    checksums = made_mnist(tmp_path / "cache" / dataset, sizes)
    nb = nbformat.read(notebook, as_version=4)
    values = dict(nb.metadata["nnfp"]["test_parameters"])
    values.update(
        DATASET=dataset, DATA_ROOT=str(tmp_path / "cache"), DATA_CHECKSUMS=checksums, **parameters
    )
    executed = run_notebooks.execute(
        notebook, tmp_path / notebook.name, parameters=values, timeout=600
    )
    text = "\n".join(
        "".join(output.get("text", ""))
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    return executed, text
