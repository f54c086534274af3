"""The Normal (Gaussian) distribution, with a reparameterized sampler.

``Normal(loc, scale)`` has density
``p(x) = exp(-(x - loc)**2 / (2 scale**2)) / (scale * sqrt(2 pi))``. Note ``scale`` is the
standard deviation, not the variance.

:meth:`Normal.rsample` draws ``eps ~ N(0, 1)`` from the generator of the parameters' device
(:func:`nnlib.random.default_generator`) and returns
``loc + scale * eps``: the randomness sits in ``eps``, which does not depend on the
parameters, so gradients flow to ``loc`` (``d x / d loc = 1``) and to ``scale``
(``d x / d scale = eps``). This is the *reparameterization trick* of chapter 9.
:meth:`Normal.sample` draws the same way but outside the graph.

Every formula is written with nnlib's differentiable ops, so ``log_prob``, ``entropy`` and the
rest have gradients with respect to the parameters and the value.
"""

from __future__ import annotations

import math
from typing import Any

from nnlib.activation_functions import erf
from nnlib.distributions.distribution import Distribution, GreaterThan, Real, broadcast_all
from nnlib.tensor import Tensor, float64, randn

__all__ = ["Normal"]

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


class Normal(Distribution):
    """A Normal distribution with mean ``loc`` and standard deviation ``scale``.

    Parameters
    ----------
    loc : Tensor, array or float
        The mean.
    scale : Tensor, array or float
        The standard deviation; must be positive. ``loc`` and ``scale`` broadcast together,
        and their common shape is the ``batch_shape``.
    validate_args : bool, optional
        Check that ``scale > 0`` (and ``loc`` is not NaN) now, and that values given to
        :meth:`log_prob` are real and broadcast with the batch shape.

    Examples
    --------
    >>> q = Normal(mu, (0.5 * logvar).exp())   # a VAE's posterior
    >>> z = q.rsample()                        # differentiable with respect to mu and logvar
    """

    arg_constraints = {"loc": Real(), "scale": GreaterThan(0.0)}
    support = Real()
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all("Normal", loc=loc, scale=scale)
        super().__init__(tuple(self.loc.shape), validate_args=validate_args)

    def _dtype(self) -> Any:
        return self.loc.dtype

    def _device(self) -> Any:
        return self.loc.device

    # ------------------------------------------------------------------ summaries
    @property
    def mean(self) -> Tensor:
        """The mean, ``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """The most likely value, ``loc``."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """The standard deviation, ``scale``."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """The variance, ``scale**2``."""
        return self.scale**2

    # ------------------------------------------------------------------ sampling
    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * eps`` with ``eps ~ N(0, 1)``, of shape ``sample_shape + batch_shape``.

        Differentiable with respect to ``loc`` and ``scale`` (the reparameterization trick).
        """
        shape = self._extended_shape(sample_shape)
        # Drawn in float64 and then cast, so a seed gives the same numbers in either dtype.
        eps = randn(shape, dtype=float64, device=self.loc.device).to(self.loc.dtype)
        return self.loc + self.scale * eps

    # ------------------------------------------------------------------ densities
    def log_prob(self, value: Any) -> Tensor:
        """``-(value - loc)**2 / (2 scale**2) - log(scale) - log(sqrt(2 pi))``."""
        value = self._value(value)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value: Any) -> Tensor:
        """``P(X <= value) = (1 + erf((value - loc) / (scale sqrt 2))) / 2``."""
        value = self._value(value)
        return 0.5 * (1 + erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def entropy(self) -> Tensor:
        """``1/2 + log(sqrt(2 pi)) + log(scale)``, in nats."""
        return 0.5 + _LOG_SQRT_2PI + self.scale.log()
