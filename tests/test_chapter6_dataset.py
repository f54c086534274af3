"""Chapter 6 with ``DATASET = "mnist"`` / ``"fashion-mnist"``, offline, on small IDX files.

Readers online (or on a Colab GPU) can switch the chapter from the shipped 8x8 digits to MNIST or
Fashion-MNIST. This test runs that path with papermill: it writes four small IDX files in the
layout of the real ones (28x28 uint8 images, uint8 labels) into a temporary cache, passes their
SHA-256 sums as ``DATA_CHECKSUMS`` and the cache as ``DATA_ROOT``, so nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnlib.curriculum import CHAPTERS
from nnlib.datasets.idx import write_idx
from nnlib.datasets.mnist import FILES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import run_notebooks  # noqa: E402

NOTEBOOK = ROOT / "chapters" / f"{CHAPTERS[6][0]}.ipynb"


def _make_files(folder: Path, n_train: int, n_test: int, seed: int) -> dict[str, str]:
    """Write small MNIST-like files; return {file name: SHA-256}."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    checksums = {}
    for split, n in [("train", n_train), ("test", n_test)]:
        labels = np.arange(n, dtype=np.uint8) % 10
        images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):  # a bright block whose place depends on the class
            row, col = 4 + 2 * (label // 5) * 5, 4 + 4 * (label % 5)
            images[i, row : row + 6, col : col + 4] = 255
        image_file, label_file = FILES[split]
        for name, array in [(image_file, images), (label_file, labels)]:
            write_idx(array, folder / name)
            checksums[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    return checksums


def _text(nb) -> str:
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_chapter_runs_on_mnist_files(dataset: str, tmp_path: Path) -> None:
    checksums = _make_files(tmp_path / "cache" / dataset, n_train=60, n_test=30, seed=0)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = dict(nb.metadata["nnfp"]["test_parameters"])
    parameters.update(
        DATASET=dataset,
        DATA_ROOT=str(tmp_path / "cache"),
        DATA_CHECKSUMS=checksums,
        N_TRAIN=40,
        N_VAL=20,
        N_TEST=20,
    )
    out = tmp_path / NOTEBOOK.name
    executed = run_notebooks.execute(NOTEBOOK, out, parameters=parameters, timeout=600)
    text = _text(executed)
    assert f"{dataset}: 28x28 images; train 40, val 20, test 20" in text
    # the networks are built for 28x28 inputs: 16 maps of 7x7 after two poolings
    assert "Linear(in_features=784, out_features=10, bias=True) (2, 10)" in text
    assert "gradient of 7.weight  (10, 784)       agrees: True" in text
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "DATA_CHECKSUMS" in injected[0].source


@pytest.mark.slow
def test_unknown_dataset_is_rejected(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = dict(nb.metadata["nnfp"]["test_parameters"], DATASET="cifar")
    with pytest.raises(run_notebooks.NotebookRunError, match="DATASET must be 'digits'"):
        run_notebooks.execute(NOTEBOOK, tmp_path / "out.ipynb", parameters=parameters, timeout=600)
