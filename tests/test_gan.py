"""nnlib.gan: the GAN losses against their closed forms and torch, theory, and a DCGAN twin."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlib
from nnlib import nn
from nnlib.gan import (
    PackedDiscriminator,
    discriminator_loss,
    discriminator_step,
    fit_gan,
    generator_loss,
    generator_step,
    mode_coverage,
    optimal_discriminator,
    ring_centers,
    ring_of_gaussians,
)
from nnlib.optim import Adam
from nnlib.tensor import tensor

F64 = nnlib.float64


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_losses_match_their_formulas_and_torch(device: str, dtype) -> None:
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 3, (7, 1)).astype(dtype), rng.normal(0, 3, (5, 1)).astype(dtype)
    ours = discriminator_loss(tensor(real), tensor(fake)).item()
    r, f = (torch.tensor(a, device=device) for a in (real, fake))
    theirs = TF.binary_cross_entropy_with_logits(
        r, torch.ones_like(r)
    ) + TF.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(ours, theirs.item(), rtol=rtol)
    d_real, d_fake = 1 / (1 + np.exp(-real.astype(float))), 1 / (1 + np.exp(-fake.astype(float)))
    value = np.log(d_real).mean() + np.log(1 - d_fake).mean()  # V(D, G)
    np.testing.assert_allclose(ours, -value, rtol=1e-5 if dtype == np.float32 else 1e-10)
    minimax = generator_loss(tensor(fake), "minimax").item()
    saturating = generator_loss(tensor(fake), "non-saturating").item()
    np.testing.assert_allclose(minimax, np.log(1 - d_fake).mean(), rtol=rtol * 10)
    np.testing.assert_allclose(saturating, -np.log(d_fake).mean(), rtol=rtol * 10)


@pytest.mark.parametrize("dtype", [F64, nnlib.float32])
def test_non_saturating_loss_is_finite_with_gradient_at_confident_logits(dtype) -> None:
    logits = nnlib.tensor([[-50.0], [50.0]], dtype=dtype, requires_grad=True)
    for kind in ["non-saturating", "minimax"]:
        logits.grad = None
        loss = generator_loss(logits, kind)
        loss.backward()
        grad = logits.grad.cpu().numpy().ravel()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(grad)), kind
        d = 1 / (1 + np.exp(-np.array([-50.0, 50.0])))
        expected = -(1 - d) / 2 if kind == "non-saturating" else -d / 2  # d loss / d logit
        np.testing.assert_allclose(grad, expected, rtol=1e-5)
    # The non-saturating gradient at a rejected sample (logit -50) is -1/2, not ~1e-22.
    non_saturating = generator_loss(logits, "non-saturating")
    logits.grad = None
    non_saturating.backward()
    assert abs(logits.grad.cpu().numpy()[0, 0]) > 0.49
    np.testing.assert_allclose(non_saturating.item(), (50 + np.log1p(np.exp(-50))) / 2, rtol=1e-6)


def test_generator_gets_nonzero_gradients_from_a_saturated_discriminator() -> None:
    nnlib.manual_seed(0)
    generator = nn.Linear(2, 1, dtype=F64)
    discriminator = nn.Linear(1, 1, dtype=F64)
    with nnlib.no_grad():
        discriminator.weight.fill_(0.0)
        discriminator.bias.fill_(-50.0)  # D(G(z)) = sigmoid(-50 + 0 * x): confidently "fake"
        discriminator.weight.add_(1e-3)
    noise = nnlib.randn(8, 2, dtype=F64)
    grads = {}
    for kind in ["non-saturating", "minimax"]:
        generator.zero_grad()
        generator_loss(discriminator(generator(noise)), kind).backward()
        grads[kind] = np.abs(generator.weight.grad.cpu().numpy()).max()
        assert np.isfinite(grads[kind]) and grads[kind] > 0
    assert grads["non-saturating"] > 1e15 * grads["minimax"]  # the minimax gradient saturates


def test_generator_loss_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="minimax"):
        generator_loss(nnlib.zeros(2, 1), "wasserstein")
    with pytest.raises(ValueError, match="loss must be one of"):
        fit_gan(nn.Linear(1, 1), nn.Linear(1, 1), np.zeros((4, 1)), 1, 1, loss="hinge")


# ------------------------------------------------------------------ theory
class _Shift(nn.Module):
    """A fixed "generator" with a known density: G(z) = 1 + z / 2, so q = N(1, 1/4)."""

    def forward(self, z):
        return z * 0.5 + 1.0


def _normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def test_trained_discriminator_approaches_the_optimal_discriminator() -> None:
    """p = N(0, 1), q = N(1, 1/4): a trained D is within 0.08 of D* = p / (p + q) on a grid."""
    nnlib.manual_seed(0)
    discriminator = nn.Sequential(
        nn.Linear(1, 32, dtype=F64),
        nn.Tanh(),
        nn.Linear(32, 32, dtype=F64),
        nn.Tanh(),
        nn.Linear(32, 1, dtype=F64),
    )
    optimizer = Adam(discriminator.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(400):
        real = nnlib.tensor(rng.standard_normal((256, 1)))
        noise = nnlib.tensor(rng.standard_normal((256, 1)))
        discriminator_step(_Shift(), discriminator, optimizer, real, noise)
    x = np.linspace(-2.0, 2.5, 46)[:, None]  # where p + q is not negligible
    with nnlib.no_grad():
        trained = nnlib.sigmoid(discriminator(nnlib.tensor(x))).cpu().numpy()
    best = optimal_discriminator(_normal_pdf(x, 0, 1), _normal_pdf(x, 1, 0.5))
    error = np.abs(trained - best)
    assert error.max() < 0.08, error.max()
    assert error.mean() < 0.02, error.mean()


def test_linear_generator_recovers_a_gaussians_mean_and_covariance() -> None:
    """G(z) = A z + b against N(mu, Sigma): b within 0.05 of mu, A A^T within 0.1 of Sigma."""
    rng = np.random.default_rng(0)
    mu = np.array([1.0, -0.5])
    cholesky = np.array([[0.8, 0.0], [0.3, 0.4]])
    sigma = cholesky @ cholesky.T
    data = rng.standard_normal((4000, 2)) @ cholesky.T + mu
    nnlib.manual_seed(0)
    generator = nn.Linear(2, 2, dtype=F64)
    discriminator = nn.Sequential(
        nn.Linear(2, 16, dtype=F64), nn.ReLU(), nn.Linear(16, 1, dtype=F64)
    )
    history = fit_gan(
        generator, discriminator, data, steps=1500, noise_features=2, batch_size=256, lr=2e-3
    )
    weight, bias = generator.weight.detach().cpu().numpy(), generator.bias.detach().cpu().numpy()
    np.testing.assert_allclose(bias, mu, atol=0.05)
    np.testing.assert_allclose(weight @ weight.T, sigma, atol=0.1)
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(len(values) == 1500 for values in history.values())
    # At the equilibrium D(x) = 1/2 everywhere and the discriminator's loss is 2 log 2.
    assert abs(np.mean(history["d_real"][-200:]) - 0.5) < 0.05
    assert abs(np.mean(history["d_loss"][-200:]) - 2 * np.log(2)) < 0.05


def test_optimal_discriminator_values() -> None:
    np.testing.assert_allclose(
        optimal_discriminator([1.0, 3.0, 0.0], [1.0, 1.0, 2.0]), [0.5, 0.75, 0.0]
    )
    assert optimal_discriminator(0.0, 0.0) == 0.5  # undefined where both densities vanish


# ------------------------------------------------------------------ the ring of Gaussians
def test_ring_of_gaussians_and_mode_coverage() -> None:
    centers = ring_centers(8, 2.0)
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0)
    points = ring_of_gaussians(4000, std=0.05, seed=1)
    assert points.shape == (4000, 2) and points.dtype == np.float64
    np.testing.assert_array_equal(points, ring_of_gaussians(4000, std=0.05, seed=1))
    full = mode_coverage(points, centers, std=0.05)
    assert full.modes_covered == 8
    assert full.high_quality > 0.98  # 3 standard deviations in 2-D hold 98.9 percent
    np.testing.assert_allclose(full.counts.sum(), full.high_quality)
    collapsed = mode_coverage(
        points[np.linalg.norm(points - centers[3], axis=1) < 0.5], centers, 0.05
    )
    assert collapsed.modes_covered == 1 and collapsed.counts.argmax() == 3
    off = mode_coverage(np.zeros((10, 2)), centers, 0.05)  # the centre of the ring: no mode
    assert off.modes_covered == 0 and off.high_quality == 0.0
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        mode_coverage(np.zeros((10, 3)), centers, 0.05)


# ------------------------------------------------------------------ DCGAN twin
NZ = 8


def _nnlib_dcgan(dtype):
    generator = nn.Sequential(
        nn.ConvTranspose2d(NZ, 16, 4, 1, 0, bias=False, dtype=dtype),  # 1x1 -> 4x4
        nn.BatchNorm2d(16, dtype=dtype),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 4, 2, 1, bias=False, dtype=dtype),  # 4x4 -> 8x8
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, 16, 4, 2, 1, bias=False, dtype=dtype),  # 8x8 -> 4x4
        nn.LeakyReLU(0.2),
        nn.Conv2d(16, 1, 4, 1, 0, bias=False, dtype=dtype),  # 4x4 -> 1x1
        nn.Flatten(),
    )
    return generator, discriminator


def _torch_dcgan():
    T = torch.nn
    generator = T.Sequential(
        T.ConvTranspose2d(NZ, 16, 4, 1, 0, bias=False),
        T.BatchNorm2d(16),
        T.ReLU(),
        T.ConvTranspose2d(16, 1, 4, 2, 1, bias=False),
        T.Tanh(),
    )
    discriminator = T.Sequential(
        T.Conv2d(1, 16, 4, 2, 1, bias=False),
        T.LeakyReLU(0.2),
        T.Conv2d(16, 1, 4, 1, 0, bias=False),
        T.Flatten(),
    )
    return generator, discriminator


def test_dcgan_trained_alternating_adam_steps_matches_torch(device: str) -> None:
    torch.manual_seed(0)
    t_gen, t_disc = _torch_dcgan()
    gen, disc = _nnlib_dcgan(F64)
    gen.load_state_dict(t_gen.state_dict())
    disc.load_state_dict(t_disc.state_dict())
    t_gen, t_disc = t_gen.double().to(device), t_disc.double().to(device)
    adam = {"lr": 2e-4, "betas": (0.5, 0.999)}
    d_opt, g_opt = Adam(disc.parameters(), **adam), Adam(gen.parameters(), **adam)
    td_opt = torch.optim.Adam(t_disc.parameters(), **adam)
    tg_opt = torch.optim.Adam(t_gen.parameters(), **adam)
    rng = np.random.default_rng(0)
    real_images = np.tanh(rng.standard_normal((4, 16, 1, 8, 8)))
    bce = TF.binary_cross_entropy_with_logits
    for step in range(4):
        real = real_images[step]
        noise = rng.standard_normal((16, NZ, 1, 1))
        d_loss, d_real, d_fake = discriminator_step(gen, disc, d_opt, tensor(real), tensor(noise))
        g_loss = generator_step(gen, disc, g_opt, tensor(noise), "non-saturating")

        r, z = torch.tensor(real, device=device), torch.tensor(noise, device=device)
        with torch.no_grad():
            fake = t_gen(z)
        real_logits, fake_logits = t_disc(r), t_disc(fake)
        t_d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(
            fake_logits, torch.zeros_like(fake_logits)
        )
        td_opt.zero_grad()
        t_d_loss.backward()
        td_opt.step()
        logits = t_disc(t_gen(z))
        t_g_loss = bce(logits, torch.ones_like(logits))
        tg_opt.zero_grad()
        t_g_loss.backward()
        tg_opt.step()

        np.testing.assert_allclose(d_loss, t_d_loss.item(), rtol=1e-10, err_msg=f"step {step}")
        np.testing.assert_allclose(g_loss, t_g_loss.item(), rtol=1e-10, err_msg=f"step {step}")
        np.testing.assert_allclose(d_real, torch.sigmoid(real_logits).mean().item(), rtol=1e-10)
        np.testing.assert_allclose(d_fake, torch.sigmoid(fake_logits).mean().item(), rtol=1e-10)
    for ours, theirs in [(gen, t_gen), (disc, t_disc)]:
        state = theirs.state_dict()
        for key, value in ours.state_dict().items():
            np.testing.assert_allclose(
                value.cpu().numpy(), state[key].cpu().numpy(), rtol=1e-9, atol=1e-12, err_msg=key
            )


def test_fit_gan_is_deterministic_and_calls_back() -> None:
    data = ring_of_gaussians(256, seed=0)
    runs = []
    for _ in range(2):
        nnlib.manual_seed(3)
        generator = nn.Sequential(nn.Linear(2, 8, dtype=F64), nn.ReLU(), nn.Linear(8, 2, dtype=F64))
        discriminator = nn.Sequential(
            nn.Linear(2, 8, dtype=F64), nn.ReLU(), nn.Linear(8, 1, dtype=F64)
        )
        steps = []
        history = fit_gan(
            generator, discriminator, data, 5, 2, batch_size=16, d_steps=2, callback=steps.append
        )
        assert steps == [1, 2, 3, 4, 5]
        runs.append(history)
    assert runs[0] == runs[1]


def test_packed_discriminator_judges_consecutive_samples_together(device: str) -> None:
    nnlib.manual_seed(0)
    inner = nn.Linear(6, 1, dtype=F64)
    packed = PackedDiscriminator(inner, packing=3)
    assert "packing=3" in repr(packed) and "(discriminator): Linear" in repr(packed)
    x = np.random.default_rng(0).standard_normal((12, 2))
    logits = packed(tensor(x))
    assert tuple(logits.shape) == (4, 1)
    twin = torch.nn.Linear(6, 1).double().to(device)
    twin.load_state_dict({k: torch.tensor(v.cpu().numpy()) for k, v in inner.state_dict().items()})
    expected = twin(torch.tensor(x, device=device).reshape(4, 6))
    np.testing.assert_allclose(
        logits.detach().cpu().numpy(), expected.detach().cpu().numpy(), rtol=1e-12
    )
    with pytest.raises(ValueError, match="not a multiple of packing=3"):
        packed(tensor(x[:10]))
    with pytest.raises(ValueError, match="positive int"):
        PackedDiscriminator(inner, packing=0)
