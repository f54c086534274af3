"""Weight initialisation, shaped like ``torch.nn.init``.

Every ``*_`` function fills a tensor **in place** (its ``._array`` array, keeping its dtype),
records nothing in the autograd graph, and returns the tensor, so that
``init.kaiming_uniform_(layer.weight)`` works on a parameter that requires grad.

The scaled schemes choose the spread of the weights from the layer's fans (how many inputs
feed each output unit, and how many outputs each input feeds) so that signals keep their
variance from layer to layer:

* Xavier/Glorot (2010): ``Var(w) = gain**2 * 2 / (fan_in + fan_out)``;
* Kaiming/He (2015): ``Var(w) = gain**2 / fan``, ``fan`` being ``fan_in`` (keeps the forward
  signal's variance) or ``fan_out`` (keeps the backward gradient's).

A uniform distribution on ``[-b, b]`` has variance ``b**2 / 3``, so the uniform variants use
``b = sqrt(3) * std``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from nnlib.autograd import no_grad
from nnlib.random import generator_for
from nnlib.random import normal as draw_normal
from nnlib.tensor import Tensor

__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR_LIKE = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)
_NONLINEARITIES = _LINEAR_LIKE + ("tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain (factor on the weights' standard deviation) for a nonlinearity.

    =================  ==================================
    nonlinearity       gain
    =================  ==================================
    linear, conv*      1
    sigmoid            1
    tanh               5/3
    relu               sqrt(2)
    leaky_relu         sqrt(2 / (1 + negative_slope**2))
    selu               3/4
    =================  ==================================

    Parameters
    ----------
    nonlinearity : str
        One of the names above (torch's names).
    param : float, optional
        The negative slope of ``leaky_relu`` (default 0.01); ignored otherwise.

    Raises
    ------
    ValueError
        For an unknown nonlinearity or a ``param`` that is not a number.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            negative_slope = float(param)
        else:
            raise ValueError(
                f"calculate_gain: negative_slope {param!r} for 'leaky_relu' is not a valid number"
            )
        return math.sqrt(2.0 / (1.0 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; "
        f"expected one of {', '.join(_NONLINEARITIES)}"
    )


def _check_tensor(op: str, tensor: object) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight tensor, with torch's rule.

    A ``Linear`` weight has shape ``(out_features, in_features)``; a convolution weight
    ``(out_channels, in_channels / groups, *kernel_size)``. Each input (output) feature map
    touches ``prod(kernel_size)`` weights per output (input), the receptive field size, so::

        fan_in  = shape[1] * prod(shape[2:])
        fan_out = shape[0] * prod(shape[2:])

    Parameters
    ----------
    tensor : Tensor
        At least 2 dimensions.

    Raises
    ------
    ValueError
        For a tensor with fewer than 2 dimensions (a bias has no fan-in/fan-out).
    """
    _check_tensor("calculate_fan_in_and_fan_out", tensor)
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)}); initialise biases with uniform_/normal_/zeros_"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fill(tensor: Tensor, values: np.ndarray | float) -> Tensor:
    """Write ``values`` into ``tensor`` in place (cast to its dtype), outside the graph."""
    with no_grad():
        return tensor.copy_(values)


def _generator(tensor: Tensor, generator: np.random.Generator | None) -> Any:
    """The generator that draws on ``tensor``'s device (the device's own without ``generator``)."""
    return generator_for(tensor.device, generator)


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Fill ``tensor`` in place with samples from the uniform distribution ``U(a, b)``.

    Parameters
    ----------
    tensor : Tensor
        Any shape; filled in place, dtype kept.
    a, b : float
        Lower and upper bound, ``a <= b``.
    generator : numpy.random.Generator, optional
        Source of randomness; defaults to ``nnlib.random.default_generator()``.
    """
    _check_tensor("uniform_", tensor)
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a} > b={b}")
    return _fill(tensor, _generator(tensor, generator).uniform(a, b, size=tensor.shape))


def normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` in place with samples from the normal distribution ``N(mean, std**2)``.

    Parameters
    ----------
    tensor : Tensor
        Any shape; filled in place, dtype kept.
    mean, std : float
        Mean and standard deviation, ``std >= 0``.
    generator : numpy.random.Generator, optional
        Source of randomness; defaults to ``nnlib.random.default_generator()``.
    """
    _check_tensor("normal_", tensor)
    if std < 0:
        raise ValueError(f"normal_: expected std >= 0, got std={std}")
    return _fill(tensor, draw_normal(_generator(tensor, generator), mean, std, tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` in place with the value ``val``."""
    _check_tensor("constant_", tensor)
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with ones."""
    return constant_(tensor, 1.0)


def _xavier_std(tensor: Tensor, gain: float) -> float:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot/Xavier uniform: ``U(-b, b)`` with ``b = gain * sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    tensor : Tensor
        A weight with at least 2 dimensions; filled in place.
    gain : float
        Scale factor, e.g. ``calculate_gain("tanh")``.
    generator : numpy.random.Generator, optional
        Source of randomness.
    """
    _check_tensor("xavier_uniform_", tensor)
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain)
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot/Xavier normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Parameters
    ----------
    tensor : Tensor
        A weight with at least 2 dimensions; filled in place.
    gain : float
        Scale factor, e.g. ``calculate_gain("tanh")``.
    generator : numpy.random.Generator, optional
        Source of randomness.
    """
    _check_tensor("xavier_normal_", tensor)
    return normal_(tensor, 0.0, _xavier_std(tensor, gain), generator=generator)


def _kaiming_std(op: str, tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if not isinstance(mode, str) or mode.lower() not in ("fan_in", "fan_out"):
        raise ValueError(
            f"{op}: mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'"
        )
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode.lower() == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _is_empty(op: str, tensor: Tensor) -> bool:
    if 0 in tensor.shape:
        warnings.warn(f"{op}: initializing a zero-element tensor is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He/Kaiming uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``.

    Parameters
    ----------
    tensor : Tensor
        A weight with at least 2 dimensions; filled in place.
    a : float
        Negative slope of the leaky ReLU that follows (used when ``nonlinearity="leaky_relu"``;
        the default 0 makes the gain that of a plain ReLU, ``sqrt(2)``).
    mode : {"fan_in", "fan_out"}
        ``"fan_in"`` keeps the variance of the forward signal, ``"fan_out"`` of the gradients.
    nonlinearity : str
        A name accepted by :func:`calculate_gain`.
    generator : numpy.random.Generator, optional
        Source of randomness.
    """
    _check_tensor("kaiming_uniform_", tensor)
    if _is_empty("kaiming_uniform_", tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """He/Kaiming normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``.

    Parameters
    ----------
    tensor : Tensor
        A weight with at least 2 dimensions; filled in place.
    a : float
        Negative slope of the leaky ReLU that follows (see :func:`kaiming_uniform_`).
    mode : {"fan_in", "fan_out"}
        Which fan sets the scale.
    nonlinearity : str
        A name accepted by :func:`calculate_gain`.
    generator : numpy.random.Generator, optional
        Source of randomness.
    """
    _check_tensor("kaiming_normal_", tensor)
    if _is_empty("kaiming_normal_", tensor):
        return tensor
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, generator=generator)
