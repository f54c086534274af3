"""The base class of probability distributions, their parameter checks, and shared helpers.

A distribution holds tensors of parameters (a Normal's ``loc`` and ``scale``) and answers
questions about the random variable they describe: draw samples (:meth:`Distribution.sample`,
or :meth:`Distribution.rsample` when the sample must stay differentiable with respect to the
parameters), score values (:meth:`Distribution.log_prob`), and report summaries (``mean``,
``variance``, :meth:`Distribution.entropy`). Names, shapes and errors follow
``torch.distributions``:

* ``batch_shape``: independent, not necessarily identical distributions held side by side
  (a Normal with ``loc`` of shape ``(3,)`` is three Normals);
* ``event_shape``: the shape of one draw of one of them (``()`` for a scalar Normal, ``(d,)``
  after :class:`~nnlib.distributions.independent.Independent` folds ``d`` of them into one
  vector-valued variable);
* ``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape``.

Random draws come from nnlib's global generator (:func:`nnlib.random.manual_seed`). Parameters
are checked when the distribution is made, and values when they are scored, unless
``validate_args=False`` (torch's default is to check; so is ours).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnlib.backend import array_module, is_array
from nnlib.ops.reduction import sum as reduce_sum
from nnlib.tensor import Tensor, default_float_dtype, tensor

__all__ = [
    "Boolean",
    "Distribution",
    "GreaterThan",
    "Interval",
    "Real",
    "broadcast_all",
    "sum_rightmost",
]


# ------------------------------------------------------------------------------ constraints
class Constraint:
    """A set of allowed values: ``check(array)`` says, elementwise, which values are in it."""

    def check(self, array: Any) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Real(Constraint):
    """Any real number (NaN is not one)."""

    def check(self, array: Any) -> Any:
        return array == array


class GreaterThan(Constraint):
    """Numbers strictly greater than ``lower_bound`` (a Normal's scale: > 0)."""

    def __init__(self, lower_bound: float) -> None:
        self.lower_bound = lower_bound

    def check(self, array: Any) -> Any:
        return array > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class Interval(Constraint):
    """Numbers in the closed interval ``[lower_bound, upper_bound]`` (probabilities)."""

    def __init__(self, lower_bound: float, upper_bound: float) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def check(self, array: Any) -> Any:
        return (array >= self.lower_bound) & (array <= self.upper_bound)

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class Boolean(Constraint):
    """The values 0 and 1 (the support of a Bernoulli)."""

    def check(self, array: Any) -> Any:
        return (array == 0) | (array == 1)


# --------------------------------------------------------------------------------- helpers
def _shape_text(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


def as_tensor(where: str, name: str, value: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``value`` (a Tensor, an array or a number) as a floating Tensor.

    Numbers take ``dtype`` (the dtype of the other parameters), else the default float32.
    Arrays and numbers land on ``device`` (the device of the other parameters), else on the
    default device; a GPU array stays on its own device when ``device`` is None.
    """
    if isinstance(value, Tensor):
        result = value
    elif is_array(value):
        result = tensor(value, device=device)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        result = tensor(
            float(value), dtype=default_float_dtype if dtype is None else dtype, device=device
        )
    else:
        raise TypeError(
            f"{where}: {name} must be an nnlib Tensor, a NumPy array or a number, "
            f"got {type(value).__name__}"
        )
    if result.dtype.kind != "f":
        raise TypeError(
            f"{where}: {name} must have a floating point dtype, got {result.dtype} "
            f"(convert it with .float() or .double())"
        )
    return result


def broadcast_all(where: str, **values: Any) -> list[Tensor]:
    """The named parameters as Tensors expanded to one shape (like torch's ``broadcast_all``).

    Numbers take the dtype of the first Tensor (or array) among the values; numbers and
    arrays land on the device of the first Tensor (as in torch).
    """
    dtype = next((v.dtype for v in values.values() if isinstance(v, Tensor) or is_array(v)), None)
    device = next((v.device for v in values.values() if isinstance(v, Tensor)), None)
    tensors = {name: as_tensor(where, name, v, dtype, device) for name, v in values.items()}
    try:
        shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {_shape_text(t.shape)}" for name, t in tensors.items())
        raise RuntimeError(f"{where}: the parameter shapes do not broadcast: {shapes}") from None
    return [t if tuple(t.shape) == shape else t.expand(*shape) for t in tensors.values()]


def sum_rightmost(value: Tensor, dims: int) -> Tensor:
    """Sum out the ``dims`` rightmost dimensions of ``value`` (``dims == 0``: unchanged)."""
    if dims == 0:
        return value
    return reduce_sum(value, dim=tuple(range(-dims, 0)))


def _check_sample_shape(where: str, sample_shape: Any) -> tuple[int, ...]:
    if isinstance(sample_shape, (tuple, list)) and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
        for n in sample_shape
    ):
        return tuple(int(n) for n in sample_shape)
    raise TypeError(
        f"{where}: sample_shape must be a tuple of non-negative ints such as (5,) or (), "
        f"got {sample_shape!r}"
    )


# ---------------------------------------------------------------------------- base class
class Distribution:
    """Base class of the distributions: shapes, validation, and the shared API.

    Parameters
    ----------
    batch_shape : tuple of int
    event_shape : tuple of int
    validate_args : bool, optional
        Check parameters now and values in :meth:`log_prob`; default
        :attr:`Distribution.validate_args_default` (True, as in torch).
    """

    #: Whether :meth:`rsample` is implemented (a reparameterized, differentiable sample).
    has_rsample = False
    #: Parameter name -> :class:`Constraint` that the parameter must satisfy.
    arg_constraints: dict[str, Constraint] = {}
    #: The :class:`Constraint` that values of :meth:`log_prob` must satisfy.
    support: Constraint | None = None
    #: Validation when ``validate_args`` is None (change with :meth:`set_default_validate_args`).
    validate_args_default = True

    def __init__(
        self,
        batch_shape: Sequence[int] = (),
        event_shape: Sequence[int] = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is None:
            validate_args = Distribution.validate_args_default
        self._validate_args = bool(validate_args)
        if self._validate_args:
            self._check_parameters()

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Switch argument validation on or off for distributions made from now on."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution.validate_args_default = value

    # ------------------------------------------------------------------ shapes
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        """``sample_shape + batch_shape + event_shape``: the shape that ``sample`` returns."""
        sample_shape = _check_sample_shape(f"{type(self).__name__}.sample", sample_shape)
        return sample_shape + self._batch_shape + self._event_shape

    # ------------------------------------------------------------------ the API
    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape`` samples; no gradient flows to the parameters."""
        from nnlib.autograd import no_grad

        if not self.has_rsample:
            raise NotImplementedError(f"{type(self).__name__} does not implement sample")
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterized sample: differentiable with respect to the parameters."""
        raise NotImplementedError(
            f"{type(self).__name__} has no reparameterized sampler (rsample); its samples "
            "cannot carry gradients to its parameters. Use sample(), or a score-function "
            "estimator (log_prob(sample) * f(sample))"
        )

    def log_prob(self, value: Any) -> Tensor:
        """The log of the probability density (or mass) at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def entropy(self) -> Tensor:
        """The entropy, in nats, one per batch element."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation, ``variance.sqrt()``."""
        return self.variance.sqrt()

    # ------------------------------------------------------------------ validation
    def _check_parameters(self) -> None:
        for name in self._parameter_names():
            constraint = self.arg_constraints[name]
            value = getattr(self, name)
            array = value._array
            if not bool(array_module(array).all(constraint.check(array))):
                raise ValueError(
                    f"Expected parameter {name} (Tensor of shape {_shape_text(value.shape)}) "
                    f"of distribution {self!r} to satisfy the constraint {constraint!r}, but "
                    f"found invalid values:\n{array}"
                )

    def _parameter_given(self, name: str) -> bool:
        """Whether the user passed parameter ``name`` (subclasses with alternatives override)."""
        return True

    def _value(self, value: Any) -> Tensor:
        """``value`` as a Tensor of the distribution's dtype, checked when validating."""
        where = f"{type(self).__name__}.log_prob"
        dtype = self._dtype()
        if isinstance(value, Tensor) and value.dtype.kind in "iub":
            value = value.to(dtype)
        elif is_array(value) and value.dtype.kind in "iub":
            value = value.astype(dtype)
        value = as_tensor(where, "value", value, dtype, self._device())
        if self._validate_args:
            self._validate_sample(value)
        return value

    def _dtype(self) -> Any:
        return default_float_dtype

    def _device(self) -> Any:
        """Where the parameters live: values given as arrays or numbers are moved there."""
        return None

    def _validate_sample(self, value: Tensor) -> None:
        expected = self._batch_shape + self._event_shape
        try:
            np.broadcast_shapes(tuple(value.shape), expected)
        except ValueError:
            raise ValueError(
                f"Value is not broadcastable with batch_shape+event_shape: "
                f"{_shape_text(value.shape)} vs {_shape_text(expected)}."
            ) from None
        event = self._event_shape
        if event and tuple(value.shape[-len(event) :]) != event:
            raise ValueError(
                f"The right-most size of value must match event_shape: "
                f"{_shape_text(value.shape)} vs {_shape_text(event)}."
            )
        if self.support is not None:
            array = value._array
            if not bool(array_module(array).all(self.support.check(array))):
                raise ValueError(
                    f"Expected value argument (Tensor of shape {_shape_text(value.shape)}) to be "
                    f"within the support ({self.support!r}) of the distribution {self!r}, but "
                    f"found invalid values:\n{array}"
                )

    def _parameter_names(self) -> list[str]:
        return [name for name in self.arg_constraints if self._parameter_given(name)]

    def __repr__(self) -> str:
        parts = []
        for name in self._parameter_names():
            value = getattr(self, name)
            text = value.item() if value.numel() == 1 else _shape_text(value.shape)
            parts.append(f"{name}: {text}")
        return f"{type(self).__name__}({', '.join(parts)})"
