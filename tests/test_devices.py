"""``nnlib.devices.torch_device``: where the PyTorch twins of the chapters run."""

from __future__ import annotations

import sys

import pytest
import torch

from nnlib.devices import torch_device


def test_auto_follows_cuda_availability() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert torch_device() == expected
    assert torch_device("auto") == expected


@pytest.mark.parametrize("available", [True, False])
def test_auto_picks_cuda_only_when_visible(monkeypatch, available) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    assert torch_device("auto") == ("cuda" if available else "cpu")


@pytest.mark.parametrize("name", ["cpu", "CPU", " cpu "])
def test_cpu_is_always_cpu(name) -> None:
    assert torch_device(name) == "cpu"


def test_the_device_fixture_resolves_to_itself(device) -> None:
    resolved = torch_device(device)
    assert resolved == device
    assert torch.zeros(1, device=resolved).device.type == device


def test_cuda_without_a_gpu_explains_how_to_get_one(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"no CUDA device.*Change runtime type > GPU"):
        torch_device("cuda")
    with pytest.raises(RuntimeError, match=r"'cuda:1'.*no CUDA device"):
        torch_device("cuda:1")


def test_cuda_index_must_exist(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert torch_device("cuda") == "cuda"
    assert torch_device("cuda:1") == "cuda:1"
    with pytest.raises(RuntimeError, match=r"'cuda:2'.*only 2 CUDA device\(s\): cuda:0 to cuda:1"):
        torch_device("cuda:2")


@pytest.mark.parametrize("name", ["gpu", "tpu", "mps", "cuda:", "cuda:x", "cuda0", "", "autox"])
def test_unknown_names_list_the_accepted_ones(name) -> None:
    accepted = r'"auto", "cpu", "cuda" or "cuda:N"'
    with pytest.raises(ValueError, match=rf"unknown device .*{accepted}"):
        torch_device(name)


@pytest.mark.parametrize("name", [0, None, torch.device("cpu")])
def test_non_strings_are_rejected(name) -> None:
    with pytest.raises(ValueError, match="device name must be a string"):
        torch_device(name)


def test_missing_torch_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r"PyTorch .* not installed.*pip install torch"):
        torch_device("auto")
