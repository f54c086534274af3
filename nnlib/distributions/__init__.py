"""Probability distributions with the shape of ``torch.distributions``.

A facade: every name is defined in the module of the chapter that introduces it
(see :mod:`nnlib.curriculum`).
"""

from nnlib.distributions.bernoulli import Bernoulli
from nnlib.distributions.distribution import Distribution
from nnlib.distributions.independent import Independent
from nnlib.distributions.kl import kl_divergence, register_kl
from nnlib.distributions.normal import Normal

__all__ = ["Bernoulli", "Distribution", "Independent", "Normal", "kl_divergence", "register_kl"]
