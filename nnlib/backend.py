"""The array-module seam: where ``nnlib`` gets the library that does its array math.

Every op asks this module for ``xp``, the array module of its inputs, instead of importing
NumPy directly: NumPy for arrays on the CPU, CuPy (which has NumPy's interface) for arrays on a
CUDA GPU. The same lines of code then run on both devices.

* :func:`array_module` gives the module that owns some arrays (``cupy.get_array_module``);
* :func:`get_array_module` the module that creates arrays on a device;
* :func:`device_of` and :func:`move` say where an array lives and copy it elsewhere;
* :func:`available_devices` lists ``cpu`` and, where CuPy finds GPUs, ``cuda:0``, ``cuda:1``...

CuPy stays optional: without it (or without a GPU) only the CPU is available. Machines without
a GPU can still check the GPU code path with a pretend device (:func:`use_pretend_gpu`, or the
environment variable ``NNLIB_PRETEND_GPU=1``): see :mod:`nnlib.pretend_gpu`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy

__all__ = [
    "Device",
    "array_module",
    "available_devices",
    "check_device",
    "device_mismatch",
    "device_of",
    "get_array_module",
    "get_default_device",
    "is_array",
    "is_writeable",
    "move",
    "pick_device",
    "set_default_device",
    "use_pretend_gpu",
]

#: Device types torch knows; nnlib computes on ``cpu`` and ``cuda``.
_TORCH_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia")


class Device(str):
    """A device name such as ``"cpu"`` or ``"cuda:0"``; behaves like the string itself.

    ``Device("cuda:1").type == "cuda"`` and ``Device("cuda:1").index == 1``, like
    ``torch.device``.
    """

    __slots__ = ()

    def __new__(cls, name: str | Device | int = "cpu", index: int | None = None) -> Device:
        if isinstance(name, int) and not isinstance(name, bool):
            name, index = "cuda", name  # torch.device(0) is cuda:0
        text = str(name).strip().lower()
        if index is not None:
            text = f"{text}:{index}"
        return super().__new__(cls, text)

    @property
    def type(self) -> str:
        """The kind of device: ``"cpu"``, ``"cuda"``, ..."""
        return self.split(":", 1)[0]

    @property
    def index(self) -> int | None:
        """The device number after the colon, or ``None``."""
        _, _, number = self.partition(":")
        return int(number) if number.isdigit() else None

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"


CPU = Device("cpu")


class _CuPyBackend:
    """CUDA through CuPy."""

    name = "CuPy"

    def __init__(self, cupy: ModuleType) -> None:
        self.xp = cupy
        self.array_type = cupy.ndarray

    def device_count(self) -> int:
        return self.xp.cuda.runtime.getDeviceCount()

    def device_of(self, array: Any) -> Device:
        return Device(f"cuda:{array.device.id}")

    def to_host(self, array: Any) -> numpy.ndarray:
        return array.get()

    def to_device(self, array: Any, index: int) -> Any:
        with self.xp.cuda.Device(index):
            return self.xp.array(array, copy=True)

    def context(self, index: int) -> Any:
        return self.xp.cuda.Device(index)

    def generator(self, index: int, seed: int | None) -> Any:
        with self.xp.cuda.Device(index):
            return self.xp.random.default_rng(seed)

    def synchronize(self, index: int | None) -> None:
        if index is None:
            self.xp.cuda.Device().synchronize()
        else:
            self.xp.cuda.Device(index).synchronize()


class _PretendBackend:
    """One pretend CUDA device made of NumPy arrays that keep CuPy's rules (CI has no GPU)."""

    name = "the pretend GPU"

    def __init__(self) -> None:
        from nnlib import pretend_gpu

        self.module = pretend_gpu
        self.xp = pretend_gpu.xp
        self.array_type = pretend_gpu.PretendArray

    def device_count(self) -> int:
        return 1

    def device_of(self, array: Any) -> Device:
        return Device("cuda:0")

    def to_host(self, array: Any) -> numpy.ndarray:
        return array.get()

    def to_device(self, array: Any, index: int) -> Any:
        if isinstance(array, self.array_type):
            array = array.get()
        return self.array_type(numpy.array(array, copy=True))

    def context(self, index: int) -> Any:
        return contextlib.nullcontext()

    def generator(self, index: int, seed: int | None) -> Any:
        return self.module.PretendGenerator(seed)

    def synchronize(self, index: int | None) -> None:
        return None


def _find_cupy() -> tuple[_CuPyBackend | None, str]:
    """CuPy's backend if CuPy imports and sees a GPU, else ``None`` and the reason."""
    try:
        import cupy
    except ImportError:
        return None, "CuPy is not installed (pip install cupy-cuda12x on a machine with a GPU)"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # no driver, no device: CuPy raises its CUDA errors
        return None, f"CuPy is installed but finds no CUDA GPU ({error})"
    if count == 0:
        return None, "CuPy is installed but finds no CUDA GPU"
    return _CuPyBackend(cupy), ""


_cuda: _CuPyBackend | _PretendBackend | None = None
_cuda_searched = False
_why_no_cuda = ""
_default_device: Device = CPU


def _cuda_backend() -> _CuPyBackend | _PretendBackend | None:
    """The CUDA backend, looked for once (importing CuPy takes a while, so only when asked)."""
    global _cuda, _cuda_searched, _why_no_cuda
    if not _cuda_searched:
        _cuda_searched = True
        _cuda, _why_no_cuda = _find_cupy()
    return _cuda


if os.environ.get("NNLIB_PRETEND_GPU", "") not in ("", "0"):
    _cuda, _cuda_searched = _PretendBackend(), True


