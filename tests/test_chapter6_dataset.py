"""Chapter 6 with ``DATASET = "mnist"`` / ``"fashion-mnist"``, offline, on small IDX files.

Readers online (or on a Colab GPU) can switch the chapter from the shipped 8x8 digits to MNIST or
Fashion-MNIST. This test runs that path with papermill: it writes four small IDX files in the
layout of the real ones (28x28 uint8 images, uint8 labels) into a temporary cache, passes their
SHA-256 sums as ``DATA_CHECKSUMS`` and the cache as ``DATA_ROOT``, so nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nnlib.curriculum import CHAPTERS
from tests._made_mnist import ROOT, run_notebooks, run_on_made_mnist

NOTEBOOK = ROOT / "chapters" / f"{CHAPTERS[6][0]}.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_chapter_runs_on_mnist_files(dataset: str, tmp_path: Path) -> None:
    executed, text = run_on_made_mnist(
        NOTEBOOK,
        tmp_path,
        dataset,
        {"train": 60, "test": 30},
        N_TRAIN=40,
        N_VAL=20,
        N_TEST=20,
    )
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
