"""nnlib.vae and nnlib.sample_quality: the chapter-9 VAE trained against its torch twin."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.distributions as TD
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib
from nnlib import nn
from nnlib.datasets import load_digits
from nnlib.distributions import Bernoulli, Independent, Normal, kl_divergence
from nnlib.optim import Adam
from nnlib.sample_quality import classifier_score, train_digit_classifier
from nnlib.tensor import tensor
from nnlib.vae import (
    VAE,
    active_units,
    elbo,
    fit_vae,
    gaussian_kl,
    importance_weighted_log_likelihood,
    reconstruction_log_likelihood,
    reparameterize,
)

D, H, L = 64, 32, 2


class TorchVAE(torch.nn.Module):
    """The torch twin of nnlib.vae.VAE: the same layers under the same state_dict keys."""

    def __init__(self, d=D, h=H, latent=L):
        super().__init__()
        self.encoder = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU())
        self.fc_mu = torch.nn.Linear(h, latent)
        self.fc_logvar = torch.nn.Linear(h, latent)
        self.decoder = torch.nn.Sequential(
            torch.nn.Linear(latent, h), torch.nn.ReLU(), torch.nn.Linear(h, d)
        )

    def forward(self, x, noise):
        h = self.encoder(x)
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + (0.5 * logvar).exp() * noise
        return self.decoder(z), mu, logvar


def torch_loss(model, x, noise, beta):
    logits, mu, logvar = model(x, noise)
    reconstruction = -TF.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)
    posterior = TD.Independent(TD.Normal(mu, (0.5 * logvar).exp()), 1)
    prior = TD.Independent(TD.Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    kl = TD.kl_divergence(posterior, prior)
    return -(reconstruction - beta * kl).mean()


@pytest.fixture(scope="module")
def digits():
    images, labels = load_digits()
    return images.reshape(len(images), -1).astype(np.float64), labels


def twins(device, dtype=torch.float64):
    torch.manual_seed(0)
    theirs = TorchVAE().to(device=device, dtype=dtype)
    ours = VAE(D, H, L, dtype=np.float64 if dtype == torch.float64 else np.float32)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def test_state_dict_keys_match_torch():
    ours, theirs = twins("cpu")
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("beta", [1.0, 4.0])
def test_adam_steps_from_torch_weights_give_torch_losses(device, digits, beta):
    x, _ = digits
    ours, theirs = twins(device)
    opt_ours = Adam(ours.parameters(), lr=1e-2)
    opt_theirs = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    for step in range(5):
        batch = x[32 * step : 32 * (step + 1)]
        noise = rng.standard_normal((len(batch), L))
        loss_ours = -elbo(ours, tensor(batch), beta, noise=tensor(noise)).elbo.mean()
        loss_theirs = torch_loss(
            theirs,
            torch.tensor(batch, device=device),
            torch.tensor(noise, device=device),
            beta,
        )
        assert loss_ours.item() == pytest.approx(loss_theirs.item(), rel=1e-10), step
        for opt, loss in ((opt_ours, loss_ours), (opt_theirs, loss_theirs)):
            opt.zero_grad()
            loss.backward()
            opt.step()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(
            p.detach().cpu().numpy(), q.detach().cpu().numpy(), rtol=1e-8, atol=1e-10, err_msg=name
        )


def test_float32_loss_matches_torch_loosely(device, digits):
    x, _ = digits
    ours, theirs = twins(device, torch.float32)
    noise = np.random.default_rng(1).standard_normal((50, L)).astype(np.float32)
    batch = x[:50].astype(np.float32)
    loss = -elbo(ours, tensor(batch), noise=tensor(noise)).elbo.mean()
    expected = torch_loss(
        theirs, torch.tensor(batch, device=device), torch.tensor(noise, device=device), 1.0
    )
    assert loss.dtype == np.float32
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_elbo_pieces_equal_the_distributions(digits):
    x, _ = digits
    rng = np.random.default_rng(2)
    mu, logvar = tensor(rng.standard_normal((6, 3))), tensor(rng.standard_normal((6, 3)))
    posterior = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    prior = Independent(Normal(tensor(np.zeros(3)), tensor(np.ones(3))), 1)
    np.testing.assert_allclose(
        gaussian_kl(mu, logvar).cpu().numpy(),
        kl_divergence(posterior, prior).cpu().numpy(),
        rtol=1e-12,
    )
    logits = tensor(rng.standard_normal((6, D)) * 3)
    binary = tensor((x[:6] > 0.5).astype(np.float64))
    np.testing.assert_allclose(
        reconstruction_log_likelihood(binary, logits).cpu().numpy(),
        Independent(Bernoulli(logits=logits), 1).log_prob(binary).cpu().numpy(),
        rtol=1e-12,
    )
    grey = tensor(x[:6])
    np.testing.assert_allclose(
        reconstruction_log_likelihood(grey, logits, "gaussian", sigma=0.2).cpu().numpy(),
        Independent(Normal(nnlib.sigmoid(logits), 0.2), 1).log_prob(grey).cpu().numpy(),
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match="likelihood must be one of"):
        reconstruction_log_likelihood(grey, logits, "poisson")
    with pytest.raises(ValueError, match="sigma must be > 0"):
        reconstruction_log_likelihood(grey, logits, "gaussian", sigma=0.0)


def test_reparameterize_uses_the_standard_deviation():
    mu, logvar = tensor(np.array([1.0]), requires_grad=True), tensor(np.array([math.log(4.0)]))
    z = reparameterize(mu, logvar, tensor(np.array([1.5])))
    assert z.item() == pytest.approx(1.0 + 2.0 * 1.5)  # sigma = exp(logvar / 2) = 2


def test_importance_weighted_estimate_matches_torch(digits):
    x, _ = digits
    ours, theirs = twins("cpu")
    batch, k = x[:10], 7
    nnlib.manual_seed(3)
    estimate = importance_weighted_log_likelihood(ours, batch, num_samples=k).cpu().numpy()
    eps = np.random.default_rng(3).standard_normal((k, len(batch), L))  # the same stream
    with torch.no_grad():
        xt = torch.tensor(batch)
        h = theirs.encoder(xt)
        mu, logvar = theirs.fc_mu(h), theirs.fc_logvar(h)
        q = TD.Independent(TD.Normal(mu, (0.5 * logvar).exp()), 1)
        z = mu + (0.5 * logvar).exp() * torch.tensor(eps)
        logits = theirs.decoder(z)
        log_px_z = TD.Independent(TD.Bernoulli(logits=logits, validate_args=False), 1).log_prob(xt)
        prior = TD.Independent(TD.Normal(torch.zeros(L, dtype=torch.float64), 1.0), 1)
        log_w = log_px_z + prior.log_prob(z) - q.log_prob(z)
        expected = (torch.logsumexp(log_w, 0) - math.log(k)).numpy()
    np.testing.assert_allclose(estimate, expected, rtol=1e-10)


def test_fit_vae_is_seeded_and_improves_the_elbo(digits):
    x, _ = digits
    histories = []
    for _ in range(2):
        nnlib.manual_seed(0)
        model = VAE(D, H, L)
        histories.append(fit_vae(model, x[:300], epochs=4, test_data=x[300:400], lr=3e-3))
    first, second = histories
    assert first == second
    assert set(first) == {"reconstruction", "kl", "elbo", "beta", "test_elbo"}
    assert len(first["elbo"]) == 4 and first["elbo"][-1] > first["elbo"][0]
    warm = fit_vae(VAE(D, H, L), x[:100], epochs=3, beta=lambda epoch: epoch / 2)
    assert warm["beta"] == [0.0, 0.5, 1.0]
    bound = (
        importance_weighted_log_likelihood(model, x[300:400], num_samples=50).cpu().numpy().mean()
    )
    assert bound >= first["test_elbo"][-1] - 0.5  # the IWAE bound is at least the ELBO


def test_active_units_counts_dimensions_that_vary():
    model = VAE(D, H, 3, dtype=np.float64)
    with nnlib.no_grad():
        model.fc_mu.weight[1] = 0.0  # dimension 1's mean no longer depends on the image
    x = np.random.default_rng(4).uniform(0, 1, (200, D))
    count, variances = active_units(model, x, threshold=1e-6)
    assert count == 2 and variances[1] < 1e-20 and variances.shape == (3,)


def test_sample_returns_pixel_means():
    nnlib.manual_seed(0)
    images = VAE(D, H, L).sample(5)
    assert images.shape == (5, D) and not images.requires_grad
    assert np.all((images.cpu().numpy() > 0) & (images.cpu().numpy() < 1))


# ------------------------------------------------------------------------- sample score
def _oracle(classes=10, sharpness=50.0):
    """A 'classifier' of one-hot images: logits = sharpness * image."""
    layer = nn.Linear(classes, classes, dtype=np.float64)
    with nnlib.no_grad():
        layer.weight.copy_(tensor(np.eye(classes) * sharpness))
        layer.bias.zero_()
    return layer


def test_classifier_score_extremes():
    oracle = _oracle()
    even = np.tile(np.eye(10), (3, 1))  # every class equally often, each recognised for sure
    score = classifier_score(oracle, even)
    assert score.inception_score == pytest.approx(10.0, rel=1e-6)
    assert score.confidence == pytest.approx(1.0, abs=1e-6)
    assert score.class_entropy == pytest.approx(math.log(10), rel=1e-6)
    np.testing.assert_allclose(score.class_histogram, np.full(10, 0.1))
    collapsed = classifier_score(oracle, np.tile(np.eye(10)[3], (30, 1)))  # one mode only
    assert collapsed.inception_score == pytest.approx(1.0, abs=1e-6)
    assert collapsed.class_entropy == pytest.approx(0.0, abs=1e-6)
    blurry = classifier_score(oracle, np.full((30, 10), 0.0))  # every class equally likely
    assert blurry.confidence == pytest.approx(0.1) and blurry.inception_score == pytest.approx(1)
    assert "inception score 10.00" in str(score)
    with pytest.raises(ValueError, match=r"images must have shape \(N, H, W\) or \(N, D\)"):
        classifier_score(oracle, np.zeros(10))


def test_trained_digit_classifier_recognises_held_out_digits(digits):
    images, labels = load_digits()
    classifier = train_digit_classifier(images[:800], labels[:800])
    assert not classifier.training
    logits = classifier(tensor(images[800:1200].reshape(400, -1)))
    accuracy = (logits.detach().cpu().numpy().argmax(1) == labels[800:1200]).mean()
    assert accuracy > 0.85
    real = classifier_score(classifier, images[1200:1500])
    noise = classifier_score(classifier, np.random.default_rng(0).uniform(0, 1, (300, 8, 8)))
    assert real.inception_score > noise.inception_score and real.confidence > 0.8


def test_digit_classifier_trains_a_given_model(digits):
    images, labels = load_digits()
    nnlib.manual_seed(0)
    cnn = nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )
    before = [p.detach().cpu().numpy().copy() for p in cnn.parameters()]
    classifier = train_digit_classifier(images[:800], labels[:800], epochs=20, model=cnn)
    assert classifier is cnn and not classifier.training
    assert all(
        not np.array_equal(b, p.detach().cpu().numpy())
        for b, p in zip(before, cnn.parameters(), strict=True)
    )
    logits = classifier(tensor(images[800:1200].reshape(400, -1)))
    assert (logits.detach().cpu().numpy().argmax(1) == labels[800:1200]).mean() > 0.85


# --------------------------------------------------------------------------- properties
@settings(derandomize=True, deadline=None, max_examples=25)
@given(
    mu=hnp.arrays(np.float64, (4,), elements=st.floats(-3, 3)),
    logvar=hnp.arrays(np.float64, (4,), elements=st.floats(-3, 3)),
)
def test_gaussian_kl_is_nonnegative_and_zero_only_at_the_prior(mu, logvar):
    kl = gaussian_kl(tensor(mu), tensor(logvar)).item()
    assert kl >= 0
    if np.allclose(mu, 0) and np.allclose(logvar, 0):
        assert kl == pytest.approx(0.0, abs=1e-12)
    else:
        assert kl > 0
    assert gaussian_kl(tensor(np.zeros(4)), tensor(np.zeros(4))).item() == 0.0
