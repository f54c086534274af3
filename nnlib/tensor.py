"""``Tensor``: an array that remembers how it was computed, and the factories that make tensors.

A :class:`Tensor` wraps a NumPy array (``.data``) and, when it was computed from tensors that
require gradients, the graph node that made it (``.grad_fn``). Calling ``.backward()`` on a
scalar result fills the ``.grad`` of every leaf tensor that requires grad.

How the methods reach the ops
-----------------------------
The operations themselves live in :mod:`nnlib.ops` (one module per family), and the ops
import ``Tensor`` from here. To avoid a circular import, this module imports the ops package
only at its very bottom, as ``_ops``; every method below (``t.exp()``, ``t + u``, ...) is
listed in the class body so readers and editors can see it, and simply calls the op of the
same name through ``_ops`` when it runs.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Iterator, Sequence
from typing import Any
from weakref import ref as weakref_ref

import numpy as np

from nnlib.backend import CPU, Device, array_module, check_device, get_array_module
from nnlib.random import default_generator

__all__ = [
    "Tensor",
    "arange",
    "bool_",
    "empty",
    "eye",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "int32",
    "int64",
    "linspace",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "tensor",
    "uint8",
    "zeros",
    "zeros_like",
]

# Data types are plain ``numpy.dtype`` objects; ``nnlib.float32`` plays ``torch.float32``.
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")
#: The dtype of new floating-point tensors, like torch's default dtype.
default_float_dtype = float32

# ``bool`` cannot be a module-level name here without hiding the builtin inside this module,
# so ``from nnlib.tensor import bool`` is served by this module ``__getattr__`` (PEP 562).
_MODULE_ALIASES = {"bool": bool_}


def __getattr__(name: str) -> Any:
    if name in _MODULE_ALIASES:
        return _MODULE_ALIASES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _as_dtype(dtype: Any) -> np.dtype | None:
    """``None`` stays ``None``; anything NumPy understands becomes a ``numpy.dtype``."""
    return None if dtype is None else np.dtype(dtype)


def _check_requires_grad(dtype: np.dtype) -> None:
    if dtype.kind not in "fc":
        raise RuntimeError(
            f"only Tensors of floating point dtype can require gradients; got dtype {dtype}. "
            "Convert first, e.g. t.float()"
        )


def _infer_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    """Turn Python data into an array with torch's default dtypes.

    Python floats become float32, ints int64 and bools bool; NumPy arrays and scalars keep
    their dtype (float64 stays float64, like ``torch.from_numpy``).
    """
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data, dtype=dtype)
    array = np.array(data)
    if dtype is not None:
        return array.astype(dtype, copy=False)
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(default_float_dtype, copy=False)
    if kind in "iu":
        return array.astype(int64, copy=False)
    if kind == "b":
        return array
    raise TypeError(
        f"tensor(): cannot make a tensor from data of type {type(data).__name__} "
        f"(NumPy read it as dtype {array.dtype}); pass numbers, nested lists or an array"
    )


class Tensor:
    """An n-dimensional array with automatic differentiation.

    Parameters
    ----------
    data : array_like or Tensor
        The values. A NumPy array is used as it is (no copy); a Tensor shares its array.
        Python data follows :func:`tensor`'s dtype rules.
    requires_grad : bool
        Record operations on this tensor so that ``backward()`` fills its ``.grad``.

    Attributes
    ----------
    data : numpy.ndarray
        The storage. Assigning ``t.data = array`` is allowed and, like torch's ``.data``,
        not seen by autograd.
    grad : Tensor or None
        The accumulated gradient of a leaf that requires grad.
    grad_fn : Node or None
        The graph node that produced this tensor (``None`` for leaves).
    """

    __slots__ = ("data", "grad", "_requires_grad", "grad_fn", "_version", "__weakref__")

    # Make ``ndarray + Tensor`` call ``Tensor.__radd__`` instead of NumPy broadcasting over it.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if not isinstance(data, np.ndarray):
            data = data.data if isinstance(data, Tensor) else _infer_array(data, None)
        self.data = data
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._version = 0
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @property
    def _array(self) -> Any:
        """The raw array behind this tensor (the library's own accessor; not tracked by autograd)."""
        return self.data

    @_array.setter
    def _array(self, array: Any) -> None:
        self.data = array

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for ``backward()``."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        flag = builtins.bool(flag)
        if flag:
            _check_requires_grad(self.data.dtype)
        elif self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use "
                "t.detach() to get a tensor that does not require grad"
            )
        self._requires_grad = flag

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor during ``backward()`` (like torch)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref_ref(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose ``.grad`` is kept by ``backward()``."""
        node = self.grad_fn
        return node is not None and node._retained is not None and node._retained() is self

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Backpropagate from this tensor into the ``.grad`` of every leaf that requires grad.

        Parameters
        ----------
        gradient : Tensor, optional
            d(loss)/d(self), same shape as ``self``; may be left out for a scalar.
        retain_graph : bool
            Keep the graph's saved arrays for another ``backward()``.
        """
        _autograd.backward(self, gradient, retain_graph)

    def detach(self) -> Tensor:
        """A tensor sharing this one's array but cut from the graph."""
        return _tensor_from_array(self.data)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place, making it a leaf."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple[int, ...]:
        """The size of every dimension, e.g. ``(N, C)``."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The element type, a ``numpy.dtype`` such as ``nnlib.float32``."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self.data.ndim

    @property
    def device(self) -> Device:
        """Where the data lives: always the CPU today."""
        return CPU

    @property
    def xp(self) -> Any:
        """The array module of this tensor's data (NumPy)."""
        return get_array_module(CPU)

    def is_floating_point(self) -> builtins.bool:
        """True for float16/32/64 tensors."""
        return self.data.dtype.kind == "f"

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.data.shape
        return self.data.shape[_ops.normalize_dim(dim, self.data.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return self.data.size

    def dim(self) -> int:
        """The number of dimensions."""
        return self.data.ndim

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.data.size} elements (shape {self.data.shape}) cannot be "
                "converted to a Python scalar; item() needs exactly one element"
            )
        return self.data.item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self.data.tolist()

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return builtins.int(self.item())

    def __bool__(self) -> builtins.bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(shape {self.data.shape}); use .any() or .all()"
            )
        return builtins.bool(self.data.item())

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Tensor:
        """Move to a device and/or cast to a dtype (differentiably); returns ``self`` if no change.

        ``t.to("cpu")``, ``t.to(nnlib.float64)``, ``t.to("cpu", nnlib.float64)``.
        Asking for a device nnlib cannot use (``"cuda"``) raises a ``RuntimeError``.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, str) and _looks_like_device(arg):
                device = arg
            else:
                dtype = arg
        if device is not None:
            check_device(device)
        if dtype is None or np.dtype(dtype) == self.data.dtype:
            return self
        return _ops.to_dtype(self, np.dtype(dtype))

    def cpu(self) -> Tensor:
        """This tensor (nnlib keeps every tensor on the CPU)."""
        return self

    def cuda(self, device: Any = None) -> Tensor:
        """Raise: nnlib computes on the CPU with NumPy."""
        check_device("cuda" if device is None else device)
        return self  # pragma: no cover - only reached if a GPU backend is added

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.to(float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(float64)

    def long(self) -> Tensor:
        """Cast to int64."""
        return self.to(int64)

    def int(self) -> Tensor:
        """Cast to int32."""
        return self.to(int32)

    def bool(self) -> Tensor:
        """Cast to bool."""
        return self.to(bool_)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (gradients flow back to ``self``)."""
        return _ops.clone(self)

    # ------------------------------------------------------------------ in-place methods
    def _check_inplace(self) -> None:
        if self._requires_grad and self.grad_fn is None and _autograd._grad_enabled:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation; "
                "wrap the update in `with nnlib.no_grad():` (as optimizers do)"
            )

    def _records_inplace(self, *others: Any) -> builtins.bool:
        """Does this in-place op have to be recorded in the graph?"""
        if not _autograd._grad_enabled:
            return False
        return self._requires_grad or any(
            isinstance(o, Tensor) and o._requires_grad for o in others
        )

    def _rebase(self, result: Tensor, op: str) -> Tensor:
        """Make ``self`` take the value and the graph history of ``result`` (an in-place op)."""
        if result.shape != self.shape:
            raise RuntimeError(
                f"{op}: the result of shape {result.shape} does not fit in place into a tensor "
                f"of shape {self.shape}"
            )
        self.data[...] = result.data
        self._version += 1
        if result.grad_fn is not None:
            self.grad_fn = result.grad_fn
            self._requires_grad = True
        return self

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Fill with ``value`` in place."""
        self._check_inplace()
        if self._records_inplace(value):
            return self._rebase(_ops.fill(self, value), "fill_")
        self.data[...] = value.data if isinstance(value, Tensor) else value
        self._version += 1
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
        self._check_inplace()
        if self._records_inplace(src):
            return self._rebase(_ops.copy_from(self, src), "copy_")
        src_data = src.data if isinstance(src, Tensor) else src
        try:
            self.data[...] = src_data
        except ValueError:
            raise RuntimeError(
                f"copy_: cannot copy a source of shape {np.shape(src_data)} into a tensor of "
                f"shape {self.shape}"
            ) from None
        self._version += 1
        return self

    def _inplace_binary(self, op: str, other: Any, ufunc: str) -> Tensor:
        self._check_inplace()
        if self._records_inplace(other):
            return self._rebase(getattr(_ops, op)(self, other), op + "_")
        other_data = other.data if isinstance(other, Tensor) else other
        try:
            getattr(array_module(self.data), ufunc)(self.data, other_data, out=self.data)
        except ValueError:
            raise RuntimeError(
                f"{op}_: cannot apply an operand of shape {np.shape(other_data)} in place to a "
                f"tensor of shape {self.shape}"
            ) from None
        self._version += 1
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        if alpha != 1:
            other = other * alpha
        return self._inplace_binary("add", other, "add")

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        if alpha != 1:
            other = other * alpha
        return self._inplace_binary("sub", other, "subtract")

    def mul_(self, other: Any) -> Tensor:
        """``self *= other`` in place."""
        return self._inplace_binary("mul", other, "multiply")

    def div_(self, other: Any) -> Tensor:
        """``self /= other`` in place."""
        return self._inplace_binary("div", other, "true_divide")

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """Clamp in place to ``[min, max]``."""
        self._check_inplace()
        if self._records_inplace():
            return self._rebase(_ops.clamp(self, min, max), "clamp_")
        array_module(self.data).clip(self.data, min, max, out=self.data)
        self._version += 1
        return self

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self += value * tensor1 * tensor2`` in place."""
        return self.add_(tensor1 * tensor2, alpha=value)

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self += value * tensor1 / tensor2`` in place."""
        return self.add_(tensor1 / tensor2, alpha=value)

    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, *, generator=None):
        """Fill in place with samples from U(a, b)."""
        gen = default_generator() if generator is None else generator
        return self._fill_random(gen.uniform(a, b, self.shape))

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator=None):
        """Fill in place with samples from N(mean, std**2)."""
        gen = default_generator() if generator is None else generator
        return self._fill_random(gen.normal(mean, std, self.shape))

    def _fill_random(self, values: np.ndarray) -> Tensor:
        self._check_inplace()
        self.data[...] = values
        self._version += 1
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace()
        if self._records_inplace(value):
            self._rebase(_ops.index_put(self, index, value), "__setitem__")
            return
        self.data[_ops.as_index(index)] = value.data if isinstance(value, Tensor) else value
        self._version += 1

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return _ops.pow(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _ops.pow(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        return _ops.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other``."""
        return _ops.mul(self, other)

    def div(self, other: Any) -> Tensor:
        """``self / other``."""
        return _ops.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return _ops.pow(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        """Matrix product with torch's rules for 1-D and batched operands."""
        return _ops.matmul(self, other)

    def neg(self) -> Tensor:
        """``-self``."""
        return _ops.neg(self)

    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _ops.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value."""
        return _ops.abs(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Limit values to ``[min, max]`` (either may be ``None``)."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic function 1 / (1 + e**-x)."""
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return _ops.relu(self)

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum with ``other``."""
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum with ``other``."""
        return _ops.minimum(self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is true, ``self`` elsewhere."""
        return _ops.masked_fill(self, mask, value)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        """Sum over ``dim`` (an int, a tuple, or ``None`` for all)."""
        return _ops.sum(self, dim, keepdim)

    def mean(self, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        """Mean over ``dim`` (an int, a tuple, or ``None`` for all)."""
        return _ops.mean(self, dim, keepdim)

    def max(self, dim: Any = None, keepdim: builtins.bool = False) -> Any:
        """Largest value; with ``dim`` (int) a ``(values, indices)`` named tuple; or
        the elementwise maximum with another tensor, like ``torch.max(a, b)``."""
        return _ops.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: builtins.bool = False) -> Any:
        """Smallest value; with ``dim`` (int) a ``(values, indices)`` named tuple."""
        return _ops.min(self, dim, keepdim)

    def var(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """Variance over ``dim`` with Bessel's ``correction`` (1 by default, like torch)."""
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """Standard deviation over ``dim`` (square root of :meth:`var`)."""
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def argmax(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Index of the largest value (of the flattened tensor when ``dim`` is None)."""
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Index of the smallest value (of the flattened tensor when ``dim`` is None)."""
        return _ops.argmin(self, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: builtins.bool = False) -> Tensor:
        """log(sum(exp(self))) over ``dim``, computed without overflow."""
        return _ops.logsumexp(self, dim, keepdim)

    def softmax(self, dim: builtins.int) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim``."""
        return _ops.softmax(self, dim)

    def log_softmax(self, dim: builtins.int) -> Tensor:
        """log(softmax(x)) along ``dim``, computed without overflow."""
        return _ops.log_softmax(self, dim)

    def all(self) -> Tensor:
        """True if every element is true (not differentiable)."""
        return _tensor_from_array(array_module(self.data).asarray(self.data.all()))

    def any(self) -> Tensor:
        """True if some element is true (not differentiable)."""
        return _tensor_from_array(array_module(self.data).asarray(self.data.any()))

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape; one size may be -1."""
        return _ops.reshape(self, _size_args(shape))

    def view(self, *shape: Any) -> Tensor:
        """Like :meth:`reshape` (NumPy returns views where it can)."""
        return _ops.reshape(self, _size_args(shape))

    def view_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """Swap dimensions ``dim0`` and ``dim1``."""
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: output dim i is input dim ``dims[i]``."""
        return _ops.permute(self, _size_args(dims))

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Merge dimensions ``start_dim..end_dim`` into one."""
        return _ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Remove dimensions of size 1 (all of them, or ``dim``)."""
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps a dimension) without copying."""
        return _ops.expand(self, _size_args(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape."""
        return _ops.expand(self, other.shape)

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed (the transpose of a matrix)."""
        return _ops.permute(self, tuple(range(self.data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        return _ops.transpose(self, -2, -1)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # ------------------------------------------------------------------ comparisons
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not isinstance(other, _COMPARABLE):
            return NotImplemented  # e.g. t == "text": Python falls back to identity
        return _ops.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not isinstance(other, _COMPARABLE):
            return NotImplemented
        return _ops.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _ops.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ops.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.ge(self, other)

    def eq(self, other: Any) -> Tensor:
        """Elementwise ``==`` as a bool tensor."""
        return _ops.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        """Elementwise ``!=`` as a bool tensor."""
        return _ops.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        """Elementwise ``<`` as a bool tensor."""
        return _ops.lt(self, other)

    def le(self, other: Any) -> Tensor:
        """Elementwise ``<=`` as a bool tensor."""
        return _ops.le(self, other)

    def gt(self, other: Any) -> Tensor:
        """Elementwise ``>`` as a bool tensor."""
        return _ops.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        """Elementwise ``>=`` as a bool tensor."""
        return _ops.ge(self, other)

    def equal(self, other: Tensor) -> builtins.bool:
        """True if both tensors have the same shape and values."""
        return builtins.bool(array_module(self.data).array_equal(self.data, other.data))

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        extras = []
        if self.data.size == 0 and self.data.shape != (0,):
            extras.append(f"size={self.data.shape}")
        if self.data.dtype not in (float32, int64, bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        body = _format_array(self.data, indent=len("tensor("))
        return "tensor(" + ", ".join([body, *extras]) + ")"

    __str__ = __repr__


_COMPARABLE = (Tensor, numbers.Number, np.ndarray, np.generic)


def _tensor_from_array(data: Any, requires_grad: builtins.bool = False, grad_fn: Any = None):
    """Wrap an array in a Tensor without any checks (the fast path used by the ops)."""
    t = _new_tensor(Tensor)
    t.data = data
    t.grad = None
    t._requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._version = 0
    return t


_new_tensor = object.__new__


def _looks_like_device(name: str) -> builtins.bool:
    return name.split(":", 1)[0].strip().lower() in ("cpu", "cuda", "mps", "xpu", "meta")


def _size_args(sizes: Sequence[Any]) -> tuple[builtins.int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as torch does."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    return tuple(builtins.int(s) for s in sizes)


def _format_array(data: np.ndarray, indent: builtins.int) -> str:
    """Format values the way torch prints them: ``1.``, ``1.5000``, ``1.0000e-05``, aligned."""
    if data.size == 0:
        return "[]"
    flat = data.ravel()
    if flat.size > 1000:  # only the edges are printed (threshold below)
        flat = np.concatenate([flat[:500], flat[-500:]])
    fmt = _float_format(flat) if data.dtype.kind == "f" else str
    finite = flat[np.isfinite(flat)] if data.dtype.kind == "f" else flat
    width = max((len(fmt(v)) for v in finite), default=0)
    return np.array2string(
        data,
        separator=", ",
        prefix=" " * indent,
        threshold=1000,
        edgeitems=3,
        formatter={"all": lambda v: fmt(v).rjust(width)},
    )


def _float_format(values: np.ndarray) -> Any:
    """torch's choice: integers as ``1.``, else 4 decimals, else scientific for wide ranges."""
    finite = values[np.isfinite(values)]
    magnitude = np.abs(finite[finite != 0])
    large = magnitude.size > 0 and magnitude.max() >= 1e8
    if np.all(finite == np.round(finite)) and not large:
        pattern = "{:.0f}."
    elif magnitude.size > 0 and (
        large or magnitude.min() < 1e-4 or magnitude.max() / magnitude.min() > 1e3
    ):
        pattern = "{:.4e}"
    else:
        pattern = "{:.4f}"

    def fmt(v: Any) -> str:
        return pattern.format(v) if np.isfinite(v) else str(v)

    return fmt


# ---------------------------------------------------------------------- factories
def tensor(
    data: Any,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Make a new tensor that owns a copy of ``data``.

    Parameters
    ----------
    data : array_like
        Numbers, nested lists, a NumPy array or a Tensor.
    dtype : numpy.dtype, optional
        Python floats default to float32, ints to int64, bools to bool; NumPy data keeps its
        dtype.
    requires_grad : bool
        Make a leaf that collects gradients (floating dtypes only).
    device : str, optional
        Must be ``"cpu"`` (or None).
    """
    check_device(device)
    return Tensor(_infer_array(data, _as_dtype(dtype)), requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares ``array``'s memory and dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _xp(device: Any) -> Any:
    """The array module that creates arrays on ``device`` (NumPy for the CPU)."""
    return get_array_module(check_device(device))


def _factory(array: np.ndarray, requires_grad: builtins.bool, device: Any) -> Tensor:
    check_device(device)
    return Tensor(array, requires_grad=requires_grad)


def _float_dtype(dtype: Any) -> np.dtype:
    return default_float_dtype if dtype is None else np.dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: builtins.bool = False, device: Any = None):
    """A tensor of zeros of shape ``size`` (float32 unless ``dtype`` is given)."""
    return _factory(_xp(device).zeros(_size_args(size), _float_dtype(dtype)), requires_grad, device)


def ones(*size: Any, dtype: Any = None, requires_grad: builtins.bool = False, device: Any = None):
    """A tensor of ones of shape ``size`` (float32 unless ``dtype`` is given)."""
    return _factory(_xp(device).ones(_size_args(size), _float_dtype(dtype)), requires_grad, device)


def empty(*size: Any, dtype: Any = None, requires_grad: builtins.bool = False, device: Any = None):
    """An uninitialised tensor of shape ``size``."""
    return _factory(_xp(device).empty(_size_args(size), _float_dtype(dtype)), requires_grad, device)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred like torch)."""
    if dtype is None:
        dtype = _infer_array(fill_value, None).dtype
    shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    array = _xp(device).full(shape, fill_value, np.dtype(dtype))
    return _factory(array, requires_grad, device)


def rand(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Samples from U[0, 1) of shape ``size``."""
    gen = default_generator() if generator is None else generator
    return _factory(gen.random(_size_args(size), _float_dtype(dtype)), requires_grad, device)


def randn(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Samples from the standard normal distribution of shape ``size``."""
    gen = default_generator() if generator is None else generator
    dtype = _float_dtype(dtype)
    return _factory(gen.standard_normal(_size_args(size), dtype), requires_grad, device)


def randint(
    low: builtins.int,
    high: builtins.int | None = None,
    size: Any = (),
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Random integers in ``[low, high)`` of shape ``size`` (``[0, low)`` without ``high``)."""
    if high is None:
        low, high = 0, low
    gen = default_generator() if generator is None else generator
    dtype = int64 if dtype is None else np.dtype(dtype)
    return _factory(gen.integers(low, high, size=tuple(size)).astype(dtype), False, device)


def randperm(
    n: builtins.int, *, generator: np.random.Generator | None = None, device: Any = None
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    gen = default_generator() if generator is None else generator
    return _factory(gen.permutation(n).astype(int64), False, device)


def randn_like(
    input: Tensor,
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Standard normal samples with ``input``'s shape (and dtype)."""
    dtype = input.dtype if dtype is None else dtype
    return randn(
        *input.shape, generator=generator, dtype=dtype, requires_grad=requires_grad, device=device
    )


def zeros_like(
    input: Tensor, *, dtype: Any = None, requires_grad: builtins.bool = False, device: Any = None
) -> Tensor:
    """Zeros with ``input``'s shape (and dtype)."""
    dtype = input.dtype if dtype is None else np.dtype(dtype)
    return _factory(_xp(device).zeros(input.shape, dtype), requires_grad, device)


def ones_like(
    input: Tensor, *, dtype: Any = None, requires_grad: builtins.bool = False, device: Any = None
) -> Tensor:
    """Ones with ``input``'s shape (and dtype)."""
    dtype = input.dtype if dtype is None else np.dtype(dtype)
    return _factory(_xp(device).ones(input.shape, dtype), requires_grad, device)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """Values ``start, start + step, ...`` below ``end`` (``0 .. start-1`` if ``end`` is None).

    int64 when all arguments are integers, float32 otherwise (like torch).
    """
    if end is None:
        start, end = 0, start
    if dtype is None:
        integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if integral else default_float_dtype
    return _factory(_xp(device).arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(
    start: Any,
    end: Any,
    steps: builtins.int,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    array = _xp(device).linspace(start, end, steps).astype(_float_dtype(dtype))
    return _factory(array, requires_grad, device)


def eye(
    n: builtins.int,
    m: builtins.int | None = None,
    *,
    dtype: Any = None,
    requires_grad: builtins.bool = False,
    device: Any = None,
) -> Tensor:
    """An ``n x m`` matrix with ones on the diagonal."""
    return _factory(_xp(device).eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


# The graph engine and the ops import ``Tensor`` from this module, so they are imported last
# (see the module docstring). Methods above reach them through these two names at call time.
from nnlib import autograd as _autograd  # noqa: E402 - autograd imports Tensor
from nnlib import ops as _ops  # noqa: E402 - the ops import Tensor
