"""Chapter 9's DATASET switch: the whole chapter runs on (small, made) MNIST-format files.

The test writes four tiny gzip IDX files with MNIST's names, shapes and dtypes into a temporary
cache, hands the notebook that folder and the files' checksums through its parameters, and runs
it with papermill and the chapter's small test parameters. Nothing is downloaded.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnlib.datasets.idx import to_idx_bytes
from nnlib.datasets.mnist import FILES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "chapters" / "09_vae.ipynb"
sys.path.insert(0, str(ROOT / "tools"))

import run_notebooks  # noqa: E402


def made_mnist(folder: Path, sizes: dict[str, int], seed: int = 0) -> dict[str, str]:
    """Write MNIST-format files with blurry random strokes; return their SHA-256 checksums."""
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


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["mnist"])
def test_chapter9_runs_on_mnist_format_files(tmp_path: Path, dataset: str) -> None:
    checksums = made_mnist(tmp_path / "cache" / dataset, {"train": 60, "test": 20})
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = dict(nb.metadata["nnfp"]["test_parameters"])
    parameters.update(
        DATASET=dataset,
        DATA_ROOT=str(tmp_path / "cache"),
        DATA_CHECKSUMS=checksums,
        N_TRAIN=60,
        N_TEST=20,
    )
    out = tmp_path / "09_vae.ipynb"
    run_notebooks.execute(NOTEBOOK, out, parameters=parameters, timeout=600)
    executed = nbformat.read(out, as_version=4)
    text = "\n".join(
        "".join(output.get("text", ""))
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert f"{dataset}: 60 training and 20 test images of 28x28 pixels" in text
    assert "step 4: nnlib" in text  # the torch cross-check ran on 784-pixel images
