"""The Bernoulli distribution: a coin that shows 1 with probability ``probs``.

It is made from either ``probs`` (in [0, 1]) or ``logits`` (any real number,
``probs = sigmoid(logits)``), never both. Whichever was not given is computed from the other
when first asked for, with torch's conventions: ``logits`` from ``probs`` clamps the
probabilities to ``[eps, 1 - eps]`` (``eps`` the dtype's machine epsilon), so that a
probability of exactly 0 or 1 gives a large but finite logit.

:meth:`Bernoulli.log_prob` always works from the logits, as
``-binary_cross_entropy_with_logits(logits, value)``, which is stable for any logit; going
through ``log(probs)`` would give ``-inf`` (and NaN gradients) once ``sigmoid`` rounds to
exactly 0 or 1, at logits of about +-40 in float64 and +-17 in float32. That is why a VAE's
decoder outputs logits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.autograd import Function, no_grad
from nnlib.backend import array_module
from nnlib.distributions.distribution import (
    Boolean,
    Distribution,
    Interval,
    Real,
    as_tensor,
)
from nnlib.nn.loss import binary_cross_entropy_with_logits
from nnlib.ops.elementwise import sigmoid
from nnlib.tensor import Tensor, float64, rand

__all__ = ["Bernoulli", "probs_to_logits"]


class _ProbsToLogits(Function):
    """``log(p) - log1p(-p)`` of ``p`` clamped to ``[eps, 1 - eps]``."""

    @staticmethod
    def forward(ctx, probs):
        xp = array_module(probs)
        eps = np.finfo(probs.dtype).eps
        clamped = xp.clip(probs, eps, 1 - eps)
        ctx.save_for_backward(probs, clamped)
        ctx.eps = eps
        return xp.log(clamped) - xp.log1p(-clamped)

    @staticmethod
    def backward(ctx, grad_output):
        probs, clamped = ctx.saved_tensors
        # d logit / d p = 1 / (p (1 - p)); the clamp passes gradient inside [eps, 1 - eps]
        inside = (probs >= ctx.eps) & (probs <= 1 - ctx.eps)
        return grad_output * inside / (clamped * (1 - clamped))


def probs_to_logits(probs: Tensor) -> Tensor:
    """The logits ``log(p / (1 - p))`` of probabilities, clamped to ``[eps, 1 - eps]`` first."""
    return _ProbsToLogits.apply(probs)


class Bernoulli(Distribution):
    """A Bernoulli distribution over {0, 1}, from ``probs`` or from ``logits`` (exactly one).

    Parameters
    ----------
    probs : Tensor, array or float, optional
        The probability of 1, in [0, 1].
    logits : Tensor, array or float, optional
        The log-odds ``log(p / (1 - p))``.
    validate_args : bool, optional
        Check the parameter now, and that values given to :meth:`log_prob` are 0 or 1.

    The shape of the parameter is the ``batch_shape``; the ``event_shape`` is ``()``.
    """

    arg_constraints = {"probs": Interval(0.0, 1.0), "logits": Real()}
    support = Boolean()
    has_rsample = False

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        self._is_probs = probs is not None
        if self._is_probs:
            self._param = as_tensor("Bernoulli", "probs", probs)
        else:
            self._param = as_tensor("Bernoulli", "logits", logits)
        self._probs: Tensor | None = self._param if self._is_probs else None
        self._logits: Tensor | None = None if self._is_probs else self._param
        super().__init__(tuple(self._param.shape), validate_args=validate_args)

    def _parameter_given(self, name: str) -> bool:
        return (name == "probs") == self._is_probs

    def _dtype(self) -> Any:
        return self._param.dtype

    def _device(self) -> Any:
        return self._param.device

    # ------------------------------------------------------------------ parameters
    @property
    def probs(self) -> Tensor:
        """The probability of 1 (``sigmoid(logits)`` when made from logits)."""
        if self._probs is None:
            self._probs = sigmoid(self._logits)
        return self._probs

    @property
    def logits(self) -> Tensor:
        """The log-odds (from clamped ``probs`` when made from probabilities)."""
        if self._logits is None:
            self._logits = probs_to_logits(self._probs)
        return self._logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self._param.shape)

    # ------------------------------------------------------------------ summaries
    @property
    def mean(self) -> Tensor:
        """The mean, ``probs``."""
        return self.probs

    @property
    def variance(self) -> Tensor:
        """The variance, ``probs * (1 - probs)``."""
        return self.probs * (1 - self.probs)

    # ------------------------------------------------------------------ sampling
    def sample(self, sample_shape: Any = ()) -> Tensor:
        """0/1 draws (in the parameter's dtype) of shape ``sample_shape + batch_shape``.

        Not differentiable: a coin flip has no gradient with respect to its probability.
        """
        shape = self._extended_shape(sample_shape)
        with no_grad():
            probs = self.probs
            # Uniform draws in float64 on the parameters' device: a seed gives the same coins
            # in either dtype.
            uniform = rand(shape, dtype=float64, device=probs.device)
            return (uniform < probs).to(probs.dtype)

    # ------------------------------------------------------------------ densities
    def log_prob(self, value: Any) -> Tensor:
        """``value * log(p) + (1 - value) * log(1 - p)``, computed stably from the logits."""
        value = self._value(value)
        logits = self.logits
        shape = np.broadcast_shapes(tuple(logits.shape), tuple(value.shape))
        if tuple(logits.shape) != shape:
            logits = logits.expand(*shape)
        if tuple(value.shape) != shape:
            value = value.expand(*shape)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        """``-p log p - (1 - p) log(1 - p)``, in nats, computed from the logits."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
