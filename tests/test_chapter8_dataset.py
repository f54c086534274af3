"""Chapter 8's DATASET switch: the whole chapter runs on (small, made) MNIST-format files.

The test writes tiny gzip IDX files with MNIST's names, shapes and dtypes into a temporary
cache, hands the notebook that folder and the files' checksums through its parameters, and runs
it with papermill and the chapter's small test parameters. Nothing is downloaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from tests.test_chapter9_dataset import made_mnist

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "chapters" / "08_gan.ipynb"
sys.path.insert(0, str(ROOT / "tools"))

import run_notebooks  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_chapter8_runs_on_mnist_format_files(tmp_path: Path, dataset: str) -> None:
    checksums = made_mnist(tmp_path / "cache" / dataset, {"train": 60, "test": 20})
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = dict(nb.metadata["nnfp"]["test_parameters"])
    parameters.update(
        DATASET=dataset,
        DATA_ROOT=str(tmp_path / "cache"),
        DATA_CHECKSUMS=checksums,
        N_TRAIN=60,
        CHANNELS=4,
    )
    out = tmp_path / "08_gan.ipynb"
    run_notebooks.execute(NOTEBOOK, out, parameters=parameters, timeout=600)
    executed = nbformat.read(out, as_version=4)
    text = "\n".join(
        "".join(output.get("text", ""))
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert f"{dataset}: 60 training images of 28x28 pixels" in text
    assert "ConvTranspose2d(16, 4, kernel_size=(7, 7)" in text  # the 28-pixel DCGAN
    assert "step 3: nnlib" in text  # the torch cross-check ran on 28x28 images
