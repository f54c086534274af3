"""Chapter 8's generative adversarial networks: the losses, the alternating steps, the measurements.

A GAN trains two networks against each other. The *generator* ``G`` maps noise ``z ~ p(z)`` to
a sample; the *discriminator* ``D`` maps a sample to a logit, ``D(x) = sigmoid(logit)`` being
its belief that ``x`` is real. Goodfellow et al. (2014) write the game as

    min_G max_D  V(D, G) = E_{x ~ p_data}[log D(x)] + E_{z ~ p(z)}[log(1 - D(G(z)))].

For a fixed ``G`` with sample density ``q``, the best discriminator is
``D*(x) = p(x) / (p(x) + q(x))`` (:func:`optimal_discriminator`).

The GAN toolkit
---------------
* :func:`discriminator_loss`: ``-V``, the binary cross-entropy of "real" against "fake".
* :func:`generator_loss`: the original *minimax* loss ``E log(1 - D(G(z)))`` and the
  *non-saturating* loss ``-E log D(G(z))``, both computed from logits, so that a confident
  discriminator gives neither ``NaN`` nor a vanishing gradient by rounding.
* :func:`discriminator_step`, :func:`generator_step`: one update of each player, and
  :func:`fit_gan`, the alternating loop, recording losses and the mean ``D(x)``, ``D(G(z))``.
* :func:`ring_of_gaussians`, :func:`ring_centers` and :func:`mode_coverage`: the 2-D toy problem
  of eight Gaussians on a circle and how many of its modes a generator covers.
* :class:`PackedDiscriminator`: PacGAN's discriminator that judges several samples at once, a
  remedy for mode collapse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlib.autograd import no_grad
from nnlib.backend import CPU, Device, array_module, is_array, move
from nnlib.nn.loss import binary_cross_entropy_with_logits
from nnlib.nn.module import Module
from nnlib.optim.adam import Adam
from nnlib.optim.optimizer import Optimizer
from nnlib.random import generator_for
from nnlib.tensor import Tensor, from_numpy, ones_like, zeros_like

__all__ = [
    "GENERATOR_LOSSES",
    "ModeCoverage",
    "PackedDiscriminator",
    "discriminator_loss",
    "discriminator_step",
    "fit_gan",
    "generator_loss",
    "generator_step",
    "mode_coverage",
    "optimal_discriminator",
    "ring_centers",
    "ring_of_gaussians",
]

#: The two generator losses of the chapter.
GENERATOR_LOSSES = ("minimax", "non-saturating")


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """``-E[log D(x)] - E[log(1 - D(G(z)))]``: minus the value function, from logits.

    It is the binary cross-entropy with targets 1 for the real and 0 for the generated samples;
    ``log D = -softplus(-logit)`` and ``log(1 - D) = -softplus(logit)`` never overflow.

    Shape
    -----
    ``real_logits`` ``(N, 1)`` or ``(N,)``, ``fake_logits`` ``(M, 1)`` or ``(M,)`` -> scalar.
    """
    real = binary_cross_entropy_with_logits(
        real_logits, ones_like(real_logits, device=real_logits.device)
    )
    fake = binary_cross_entropy_with_logits(
        fake_logits, zeros_like(fake_logits, device=fake_logits.device)
    )
    return real + fake


def generator_loss(fake_logits: Tensor, loss: str = "non-saturating") -> Tensor:
    """The generator's loss on the discriminator's logits for generated samples.

    * ``"minimax"``: ``E[log(1 - D(G(z)))]``, the generator's side of the game. Its gradient
      with respect to the logit is ``-D(G(z))``, which vanishes when the discriminator rejects
      the samples confidently, exactly when the generator most needs to learn.
    * ``"non-saturating"``: ``-E[log D(G(z))]``, Goodfellow et al.'s practical choice. The same
      fixed point, but the gradient is ``-(1 - D(G(z)))``, largest when the samples are bad.

    Both are computed from logits (``log D = -softplus(-logit)``), finite for any logit.
    """
    if loss not in GENERATOR_LOSSES:
        raise ValueError(f"generator_loss: loss must be one of {GENERATOR_LOSSES}, got {loss!r}")
    if loss == "minimax":
        return -binary_cross_entropy_with_logits(
            fake_logits, zeros_like(fake_logits, device=fake_logits.device)
        )
    return binary_cross_entropy_with_logits(
        fake_logits, ones_like(fake_logits, device=fake_logits.device)
    )


def discriminator_step(
    generator: Module,
    discriminator: Module,
    optimizer: Optimizer,
    real: Tensor,
    noise: Tensor,
) -> tuple[float, float, float]:
    """One update of the discriminator on a batch of real samples and ``generator(noise)``.

    The generated batch is detached: this step changes only the discriminator.

    Returns
    -------
    (loss, mean D(x), mean D(G(z))) : floats, measured before the update
    """
    with no_grad():
        fake = generator(noise)
    real_logits, fake_logits = discriminator(real), discriminator(fake)
    loss = discriminator_loss(real_logits, fake_logits)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item(), _mean_probability(real_logits), _mean_probability(fake_logits)


def generator_step(
    generator: Module,
    discriminator: Module,
    optimizer: Optimizer,
    noise: Tensor,
    loss: str = "non-saturating",
) -> float:
    """One update of the generator: backpropagate :func:`generator_loss` through ``D`` into ``G``.

    Only ``optimizer`` (the generator's) steps; the discriminator's gradients are cleared after
    the backward pass so that they do not leak into its next step.
    """
    value = generator_loss(discriminator(generator(noise)), loss)
    optimizer.zero_grad()
    value.backward()
    optimizer.step()
    discriminator.zero_grad()
    return value.item()


def _mean_probability(logits: Tensor) -> float:
    array = logits._array.astype(np.float64)
    xp = array_module(array)
    return float((0.5 * (1 + xp.tanh(0.5 * array))).mean())  # sigmoid without overflow


def fit_gan(
    generator: Module,
    discriminator: Module,
    data: np.ndarray,
    steps: int,
    noise_features: int,
    batch_size: int = 64,
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    loss: str = "non-saturating",
    d_steps: int = 1,
    seed: int = 0,
    callback: Callable[[int], Any] | None = None,
) -> dict[str, list[float]]:
    """Train a GAN by alternating ``d_steps`` discriminator steps and one generator step.

    Both players use Adam with the DCGAN settings (Radford et al. 2015: ``lr = 2e-4``,
    ``betas = (0.5, 0.999)``). Every step draws a batch of real samples (with replacement) and
    fresh ``N(0, I)`` noise from ``numpy.random.default_rng(seed)``: the same numbers on every
    device (for a generator on a GPU they are drawn on the CPU and copied over).

    Parameters
    ----------
    data : array or Tensor ``(N, *sample_shape)``
        Real samples, in the generator's output shape (cast to its dtype, and copied once to
        its device).
    steps : int
        Generator steps.
    noise_features : int
        The dimension of ``z``; noise has shape ``(batch_size, noise_features)``.
    loss : {"non-saturating", "minimax"}
        The generator's loss (:func:`generator_loss`).
    callback : callable, optional
        Called as ``callback(step)`` after every generator step (``step`` counts from 1).

    Returns
    -------
    dict of lists, one entry per generator step
        ``"d_loss"``, ``"g_loss"``, ``"d_real"`` (mean ``D(x)``), ``"d_fake"`` (mean
        ``D(G(z))``, both from the last discriminator step, before its update).
    """
    if loss not in GENERATOR_LOSSES:
        raise ValueError(f"fit_gan: loss must be one of {GENERATOR_LOSSES}, got {loss!r}")
    weight = next(iter(generator.parameters()))
    device = weight.device
    if isinstance(data, Tensor):
        data = data._array
    elif not is_array(data):
        data = np.asarray(data)
    data = move(data.astype(weight.dtype, copy=False), device)
    rng = generator_for(device, np.random.default_rng(seed))
    d_optimizer = Adam(discriminator.parameters(), lr=lr, betas=betas)
    g_optimizer = Adam(generator.parameters(), lr=lr, betas=betas)
    history: dict[str, list[float]] = {"d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
    generator.train()
    discriminator.train()
    for step in range(1, steps + 1):
        for _ in range(d_steps):
            real = _on(device, data[rng.integers(0, len(data), batch_size)])
            noise = _on(device, rng.standard_normal((batch_size, noise_features)), weight.dtype)
            d_loss, d_real, d_fake = discriminator_step(
                generator, discriminator, d_optimizer, real, noise
            )
        noise = _on(device, rng.standard_normal((batch_size, noise_features)), weight.dtype)
        g_loss = generator_step(generator, discriminator, g_optimizer, noise, loss)
        for key, value in zip(history, (d_loss, g_loss, d_real, d_fake), strict=True):
            history[key].append(value)
        if callback is not None:
            callback(step)
    return history


def _on(device: Device, array: Any, dtype: Any = None) -> Tensor:
    """A tensor of ``array`` (already on ``device``), cast to ``dtype``, without another copy."""
    array = array if dtype is None else array.astype(dtype, copy=False)
    return from_numpy(array) if device == "cpu" else Tensor(array)


def optimal_discriminator(p: Any, q: Any) -> np.ndarray:
    """``D*(x) = p(x) / (p(x) + q(x))`` from the two densities at the same points.

    Where both densities are 0 the value is undefined; it is returned as 0.5.
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    total = p + q
    return np.divide(p, total, out=np.full(np.broadcast(p, q).shape, 0.5), where=total > 0)


