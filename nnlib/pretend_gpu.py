"""A pretend CUDA device for machines without a GPU: NumPy arrays that behave like CuPy's.

CI machines have no GPU, yet nnlib must run on one through CuPy with the same code as on the
CPU. The danger is code that bypasses the array-module seam (``np.zeros`` where ``xp.zeros``
was meant, ``np.asarray`` on a device array, ``isinstance(x, np.ndarray)``): it passes every
CPU test and fails on the first real GPU. This module makes such code fail on the CPU.

:class:`PretendArray` wraps a NumPy array and keeps CuPy's rules:

* it is not a ``numpy.ndarray`` (``isinstance`` checks for NumPy arrays are False for it);
* it refuses to mix with NumPy arrays (``pretend + numpy_array`` raises ``TypeError``), and
  implicit conversion (``np.asarray(pretend)``) raises; ``.get()`` is the explicit way home;
* reductions and scalar indexing return 0-d arrays, never NumPy scalars;
* it offers only the methods and functions CuPy has (:mod:`nnlib._cupy_names`), and no
  ``flags.writeable``.

:data:`xp` plays the ``cupy`` module. ``nnlib.backend.use_pretend_gpu()`` (or the environment
variable ``NNLIB_PRETEND_GPU=1``) installs it as the ``cuda`` device.

The rules are enforced when nnlib's own code breaks them. Code outside the package (a test
comparing results with ``np.testing``, say) may still convert implicitly, so the test suite
can run unchanged on the pretend device while every line of the library is held to CuPy's rules.
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import Any

import numpy as np

from nnlib import _cupy_names

__all__ = ["PretendArray", "PretendGenerator", "xp"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_THIS_FILE = os.path.abspath(__file__)


class SeamError(TypeError):
    """nnlib code used NumPy directly on a (pretend) GPU array."""


def _inside_nnlib() -> bool:
    """True if any caller on the stack is nnlib code (other than this module)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_PACKAGE_DIR) and name != _THIS_FILE:
            return True
        frame = frame.f_back
    return False


def _violation(message: str) -> None:
    """Raise like CuPy when nnlib code breaks CuPy's rules; let outside code carry on."""
    if _inside_nnlib():
        raise SeamError(
            f"{message} (the pretend GPU follows CuPy: nnlib must use the array "
            "module of its arrays, see nnlib.backend)"
        )


def _unwrap(value: Any) -> Any:
    """The NumPy arrays inside ``value``; a NumPy array with dimensions is a violation."""
    kind = type(value)
    if kind is PretendArray:
        return value._a
    if kind is np.ndarray:
        if value.ndim:
            _violation(
                f"Unsupported type {np.ndarray}: a NumPy array of shape {value.shape} "
                "mixed with a GPU array"
            )
        return value
    if kind is tuple or kind is list:
        return kind(_unwrap(v) for v in value)
    return value


def _unwrap_kwargs(kwargs: dict) -> dict:
    return {k: _unwrap(v) for k, v in kwargs.items()} if kwargs else kwargs


def _wrap(value: Any) -> Any:
    """NumPy results as pretend arrays (scalars as 0-d arrays, as CuPy returns them)."""
    kind = type(value)
    if kind is np.ndarray:
        return PretendArray(value)
    if isinstance(value, np.generic):
        return PretendArray(np.asarray(value))
    if kind is tuple or kind is list:
        return kind(_wrap(v) for v in value)
    return value


class PretendDevice:
    """What ``cupy.ndarray.device`` returns: a device with an ``id``."""

    id = 0

    def __repr__(self) -> str:
        return "<CUDA Device 0 (pretend)>"


_DEVICE = PretendDevice()


