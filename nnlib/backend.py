"""The array-module seam: where ``nnlib`` gets the library that does its array math.

Every op asks this module for ``xp`` (the array module) instead of importing NumPy
directly. Today ``xp`` is always NumPy and the only device is the CPU; a GPU
backend (CuPy has NumPy's interface) could slot in here without touching the ops.
"""

from __future__ import annotations

from types import ModuleType

import numpy

__all__ = ["Device", "array_module", "available_devices", "check_device", "get_array_module"]


class Device(str):
    """A device name such as ``"cpu"`` or ``"cuda:0"``; behaves like the string itself.

    ``Device("cuda:1").type == "cuda"`` and ``Device("cuda:1").index == 1``, like
    ``torch.device``.
    """

    __slots__ = ()

    def __new__(cls, name: str | Device = "cpu") -> Device:
        return super().__new__(cls, str(name).strip().lower())

    @property
    def type(self) -> str:
        """The kind of device: ``"cpu"``, ``"cuda"``, ..."""
        return self.split(":", 1)[0]

    @property
    def index(self) -> int | None:
        """The device number after the colon, or ``None``."""
        _, _, number = self.partition(":")
        return int(number) if number else None

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"


CPU = Device("cpu")


def available_devices() -> list[Device]:
    """The devices ``nnlib`` can compute on: only the CPU (NumPy) today."""
    return [CPU]


def check_device(device: str | Device | None) -> Device:
    """Return ``device`` as a :class:`Device`, or raise if ``nnlib`` cannot compute on it.

    ``None`` means the CPU.

    Raises
    ------
    RuntimeError
        If the device is not one of :func:`available_devices`.
    """
    if device is None:
        return CPU
    if device.__class__ is Device and device == "cpu":
        return device
    dev = Device(str(device))
    if dev.type not in {d.type for d in available_devices()}:
        raise RuntimeError(
            f"device {str(dev)!r} is not available to nnlib: nnlib computes on the CPU with NumPy "
            f"today (available devices: {', '.join(available_devices())})"
        )
    return CPU


def get_array_module(device: str | Device = "cpu") -> ModuleType:
    """The array module for ``device``: NumPy for the CPU (the only device today)."""
    if device != "cpu":
        check_device(device)
    return numpy


def array_module(*arrays: object) -> ModuleType:
    """The array module that owns ``arrays`` (like ``cupy.get_array_module``): NumPy today."""
    return numpy
