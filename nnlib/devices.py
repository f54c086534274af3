"""Choose the PyTorch device that the chapters' cross-checks run on.

Each chapter checks ``nnlib`` against a PyTorch twin. The parameters cell of every
chapter sets ``DEVICE = "auto"``, and :func:`torch_device` turns that into the
device the twin runs on: a GPU when PyTorch sees one, the CPU otherwise. Where
``nnlib`` itself computes (NumPy on the CPU, CuPy on a GPU) is chosen by
``nnlib.pick_device`` (chapter 2), from the same ``DEVICE``.
"""

from __future__ import annotations

import re

__all__ = ["torch_device"]

_CUDA_NAME = re.compile(r"cuda(:\d+)?")

_ACCEPTED = '"auto", "cpu", "cuda" or "cuda:N" (N = 0, 1, ...)'


def torch_device(name: str = "auto") -> str:
    """Resolve a device name to the PyTorch device string to use.

    Parameters
    ----------
    name : str, default "auto"
        ``"auto"`` picks ``"cuda"`` when PyTorch sees a GPU and ``"cpu"`` otherwise;
        ``"cpu"``, ``"cuda"`` and ``"cuda:N"`` ask for that device explicitly.

    Returns
    -------
    str
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``, ready for ``tensor.to(...)``.

    Raises
    ------
    ValueError
        If ``name`` is not one of the accepted names.
    RuntimeError
        If a CUDA device is asked for but none (or not that one) is visible.
    ImportError
        If PyTorch is not installed.
    """
    if not isinstance(name, str):
        raise ValueError(f"device name must be a string: {_ACCEPTED}; got {name!r}")
    key = name.strip().lower()
    if key not in ("auto", "cpu") and not _CUDA_NAME.fullmatch(key):
        raise ValueError(f"unknown device {name!r}; use {_ACCEPTED}")

    torch = _import_torch()
    if key == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if key == "cpu":
        return "cpu"
    if not torch.cuda.is_available():
        raise RuntimeError(
            f"device {name!r} was requested, but PyTorch sees no CUDA device. Use "
            'DEVICE = "auto" or "cpu", or run on a machine with an NVIDIA GPU '
            "(on Colab: Runtime > Change runtime type > GPU)."
        )
    index = int(key.partition(":")[2] or 0)
    count = torch.cuda.device_count()
    if index >= count:
        raise RuntimeError(
            f"device {name!r} was requested, but PyTorch sees only {count} CUDA "
            f"device(s): cuda:0 to cuda:{count - 1}"
        )
    return key


def _import_torch():
    """Import PyTorch on demand: chapter 1 does not need it to be installed."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "PyTorch is needed to cross-check nnlib against it, but it is not installed; "
            "install it with `pip install torch` (see https://pytorch.org for GPU builds)"
        ) from error
    return torch
