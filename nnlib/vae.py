"""Chapter 9's variational autoencoder: the model, the ELBO and the measurements of the chapter.

A VAE is a latent-variable model ``p(x) = integral p(x | z) p(z) dz`` with a standard Normal
prior ``p(z)`` and a *decoder* network that maps a code ``z`` to the parameters of
``p(x | z)``, trained together with an *encoder* network that maps an image ``x`` to an
approximate posterior ``q(z | x) = N(mu(x), diag(sigma(x)**2))``. Training maximises the
evidence lower bound (ELBO) on ``log p(x)``:

    ELBO(x) = E_{z ~ q(z|x)}[log p(x | z)] - KL(q(z | x) || p(z))
              \\_____ reconstruction _____/   \\________ KL ________/

estimated with one reparameterized sample ``z = mu + sigma * eps``, ``eps ~ N(0, I)``.

The VAE toolkit
---------------
* :class:`VAE`: an MLP encoder (to ``mu`` and ``logvar``) and an MLP decoder (to pixel logits).
* :func:`reparameterize`, :func:`gaussian_kl` (the closed form against N(0, I)),
  :func:`reconstruction_log_likelihood` (Bernoulli or Gaussian), :func:`elbo`.
* :func:`fit_vae`: Adam on mini-batches, with a constant ``beta`` or a schedule (KL warm-up);
  records the reconstruction and KL terms separately.
* :func:`importance_weighted_log_likelihood` (the IWAE bound of Burda et al. 2016) and
  :func:`active_units` (latent dimensions the encoder actually uses).

Every number is *per image and summed over pixels and latent dimensions*, in nats.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from nnlib.autograd import no_grad
from nnlib.backend import CPU, move
from nnlib.data.dataloader import DataLoader
from nnlib.data.dataset import TensorDataset
from nnlib.distributions.independent import Independent
from nnlib.distributions.normal import Normal
from nnlib.nn.activation import ReLU
from nnlib.nn.container import Sequential
from nnlib.nn.linear import Linear
from nnlib.nn.loss import binary_cross_entropy_with_logits
from nnlib.nn.module import Module
from nnlib.ops.elementwise import sigmoid
from nnlib.ops.reduction import logsumexp
from nnlib.ops.shape import cat
from nnlib.optim.adam import Adam
from nnlib.tensor import Tensor, _array_of, float64, from_numpy, randn, zeros

__all__ = [
    "LIKELIHOODS",
    "VAE",
    "ElboTerms",
    "active_units",
    "elbo",
    "fit_vae",
    "gaussian_kl",
    "importance_weighted_log_likelihood",
    "reconstruction_log_likelihood",
    "reparameterize",
]

#: The two observation models of the chapter.
LIKELIHOODS = ("bernoulli", "gaussian")


class VAE(Module):
    """A variational autoencoder with one hidden layer in the encoder and in the decoder.

    ``encoder``: ``Linear(in, hidden) -> ReLU``, then two heads ``fc_mu`` and ``fc_logvar``
    (``Linear(hidden, latent)`` each). ``decoder``: ``Linear(latent, hidden) -> ReLU ->
    Linear(hidden, in)``, whose outputs are pixel *logits* (the Bernoulli parameter before the
    sigmoid; for the Gaussian likelihood the mean is their sigmoid).

    Parameters
    ----------
    in_features : int
        Pixels per image (64 for the 8x8 digits, 784 for MNIST).
    hidden_features : int
    latent_features : int
        The dimension of ``z``.
    dtype : dtype, optional
        Of every parameter (float32 by default).

    Shape
    -----
    ``forward(x)``: ``x`` ``(N, in)`` -> ``(logits (N, in), mu (N, latent), logvar (N, latent))``.
    """

    def __init__(
        self,
        in_features: int = 64,
        hidden_features: int = 128,
        latent_features: int = 2,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.latent_features = latent_features
        self.encoder = Sequential(Linear(in_features, hidden_features, dtype=dtype), ReLU())
        self.fc_mu = Linear(hidden_features, latent_features, dtype=dtype)
        self.fc_logvar = Linear(hidden_features, latent_features, dtype=dtype)
        self.decoder = Sequential(
            Linear(latent_features, hidden_features, dtype=dtype),
            ReLU(),
            Linear(hidden_features, in_features, dtype=dtype),
        )

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The posterior's ``mu`` and ``logvar = log sigma**2``, each ``(N, latent)``."""
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z: Tensor) -> Tensor:
        """Pixel logits ``(N, in)`` for codes ``z`` ``(N, latent)``."""
        return self.decoder(z)

    def posterior(self, x: Tensor) -> Independent:
        """``q(z | x)``: a diagonal Gaussian per image (batch ``(N,)``, event ``(latent,)``)."""
        mu, logvar = self.encode(x)
        return Independent(Normal(mu, (0.5 * logvar).exp()), 1)

    def prior(self) -> Independent:
        """``p(z) = N(0, I)`` (event shape ``(latent,)``)."""
        weight = self.fc_mu.weight
        loc = zeros(self.latent_features, dtype=weight.dtype, device=weight.device)
        return Independent(Normal(loc, loc + 1), 1)

    def forward(self, x: Tensor, noise: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Encode, draw ``z = mu + sigma * noise`` (fresh ``N(0, I)`` noise by default), decode."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, noise)
        return self.decode(z), mu, logvar

    @no_grad()
    def sample(self, n: int) -> Tensor:
        """``n`` images from the model: ``z ~ p(z)``, then the decoder's pixel means ``(n, in)``."""
        return sigmoid(self.decode(self.prior().sample((n,))))


def reparameterize(mu: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
    """``z = mu + exp(logvar / 2) * noise`` with ``noise ~ N(0, I)`` unless given.

    The noise does not depend on ``mu`` or ``logvar``, so ``z`` is differentiable with respect
    to both. Note the ``/ 2``: ``exp(logvar)`` is the variance, not the standard deviation.
    """
    std = (0.5 * logvar).exp()
    if noise is None:  # drawn in float64 and cast: a seed gives the same noise in either dtype
        noise = randn(tuple(std.shape), dtype=float64, device=std.device).to(std.dtype)
    return mu + std * noise


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """``KL(N(mu, diag(exp(logvar))) || N(0, I))`` per row, summed over the last dimension.

    ``= 1/2 * sum_j (mu_j**2 + sigma_j**2 - 1 - log sigma_j**2)``, the closed form derived in
    chapter 9. Shape: ``(..., latent)`` -> ``(...)``.
    """
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(dim=-1)


def reconstruction_log_likelihood(
    x: Tensor, logits: Tensor, likelihood: str = "bernoulli", sigma: float = 0.1
) -> Tensor:
    """``log p(x | z)`` per image, summed over pixels, from the decoder's ``logits``.

    Parameters
    ----------
    x : Tensor, shape ``(..., D)``
        Images with pixel values in [0, 1].
    logits : Tensor, shape ``(..., D)``
        The decoder's output.
    likelihood : {"bernoulli", "gaussian"}
        ``"bernoulli"``: each pixel ~ Bernoulli(sigmoid(logit)), i.e. minus the binary cross
        entropy with logits (for grey values in [0, 1] this is the usual continuous
        relaxation). ``"gaussian"``: each pixel ~ N(sigmoid(logit), sigma**2).
    sigma : float
        The Gaussian's fixed standard deviation (ignored for Bernoulli).

    Returns
    -------
    Tensor, shape ``(...)``
    """
    if likelihood == "bernoulli":
        target = x if tuple(x.shape) == tuple(logits.shape) else x.expand(*logits.shape)
        nll = binary_cross_entropy_with_logits(logits, target, reduction="none")
        return -nll.sum(dim=-1)
    if likelihood == "gaussian":
        if not sigma > 0:
            raise ValueError(f"reconstruction_log_likelihood: sigma must be > 0, got {sigma}")
        mean = sigmoid(logits)
        squared = ((x - mean) / sigma) ** 2
        return -0.5 * squared.sum(dim=-1) - x.shape[-1] * (
            math.log(sigma) + 0.5 * math.log(2 * math.pi)
        )
    raise ValueError(
        f"reconstruction_log_likelihood: likelihood must be one of {LIKELIHOODS}, "
        f"got {likelihood!r}"
    )


class ElboTerms(NamedTuple):
    """The ELBO of each image and its two parts, each a Tensor of shape ``(N,)``, in nats."""

    elbo: Tensor  #: ``reconstruction - beta * kl``
    reconstruction: Tensor  #: ``log p(x | z)`` at one sample ``z ~ q(z | x)``
    kl: Tensor  #: ``KL(q(z | x) || p(z))``


def elbo(
    model: VAE,
    x: Tensor,
    beta: float = 1.0,
    likelihood: str = "bernoulli",
    sigma: float = 0.1,
    noise: Tensor | None = None,
) -> ElboTerms:
    """The (beta-weighted) ELBO of each image of ``x``, with one reparameterized sample.

    ``beta = 1`` is the true lower bound on ``log p(x)``; ``beta != 1`` is the beta-VAE
    objective (Higgins et al. 2017). The training loss is ``-elbo(...).elbo.mean()``.
    """
    logits, mu, logvar = model(x, noise)
    reconstruction = reconstruction_log_likelihood(x, logits, likelihood, sigma)
    kl = gaussian_kl(mu, logvar)
    return ElboTerms(reconstruction - beta * kl, reconstruction, kl)


def _as_float_tensor(where: str, data: Any, model: VAE) -> Tensor:
    """Images ``(N, ...)`` as a ``(N, D)`` tensor of the model's dtype, on the model's device.

    Host data is copied to a GPU once, here; on the CPU a NumPy array is shared, not copied.
    """
    weight = model.fc_mu.weight
    array = _array_of(data)
    if array.ndim < 2:
        raise ValueError(
            f"{where}: data must have shape (N, D) (flattened images), got {array.shape}"
        )
    array = move(array.reshape(len(array), -1).astype(weight.dtype, copy=False), weight.device)
    return from_numpy(array) if weight.device == "cpu" else Tensor(array)


def fit_vae(
    model: VAE,
    data: Any,
    epochs: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    beta: float | Callable[[int], float] = 1.0,
    likelihood: str = "bernoulli",
    sigma: float = 0.1,
    test_data: Any = None,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train ``model`` with Adam to maximise the ELBO; return per-epoch averages.

    Parameters
    ----------
    model : VAE
    data : array or Tensor, shape ``(N, D)``
        Training images, flattened, pixel values in [0, 1].
    epochs, batch_size, lr : training schedule (Adam's learning rate)
    beta : float or callable
        Weight of the KL term, or ``beta(epoch)`` (epochs counted from 0) for a KL warm-up.
    likelihood, sigma : see :func:`reconstruction_log_likelihood`
    test_data : array or Tensor, optional
        Held-out images: their ELBO (with ``beta = 1``) is recorded after every epoch.
    seed : int
        Seeds the shuffling (the noise comes from nnlib's global generator).

    Returns
    -------
    dict
        ``"reconstruction"`` (mean ``-log p(x|z)``), ``"kl"``, ``"elbo"`` (mean ELBO, beta = 1)
        and ``"beta"`` per epoch, and ``"test_elbo"`` when ``test_data`` is given.
    """
    train = _as_float_tensor("fit_vae", data, model)
    loader = DataLoader(TensorDataset(train), batch_size=batch_size, shuffle=True, generator=seed)
    optimizer = Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"reconstruction": [], "kl": [], "elbo": [], "beta": []}
    test = None
    if test_data is not None:
        test = _as_float_tensor("fit_vae", test_data, model)
        history["test_elbo"] = []
    for epoch in range(epochs):
        weight = float(beta(epoch)) if callable(beta) else float(beta)
        model.train()
        totals = np.zeros(2)
        for (batch,) in loader:
            terms = elbo(model, batch, weight, likelihood, sigma)
            loss = -terms.elbo.mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            totals += len(batch) * np.array(
                [-terms.reconstruction.mean().item(), terms.kl.mean().item()]
            )
        reconstruction, kl = totals / len(train)
        history["reconstruction"].append(float(reconstruction))
        history["kl"].append(float(kl))
        history["elbo"].append(float(-reconstruction - kl))
        history["beta"].append(weight)
        if test is not None:
            model.eval()
            with no_grad():
                history["test_elbo"].append(
                    elbo(model, test, 1.0, likelihood, sigma).elbo.mean().item()
                )
    model.eval()
    return history


@no_grad()
def importance_weighted_log_likelihood(
    model: VAE,
    x: Any,
    num_samples: int = 100,
    likelihood: str = "bernoulli",
    sigma: float = 0.1,
    chunk: int = 256,
) -> Tensor:
    """The importance-weighted estimate of ``log p(x)`` per image (Burda et al. 2016).

    ``log p(x) >= log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x)``, ``z_k ~ q(z | x)``; the
    bound tightens as ``K = num_samples`` grows, and ``K = 1`` is the ELBO. Computed with
    ``logsumexp`` so that no weight underflows.

    Returns
    -------
    Tensor, shape ``(N,)``, in nats.
    """
    images = _as_float_tensor("importance_weighted_log_likelihood", x, model)
    prior = model.prior()
    results = []
    for start in range(0, len(images), chunk):
        batch = images[start : start + chunk]
        q = model.posterior(batch)
        z = q.sample((num_samples,))  # (K, n, latent)
        logits = model.decode(z.reshape(-1, model.latent_features)).reshape(
            num_samples, len(batch), -1
        )
        log_px_z = reconstruction_log_likelihood(batch, logits, likelihood, sigma)
        log_w = log_px_z + prior.log_prob(z) - q.log_prob(z)  # (K, n)
        results.append(logsumexp(log_w, dim=0) - math.log(num_samples))
    return cat(results)


@no_grad()
def active_units(model: VAE, x: Any, threshold: float = 0.01) -> tuple[int, np.ndarray]:
    """How many latent dimensions the encoder uses: ``Var_x(E_q[z_j | x]) > threshold``.

    A dimension whose posterior mean is the same for every image carries no information
    about the image (its posterior has collapsed onto the prior). The criterion and the
    threshold 0.01 are Burda et al.'s (2016).

    Returns
    -------
    count : int
    variances : numpy.ndarray, shape ``(latent,)``
        The variance over the images of each dimension's posterior mean (on the host, for
        printing and plotting, wherever the model is).
    """
    mu, _ = model.encode(_as_float_tensor("active_units", x, model))
    variances = move(mu._array.var(axis=0), CPU)
    return int((variances > threshold).sum()), variances
