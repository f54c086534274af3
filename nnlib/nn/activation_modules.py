"""Chapter 3's activation layers: ``LeakyReLU``, ``ELU``, ``GELU``, ``SiLU``, ``Softplus``,
``Softmax`` and ``LogSoftmax``.

Each is a thin module around a function of :mod:`nnlib.activation_functions` (or, for the
softmaxes, a Tensor op of chapter 2), so that it can sit inside a ``Sequential``. Their reprs
match torch's: ``LeakyReLU(negative_slope=0.01)``, ``GELU(approximate='none')``.
"""

from __future__ import annotations

from nnlib.activation_functions import elu, gelu, leaky_relu, silu, softplus
from nnlib.nn.module import Module
from nnlib.tensor import Tensor

__all__ = ["ELU", "GELU", "LeakyReLU", "LogSoftmax", "SiLU", "Softmax", "Softplus"]


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class LeakyReLU(Module):
    """``x`` for ``x > 0`` and ``negative_slope * x`` otherwise. Shape: any -> same.

    Parameters
    ----------
    negative_slope : float, default 0.01
        Slope for negative inputs.
    inplace : bool, default False
        See :func:`nnlib.activation_functions.leaky_relu`.
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class ELU(Module):
    """``x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` otherwise. Shape: any -> same.

    Parameters
    ----------
    alpha : float, default 1.0
        The output approaches ``-alpha`` as ``x -> -inf``.
    inplace : bool, default False
        See :func:`nnlib.activation_functions.elu`.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)``. Shape: any -> same.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
        ``"none"`` uses the exact normal CDF (via ``erf``); ``"tanh"`` its tanh approximation.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """Sigmoid linear unit (swish) ``x * sigmoid(x)``. Shape: any -> same.

    Parameters
    ----------
    inplace : bool, default False
        See :func:`nnlib.activation_functions.silu`.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return silu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Shape: any -> same.

    Parameters
    ----------
    beta : float, default 1.0
        Sharpness; must not be 0.
    threshold : float, default 20.0
        Above ``beta * x > threshold`` the output is ``x``.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        if beta == 0:
            raise ValueError("Softplus: beta must be nonzero (the function divides by beta)")
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _require_dim(layer: str, dim: int | None) -> int:
    if dim is None:
        raise ValueError(
            f"{layer}: dim is required; construct it as {layer}(dim=...) with the dimension to "
            f"normalise over (e.g. {layer}(dim=1) for (N, C) scores). torch's implicit choice "
            "of dim is deprecated and nnlib does not guess."
        )
    return dim


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim``: each slice becomes a probability vector.

    Parameters
    ----------
    dim : int
        Dimension to normalise over. Required at call time: unlike torch, nnlib does not guess
        an implicit dimension when it is ``None``.

    Shape
    -----
    Any -> same.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return input.softmax(_require_dim("Softmax", self.dim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``x - log(sum(exp(x)))`` along ``dim``: log-probabilities, computed stably.

    Parameters
    ----------
    dim : int
        Dimension to normalise over. Required at call time (no implicit dimension).

    Shape
    -----
    Any -> same.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return input.log_softmax(_require_dim("LogSoftmax", self.dim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