@contextlib.contextmanager
def use_pretend_gpu() -> Iterator[None]:
    """Within this block, ``cuda`` is the pretend GPU of :mod:`nnlib.pretend_gpu`.

    For tests on machines without a GPU: device semantics and the GPU code path run with NumPy
    arrays that keep CuPy's rules. Tensors made inside the block should not outlive it.
    """
    global _cuda, _cuda_searched, _default_device
    saved = (_cuda, _cuda_searched, _default_device)
    _cuda, _cuda_searched = _PretendBackend(), True
    try:
        yield
    finally:
        _cuda, _cuda_searched, _default_device = saved


def available_devices() -> list[Device]:
    """The devices ``nnlib`` can compute on: ``cpu``, then ``cuda:N`` for each GPU CuPy finds."""
    backend = _cuda_backend()
    if backend is None:
        return [CPU]
    return [CPU] + [Device(f"cuda:{i}") for i in range(backend.device_count())]


def check_device(device: Any) -> Device:
    """Return ``device`` as a :class:`Device` ``nnlib`` can compute on, or raise.

    ``None`` means the default device (:func:`get_default_device`, the CPU unless changed);
    ``"cuda"`` means ``"cuda:0"``; an ``int`` ``n`` means ``"cuda:n"``.

    Raises
    ------
    RuntimeError
        For a string that names no device, or a device nnlib cannot use here.
    """
    if device is None:
        return _default_device
    if device.__class__ is Device and device == "cpu":
        return device
    dev = Device(device if isinstance(device, int) else str(device))
    kind, _, number = dev.partition(":")
    if kind not in _TORCH_DEVICE_TYPES or (number and not number.isdigit()):
        raise RuntimeError(
            f"unknown device {str(device)!r}: expected 'cpu', 'cuda' or 'cuda:N' (N = 0, 1, ...)"
        )
    if kind == "cpu":
        return CPU
    if kind != "cuda":
        raise RuntimeError(
            f"device {str(dev)!r} is not available to nnlib: nnlib computes on the CPU (NumPy) "
            "and on CUDA GPUs (CuPy)"
        )
    backend = _cuda_backend()
    if backend is None:
        raise RuntimeError(
            f"device {str(dev)!r} is not available to nnlib: {_why_no_cuda}. Use 'cpu', or "
            "check first with nnlib.cuda.is_available()"
        )
    index = dev.index or 0
    count = backend.device_count()
    if index >= count:
        raise RuntimeError(
            f"device {str(dev)!r} is not available to nnlib: {backend.name} has {count} CUDA "
            f"device(s), cuda:0 to cuda:{count - 1}"
        )
    return Device(f"cuda:{index}")


def pick_device(name: str = "auto") -> Device:
    """The device to compute on: ``"auto"`` picks ``cuda:0`` when nnlib can use a GPU, else the CPU.

    ``"cpu"``, ``"cuda"`` and ``"cuda:N"`` ask for that device (and raise if nnlib cannot use
    it). The chapters call this with their ``DEVICE`` parameter.
    """
    if not isinstance(name, str) or name.strip().lower() != "auto":
        return check_device(name)
    gpus = [d for d in available_devices() if d.type == "cuda"]
    return gpus[0] if gpus else CPU


def set_default_device(device: Any) -> None:
    """Make new tensors and modules land on ``device`` by default, like torch's function."""
    global _default_device
    _default_device = CPU if device is None else check_device(device)


def get_default_device() -> Device:
    """The device new tensors land on when no ``device=`` is given (the CPU unless changed)."""
    return _default_device


def get_array_module(device: Any = "cpu") -> ModuleType:
    """The array module that makes arrays on ``device``: NumPy for the CPU, CuPy for ``cuda``."""
    if device == "cpu":
        return numpy
    if check_device(device).type == "cpu":
        return numpy
    return _cuda.xp


def array_module(*arrays: Any) -> ModuleType:
    """The array module that owns ``arrays`` (arrays or tensors), like ``cupy.get_array_module``."""
    if _cuda is not None:
        kind = _cuda.array_type
        for array in arrays:
            if isinstance(getattr(array, "_array", array), kind):
                return _cuda.xp
    return numpy


def is_array(value: Any) -> bool:
    """True for a NumPy array or a GPU array."""
    return isinstance(value, numpy.ndarray) or (
        _cuda is not None and isinstance(value, _cuda.array_type)
    )


def device_of(array: Any) -> Device:
    """The device an array lives on."""
    if _cuda is not None and isinstance(array, _cuda.array_type):
        return _cuda.device_of(array)
    return CPU


def move(array: Any, device: Device) -> Any:
    """``array`` on ``device`` (itself if it is there already; a copy otherwise)."""
    source = device_of(array)
    if source == device:
        return array
    if device.type == "cpu":
        return _cuda.to_host(array)
    return _cuda.to_device(array, device.index or 0)


def device_context(device: Device) -> Any:
    """A context in which new arrays are made on ``device``."""
    if device.type == "cpu":
        return contextlib.nullcontext()
    return _cuda.context(device.index or 0)


def device_mismatch(first: Any, second: Any, detail: str) -> RuntimeError:
    """torch's error for tensors on two devices; ``detail`` says which op and what to do."""
    return RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, "
        f"{first} and {second}! ({detail})"
    )


def is_writeable(array: Any) -> bool:
    """False for NumPy's read-only views; GPU arrays are always writeable."""
    return array.flags.writeable if isinstance(array, numpy.ndarray) else True


def device_generator(device: Device, seed: int | None) -> Any:
    """A new random generator that draws on ``device`` (a GPU's own generator)."""
    return _cuda.generator(device.index or 0, seed)


def synchronize(device: Any = None) -> None:
    """Wait until the GPU has finished its queued work (nothing to wait for on the CPU)."""
    backend = _cuda_backend()
    if backend is not None:
        index = None if device is None else check_device(device).index
        backend.synchronize(index)