def ring_centers(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The ``(modes, 2)`` centres of the ring, evenly spaced on a circle, the first at angle 0."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(
    n: int, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int | None = 0
) -> np.ndarray:
    """``n`` points ``(n, 2)`` (float64) from an even mixture of Gaussians on a circle.

    Each point picks one of the :func:`ring_centers` uniformly at random and adds isotropic
    Normal noise of standard deviation ``std``.
    """
    rng = np.random.default_rng(seed)
    centers = ring_centers(modes, radius)
    return centers[rng.integers(0, modes, n)] + std * rng.standard_normal((n, 2))


@dataclass(frozen=True)
class ModeCoverage:
    """How a set of 2-D samples covers the modes of the ring (see :func:`mode_coverage`)."""

    #: Modes that received at least ``min_fraction`` of the samples.
    modes_covered: int
    #: Fraction of samples within ``threshold`` standard deviations of some centre.
    high_quality: float
    #: Fraction of all samples assigned to each mode.
    counts: np.ndarray


def mode_coverage(
    samples: Any,
    centers: np.ndarray,
    std: float,
    threshold: float = 3.0,
    min_fraction: float = 0.01,
) -> ModeCoverage:
    """Count the modes a generator produces, as in the unrolled-GAN and VEEGAN papers.

    A sample is *high quality* if it lies within ``threshold * std`` of its nearest centre; it
    is then assigned to that mode. A mode is *covered* if at least ``min_fraction`` of all
    samples are assigned to it.

    Parameters
    ----------
    samples : array or Tensor ``(N, 2)``
    centers : array ``(modes, 2)``
    std : float
        The standard deviation of each mode.
    """
    if isinstance(samples, Tensor):
        samples = samples.detach()._array
    points = move(samples, CPU) if is_array(samples) else np.asarray(samples)  # counted on the host
    points = points.astype(np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != centers.shape[1]:
        raise ValueError(
            f"mode_coverage: samples must have shape (N, {centers.shape[1]}), got {points.shape}"
        )
    distances = np.linalg.norm(points[:, None, :] - centers[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(points)), nearest] <= threshold * std
    counts = np.bincount(nearest[good], minlength=len(centers)) / max(len(points), 1)
    return ModeCoverage(
        modes_covered=int((counts >= min_fraction).sum()),
        high_quality=float(good.mean()) if len(points) else 0.0,
        counts=counts,
    )


class PackedDiscriminator(Module):
    """PacGAN's remedy for mode collapse: judge ``packing`` samples together (Lin et al. 2018).

    The wrapped discriminator sees ``packing`` samples, flattened and concatenated, and gives one
    logit for the pack. A generator that produces only a few modes makes packs whose samples are
    suspiciously alike, which a packed discriminator can detect and a per-sample one cannot.

    Parameters
    ----------
    discriminator : Module
        Maps ``(N / packing, packing * D)`` to logits ``(N / packing, 1)``.
    packing : int
        Samples per pack; the batch size must be a multiple of it.

    Shape
    -----
    ``(N, *sample_shape)`` -> ``(N / packing, 1)``; consecutive samples form a pack.
    """

    def __init__(self, discriminator: Module, packing: int = 2) -> None:
        super().__init__()
        if not isinstance(packing, int) or packing < 1:
            raise ValueError(
                f"PackedDiscriminator: packing must be a positive int, got {packing!r}"
            )
        self.discriminator = discriminator
        self.packing = packing

    def forward(self, input: Tensor) -> Tensor:
        n = input.shape[0]
        if n % self.packing:
            raise ValueError(
                f"{type(self).__name__}: the batch size {n} is not a multiple of packing="
                f"{self.packing}"
            )
        return self.discriminator(input.reshape(n // self.packing, -1))

    def extra_repr(self) -> str:
        return f"packing={self.packing}"