class _Flags:
    """CuPy's flags: ``c_contiguous``, ``f_contiguous`` and ``owndata`` only."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, flags: Any) -> None:
        self.c_contiguous = flags.c_contiguous
        self.f_contiguous = flags.f_contiguous
        self.owndata = flags.owndata

    def __getitem__(self, key: str) -> bool:
        names = {
            "C_CONTIGUOUS": "c_contiguous",
            "F_CONTIGUOUS": "f_contiguous",
            "OWNDATA": "owndata",
        }
        return getattr(self, names[key])


#: The pretend array around each NumPy array, so that ``.base`` keeps its identity.
_WRAPPERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class PretendArray:
    """A NumPy array on the pretend GPU, with CuPy's rules (see the module docstring)."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100

    def __init__(self, array: np.ndarray) -> None:
        self._a = array
        _WRAPPERS[id(array)] = self

    # ---------------------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        args = _unwrap(inputs)
        kwargs = _unwrap_kwargs(kwargs)
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if isinstance(out, tuple) and len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if _qualified_name(func) not in _FUNCTIONS:
            _violation(f"cupy has no {_qualified_name(func)}")
        func = _CUPY_BEHAVIOUR.get(func, func)
        return _wrap(func(*_unwrap(args), **_unwrap_kwargs(kwargs)))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        _violation(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` "
            "to construct a NumPy array explicitly."
        )
        return self._a if dtype is None else self._a.astype(dtype)

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self._a.__dlpack_device__()

    # ---------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self._a.shape

    @shape.setter
    def shape(self, value: tuple) -> None:
        self._a.shape = value

    @property
    def dtype(self) -> np.dtype:
        return self._a.dtype

    @property
    def ndim(self) -> int:
        return self._a.ndim

    @property
    def size(self) -> int:
        return self._a.size

    @property
    def strides(self) -> tuple:
        return self._a.strides

    @property
    def itemsize(self) -> int:
        return self._a.itemsize

    @property
    def nbytes(self) -> int:
        return self._a.nbytes

    @property
    def flags(self) -> _Flags:
        return _Flags(self._a.flags)

    @property
    def device(self) -> PretendDevice:
        return _DEVICE

    @property
    def T(self) -> PretendArray:  # noqa: N802 - NumPy's name
        return PretendArray(self._a.T)

    @property
    def mT(self) -> PretendArray:  # noqa: N802 - NumPy's name
        return PretendArray(self._a.mT)

    @property
    def base(self) -> Any:
        """The array this one is a view of: the same object each time, as in CuPy."""
        base = self._a.base
        if base is None or type(base) is not np.ndarray:
            return None
        wrapper = _WRAPPERS.get(id(base))
        return PretendArray(base) if wrapper is None else wrapper

    def get(self, stream: Any = None, order: str = "C", out: Any = None) -> np.ndarray:
        """A NumPy copy on the host: the explicit way off the device."""
        return np.array(self._a, order=order, copy=True)

    def set(self, array: np.ndarray) -> None:
        """Copy a host array into this one."""
        self._a[...] = array

    def __getattr__(self, name: str) -> Any:
        if name not in _cupy_names.NDARRAY:
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        if name == "diagonal":
            return lambda *args, **kwargs: _wrap(_diagonal(self._a, *args, **kwargs))
        attribute = getattr(self._a, name)
        if not callable(attribute):
            return _wrap(attribute)

        def method(*args: Any, **kwargs: Any) -> Any:
            return _wrap(attribute(*_unwrap(args), **_unwrap_kwargs(kwargs)))

        return method

    def item(self) -> Any:
        return self._a.item()

    def tolist(self) -> Any:
        return self._a.tolist()

    def fill(self, value: Any) -> None:
        self._a.fill(_unwrap(value))

    # ---------------------------------------------------------------- Python protocols
    def __getitem__(self, key: Any) -> PretendArray:
        return _wrap(self._a[_wrapped_around(_unwrap(key), self._a.shape)])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._a[_wrapped_around(_unwrap(key), self._a.shape)] = _unwrap(value)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        return (_wrap(v) for v in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __index__(self) -> int:
        return self._a.__index__()

    def __complex__(self) -> complex:
        return complex(self._a)

    def __repr__(self) -> str:
        return repr(self._a)

    def __str__(self) -> str:
        return str(self._a)

    def __format__(self, spec: str) -> str:
        return format(self._a, spec)

    def __copy__(self) -> PretendArray:
        return PretendArray(self._a.copy())

    def __deepcopy__(self, memo: dict) -> PretendArray:
        return PretendArray(self._a.copy())

    def __reduce__(self) -> Any:
        return PretendArray, (self.get(),)  # like CuPy: pickled through a host copy

    __hash__ = None  # type: ignore[assignment]


def _wrapped_around(key: Any, shape: tuple) -> Any:
    """CuPy wraps out-of-range integer array indices around instead of raising as NumPy does.

    (For keys of integer arrays, integers and slices; others are left to NumPy.)
    """
    parts = key if isinstance(key, tuple) else (key,)
    if not any(type(p) is np.ndarray and p.dtype.kind in "iu" for p in parts) or any(
        p is None or p is Ellipsis or (type(p) is np.ndarray and p.dtype.kind == "b") for p in parts
    ):
        return key
    wrapped = [
        np.mod(p, shape[dim])
        if type(p) is np.ndarray and p.dtype.kind in "iu" and dim < len(shape) and shape[dim]
        else p
        for dim, p in enumerate(parts)
    ]
    return tuple(wrapped) if isinstance(key, tuple) else wrapped[0]


def _binary(ufunc: np.ufunc, reflected: bool = False) -> Any:
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


def _inplace(ufunc: np.ufunc) -> Any:
    def method(self: PretendArray, other: Any) -> PretendArray:
        ufunc(self, other, out=(self,))
        return self

    return method


for _name, _ufunc in {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "truediv": np.true_divide,
    "floordiv": np.floor_divide,
    "mod": np.remainder,
    "pow": np.power,
    "matmul": np.matmul,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "xor": np.bitwise_xor,
    "lshift": np.left_shift,
    "rshift": np.right_shift,
}.items():
    setattr(PretendArray, f"__{_name}__", _binary(_ufunc))
    setattr(PretendArray, f"__r{_name}__", _binary(_ufunc, reflected=True))
    setattr(PretendArray, f"__i{_name}__", _inplace(_ufunc))
for _name, _ufunc in {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}.items():
    setattr(PretendArray, f"__{_name}__", _binary(_ufunc))
PretendArray.__neg__ = lambda self: np.negative(self)
PretendArray.__pos__ = lambda self: np.positive(self)
PretendArray.__abs__ = lambda self: np.absolute(self)
PretendArray.__invert__ = lambda self: np.invert(self)
PretendArray.__divmod__ = lambda self, other: np.divmod(self, other)


def _diagonal(a: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
    """CuPy's diagonal is a writeable view (NumPy's is read-only)."""
    view = np.diagonal(a, *args, **kwargs)
    if a.flags.writeable:
        view.setflags(write=True)
    return view


#: NumPy functions that CuPy runs differently, and how.
_CUPY_BEHAVIOUR = {np.diagonal: _diagonal}


def _qualified_name(func: Any) -> str:
    """``"concatenate"``, ``"linalg.norm"`` or ``"lib.stride_tricks.sliding_window_view"``."""
    module = getattr(func, "__module__", "") or ""
    name = func.__name__
    if "linalg" in module:
        return "linalg." + name
    if "stride_tricks" in module:
        return "lib.stride_tricks." + name
    return name


_FUNCTIONS = (
    _cupy_names.MODULE
    | {"linalg." + n for n in _cupy_names.LINALG}
    | {"lib.stride_tricks." + n for n in _cupy_names.STRIDE_TRICKS}
)

#: Functions that copy host data onto the device: the explicit way there.
_TRANSFERS = {"asarray", "array", "asanyarray", "ascontiguousarray"}


def _transfer(function: Any) -> Any:
    def to_device(obj: Any, *args: Any, **kwargs: Any) -> PretendArray:
        if type(obj) is PretendArray:
            obj = obj._a
        elif isinstance(obj, (list, tuple)):
            obj = _unwrap(obj)
        result = function(obj, *args, **kwargs)
        return PretendArray(np.asarray(result))

    return to_device


def _device_function(function: Any) -> Any:
    def on_device(*args: Any, **kwargs: Any) -> Any:
        return _wrap(function(*_unwrap(args), **_unwrap_kwargs(kwargs)))

    on_device.__name__ = getattr(function, "__name__", "function")
    return on_device


class _Namespace:
    """A module-like object that offers NumPy's functions under CuPy's names only."""

    def __init__(self, numpy_module: Any, names: frozenset, label: str) -> None:
        self._numpy = numpy_module
        self._names = names
        self._label = label

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name not in self._names or not hasattr(self._numpy, name):
            raise AttributeError(f"module {self._label!r} has no attribute {name!r}")
        obj = getattr(self._numpy, name)
        if name == "ndarray":
            obj = PretendArray
        elif name in _TRANSFERS:
            obj = _transfer(obj)
        elif obj in _CUPY_BEHAVIOUR:
            obj = _device_function(_CUPY_BEHAVIOUR[obj])
        elif isinstance(obj, (np.ufunc, type, np.dtype)) or not callable(obj):
            pass  # ufuncs dispatch to PretendArray by themselves; dtypes and constants as is
        else:
            obj = _device_function(obj)
        setattr(self, name, obj)
        return obj

    def __repr__(self) -> str:
        return f"<pretend module {self._label!r}>"


def _as_strided(x: PretendArray, shape: Any = None, strides: Any = None) -> PretendArray:
    """CuPy's ``as_strided``: no ``writeable`` or ``subok`` arguments (CuPy has neither)."""
    return PretendArray(np.lib.stride_tricks.as_strided(_unwrap(x), shape, strides))


_stride_tricks = _Namespace(
    np.lib.stride_tricks, _cupy_names.STRIDE_TRICKS, "cupy.lib.stride_tricks"
)
_stride_tricks.as_strided = _as_strided


class _Lib:
    stride_tricks = _stride_tricks


class PretendGenerator:
    """The device's random generator: CuPy's ``Generator`` methods, drawing with NumPy."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)

    def __getattr__(self, name: str) -> Any:
        if name not in _cupy_names.GENERATOR:
            raise AttributeError(f"'cupy.random.Generator' object has no attribute {name!r}")
        method = getattr(self._rng, name)
        return lambda *args, **kwargs: PretendArray(
            np.asarray(method(*_unwrap(args), **_unwrap_kwargs(kwargs)))
        )


class _Random:
    @staticmethod
    def default_rng(seed: int | None = None) -> PretendGenerator:
        return PretendGenerator(seed)


#: The pretend ``cupy`` module.
xp = _Namespace(np, _cupy_names.MODULE, "cupy")
xp.linalg = _Namespace(np.linalg, _cupy_names.LINALG, "cupy.linalg")
xp.lib = _Lib()
xp.random = _Random()
xp.ndarray = PretendArray
xp.__name__ = "cupy (pretend)"
