"""Chapter 8's DATASET switch: the whole chapter runs on (small, made) MNIST-format files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._made_mnist import ROOT, run_on_made_mnist

NOTEBOOK = ROOT / "chapters" / "08_gan.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_chapter8_runs_on_mnist_format_files(tmp_path: Path, dataset: str) -> None:
    _, text = run_on_made_mnist(
        NOTEBOOK, tmp_path, dataset, {"train": 60, "test": 20}, N_TRAIN=60, CHANNELS=4
    )
    assert f"{dataset}: 60 training images of 28x28 pixels" in text
    assert "ConvTranspose2d(16, 4, kernel_size=(7, 7)" in text  # the 28-pixel DCGAN
    assert "step 3: nnlib" in text  # the torch cross-check ran on 28x28 images
