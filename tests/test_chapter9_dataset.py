"""Chapter 9's DATASET switch: the whole chapter runs on (small, made) MNIST-format files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._made_mnist import ROOT, run_on_made_mnist

NOTEBOOK = ROOT / "chapters" / "09_vae.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["mnist"])
def test_chapter9_runs_on_mnist_format_files(tmp_path: Path, dataset: str) -> None:
    _, text = run_on_made_mnist(
        NOTEBOOK, tmp_path, dataset, {"train": 60, "test": 20}, N_TRAIN=60, N_TEST=20
    )
    assert f"{dataset}: 60 training and 20 test images of 28x28 pixels" in text
    assert "step 4: nnlib" in text  # the torch cross-check ran on 784-pixel images
