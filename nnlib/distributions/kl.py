"""``kl_divergence(p, q)``: the Kullback-Leibler divergence ``KL(p || q)`` in closed form.

``KL(p || q) = E_p[log p(x) - log q(x)]`` measures, in nats, how much ``q`` differs from ``p``
as seen from ``p``'s samples; it is 0 only when they are equal, and is not symmetric. For two
Normals it has a closed form (derived in chapter 9):

    KL(N(m1, s1) || N(m2, s2)) = log(s2 / s1) + (s1**2 + (m1 - m2)**2) / (2 s2**2) - 1/2.

Pairs of distribution types are looked up in a registry (:func:`register_kl`, as in torch);
a pair without a closed form raises ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Callable

from nnlib.activation_functions import softplus
from nnlib.distributions.bernoulli import Bernoulli
from nnlib.distributions.distribution import Distribution, sum_rightmost
from nnlib.distributions.independent import Independent
from nnlib.distributions.normal import Normal
from nnlib.ops.elementwise import where
from nnlib.tensor import Tensor

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict[tuple[type, type], Callable[[Distribution, Distribution], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable:
    """Decorator: register ``fn(p, q)`` as the KL divergence of a ``type_p`` and a ``type_q``."""

    def decorator(fn: Callable) -> Callable:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """``KL(p || q)``, one value per element of the broadcast batch shape.

    Raises
    ------
    NotImplementedError
        If no closed form is registered for the two types.
    """
    for type_p in type(p).__mro__:
        for type_q in type(q).__mro__:
            fn = _KL_REGISTRY.get((type_p, type_q))
            if fn is not None:
                return fn(p, q)
    raise NotImplementedError(
        f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
        f"{type(q).__name__}; estimate it by Monte Carlo: (p.log_prob(x) - q.log_prob(x)).mean() "
        "with x = p.sample((n,))"
    )


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    # p log(p/q) + (1-p) log((1-p)/(1-q)), with log(p) = -softplus(-logit_p) and
    # log(1-p) = -softplus(logit_p); 0 * log 0 = 0, and an impossible q gives +inf.
    inf = float("inf")
    p_probs, q_probs = p.probs, q.probs
    t1 = p_probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = where((q_probs == 0)._array, inf, t1)
    t1 = where((p_probs == 0)._array, 0.0, t1)
    t2 = (1 - p_probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = where((q_probs == 1)._array, inf, t2)
    t2 = where((p_probs == 1)._array, 0.0, t2)
    return t1 + t2


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "kl_divergence of two Independent distributions needs the same "
            f"reinterpreted_batch_ndims, got {p.reinterpreted_batch_ndims} and "
            f"{q.reinterpreted_batch_ndims}"
        )
    result = kl_divergence(p.base_dist, q.base_dist)
    return sum_rightmost(result, p.reinterpreted_batch_ndims)
