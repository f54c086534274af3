"""``Independent``: treat some batch dimensions of a distribution as one event.

A ``Normal`` with ``loc`` of shape ``(N, d)`` is ``N * d`` scalar Normals: its ``log_prob``
returns ``(N, d)`` numbers. A VAE's posterior ``q(z | x)`` is one ``d``-dimensional Gaussian
(with a diagonal covariance) per image, whose log-density is the *sum* over the ``d``
coordinates. ``Independent(Normal(mu, sigma), 1)`` says exactly that: the last dimension moves
from ``batch_shape`` to ``event_shape``, and ``log_prob`` and ``entropy`` sum over it.
"""

from __future__ import annotations

from typing import Any

from nnlib.distributions.distribution import Distribution, sum_rightmost
from nnlib.tensor import Tensor

__all__ = ["Independent"]


class Independent(Distribution):
    """Reinterpret the rightmost ``reinterpreted_batch_ndims`` batch dimensions as event dims.

    Parameters
    ----------
    base_distribution : Distribution
    reinterpreted_batch_ndims : int
        How many of the base's rightmost batch dimensions become event dimensions.
    validate_args : bool, optional

    Examples
    --------
    >>> q = Independent(Normal(mu, sigma), 1)   # mu, sigma: (N, d)
    >>> q.batch_shape, q.event_shape            # ((N,), (d,))
    >>> q.log_prob(z)                           # (N,): summed over the d coordinates
    """

    arg_constraints: dict = {}

    def __init__(
        self,
        base_distribution: Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                "Independent: base_distribution must be an nnlib Distribution, got "
                f"{type(base_distribution).__name__}"
            )
        n = reinterpreted_batch_ndims
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(
                f"Independent: reinterpreted_batch_ndims must be a non-negative int, got {n!r}"
            )
        shape = base_distribution.batch_shape + base_distribution.event_shape
        batch_dims = len(base_distribution.batch_shape)
        if n > batch_dims:
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {n} vs {batch_dims}"
            )
        event_dims = n + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        super().__init__(
            shape[: len(shape) - event_dims],
            shape[len(shape) - event_dims :],
            validate_args=validate_args,
        )

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def support(self):  # type: ignore[override]
        return self.base_dist.support

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        """The base's ``log_prob`` summed over the reinterpreted dimensions."""
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        """The base's entropy summed over the reinterpreted dimensions."""
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
