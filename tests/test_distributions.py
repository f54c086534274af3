"""nnlib.distributions against torch.distributions: values, gradients, sampling and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.distributions as TD
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib.distributions import Bernoulli, Distribution, Independent, Normal, kl_divergence
from nnlib.interop import check_parity
from nnlib.tensor import tensor

DTYPES = ["float64", "float32"]


def _normal_arrays(seed=0):
    rng = np.random.default_rng(seed)
    loc = rng.standard_normal((3, 4))
    scale = rng.uniform(0.3, 2.0, size=(4,))  # broadcasts against loc
    value = rng.standard_normal((2, 3, 4)) * 2  # broadcasts against the batch (3, 4)
    return loc, scale, value


# ------------------------------------------------------------------------------ Normal
NORMAL_METHODS = {
    "log_prob": lambda d, v: d.log_prob(v),
    "entropy": lambda d, v: d.entropy(),
    "mean": lambda d, v: d.mean,
    "mode": lambda d, v: d.mode,
    "stddev": lambda d, v: d.stddev,
    "variance": lambda d, v: d.variance,
    "cdf": lambda d, v: d.cdf(v),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", NORMAL_METHODS, ids=list(NORMAL_METHODS))
def test_normal_methods_match_torch(device, dtype, method):
    fn = NORMAL_METHODS[method]
    rtol = 1e-10 if dtype == "float64" else 2e-5
    check_parity(
        lambda loc, scale, v: fn(Normal(loc, scale), v),
        lambda loc, scale, v: fn(TD.Normal(loc, scale), v) + 0 * v.sum(),
        *_normal_arrays(),
        device=device,
        dtype=dtype,
        rtol=rtol,
        atol=1e-12 if dtype == "float64" else 1e-5,
    )


def test_normal_shapes_dtype_and_repr():
    d = Normal(tensor(np.zeros((3, 1))), tensor(np.ones(4)))
    assert d.batch_shape == (3, 4) and d.event_shape == ()
    assert d.loc.dtype == np.float64 and d.scale.dtype == np.float64
    assert d.sample((5, 2)).shape == (5, 2, 3, 4)
    assert d.sample().dtype == np.float64
    numbers = Normal(0.0, 1.0)
    assert numbers.loc.dtype == np.float32 and numbers.batch_shape == ()
    assert repr(numbers) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(d) == "Normal(loc: (3, 4), scale: (3, 4))"
    mixed = Normal(tensor(np.zeros(2)), 2.0)  # a number takes the tensor's dtype
    assert mixed.scale.dtype == np.float64


def test_normal_rsample_gradients_are_the_reparameterization_formula():
    rng = np.random.default_rng(1)
    loc = tensor(rng.standard_normal(3), requires_grad=True)
    scale = tensor(rng.uniform(0.5, 2, 3), requires_grad=True)
    weights = rng.standard_normal((4, 3))
    nnlib.manual_seed(7)
    z = Normal(loc, scale).rsample((4,))
    assert z.requires_grad and z.shape == (4, 3)
    (z * tensor(weights)).sum().backward()
    eps = (z.detach().cpu().numpy() - loc.detach().cpu().numpy()) / scale.detach().cpu().numpy()
    # z = loc + scale * eps: dz/dloc = 1 and dz/dscale = eps, for every sample
    np.testing.assert_allclose(loc.grad.cpu().numpy(), weights.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scale.grad.cpu().numpy(), (weights * eps).sum(axis=0), rtol=1e-12)
    # the noise is the global generator's standard normal stream
    nnlib.manual_seed(7)
    expected = np.random.default_rng(7).standard_normal((4, 3))
    np.testing.assert_allclose(eps, expected, rtol=1e-10, atol=1e-12)


def test_normal_sample_is_seeded_detached_and_has_the_right_moments():
    loc = tensor(np.array([1.0, -2.0]), requires_grad=True)
    scale = tensor(np.array([0.5, 3.0]), requires_grad=True)
    d = Normal(loc, scale)
    nnlib.manual_seed(0)
    first = d.sample((20000,))
    nnlib.manual_seed(0)
    again = d.sample((20000,))
    assert not first.requires_grad and first.grad_fn is None
    np.testing.assert_array_equal(first.cpu().numpy(), again.cpu().numpy())
    x = first.cpu().numpy()
    n = len(x)
    assert np.all(np.abs(x.mean(0) - [1.0, -2.0]) < 5 * np.array([0.5, 3.0]) / math.sqrt(n))
    assert np.all(np.abs(x.std(0) / [0.5, 3.0] - 1) < 5 / math.sqrt(2 * n))


# ----------------------------------------------------------------------------- Bernoulli
BERNOULLI_METHODS = {
    "log_prob": lambda d, v: d.log_prob(v),
    "entropy": lambda d, v: d.entropy(),
    "mean": lambda d, v: d.mean,
    "variance": lambda d, v: d.variance,
    "probs": lambda d, v: d.probs,
    "logits": lambda d, v: d.logits,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", BERNOULLI_METHODS, ids=list(BERNOULLI_METHODS))
@pytest.mark.parametrize("parameter", ["probs", "logits"])
def test_bernoulli_methods_match_torch(device, dtype, method, parameter):
    rng = np.random.default_rng(2)
    if parameter == "probs":
        param = rng.uniform(0.05, 0.95, size=(3, 4))
    else:
        param = rng.standard_normal((3, 4)) * 3
    value = rng.integers(0, 2, size=(2, 1, 4)).astype(np.float64)  # broadcasts with (3, 4)
    fn = BERNOULLI_METHODS[method]
    check_parity(
        lambda p: fn(Bernoulli(**{parameter: p}), tensor(value.astype(dtype))),
        lambda p: fn(
            TD.Bernoulli(**{parameter: p}), torch.tensor(value.astype(dtype), device=p.device)
        ),
        param,
        device=device,
        dtype=dtype,
        rtol=1e-10 if dtype == "float64" else 1e-5,
        atol=1e-12 if dtype == "float64" else 1e-5,
    )


def test_bernoulli_log_prob_is_stable_for_extreme_logits_and_probs(device):
    logits = np.array([-60.0, -40.0, 0.0, 40.0, 60.0])
    value = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    check_parity(
        lambda t: Bernoulli(logits=t).log_prob(tensor(value)),
        lambda t: TD.Bernoulli(logits=t).log_prob(torch.tensor(value, device=t.device)),
        logits,
        device=device,
    )
    out = Bernoulli(logits=tensor(logits)).log_prob(tensor(value)).cpu().numpy()
    assert np.all(np.isfinite(out)) and out[0] == pytest.approx(-60.0)
    # probabilities of exactly 0 and 1: logits are clamped to [eps, 1 - eps] as in torch
    probs = np.array([0.0, 1.0, 0.5, 1.0])
    check_parity(
        lambda p: (Bernoulli(probs=p).log_prob(tensor(value[:4])), Bernoulli(probs=p).entropy()),
        lambda p: (
            TD.Bernoulli(probs=p).log_prob(torch.tensor(value[:4], device=p.device)),
            TD.Bernoulli(probs=p).entropy(),
        ),
        probs,
        device=device,
    )


def test_bernoulli_value_gradient_matches_torch(device):
    rng = np.random.default_rng(3)
    check_parity(
        lambda logits, v: Bernoulli(logits=logits, validate_args=False).log_prob(v),
        lambda logits, v: TD.Bernoulli(logits=logits, validate_args=False).log_prob(v),
        rng.standard_normal(5),
        rng.uniform(0, 1, 5),  # relaxed (non-binary) values need validate_args=False
        device=device,
    )


def test_bernoulli_sample_frequencies_shapes_and_repr():
    p = np.array([0.1, 0.5, 0.9])
    d = Bernoulli(probs=tensor(p))
    nnlib.manual_seed(0)
    x = d.sample((40000,))
    assert x.shape == (40000, 3) and x.dtype == np.float64 and not x.requires_grad
    assert set(np.unique(x.cpu().numpy())) <= {0.0, 1.0}
    se = np.sqrt(p * (1 - p) / len(x))
    assert np.all(np.abs(x.cpu().numpy().mean(0) - p) < 5 * se)
    assert repr(Bernoulli(probs=0.3)) == "Bernoulli(probs: 0.30000001192092896)"
    assert repr(Bernoulli(logits=tensor(np.zeros(3)))) == "Bernoulli(logits: (3,))"
    assert Bernoulli(logits=tensor(np.zeros((2, 3)))).batch_shape == (2, 3)


# --------------------------------------------------------------------------- Independent
@pytest.mark.parametrize("dtype", DTYPES)
def test_independent_normal_matches_torch(device, dtype):
    loc, scale, value = _normal_arrays(4)
    check_parity(
        lambda l, s, v: (
            Independent(Normal(l, s), 1).log_prob(v),
            Independent(Normal(l, s), 2).log_prob(v),
            Independent(Normal(l, s), 1).entropy(),
        ),
        lambda l, s, v: (
            TD.Independent(TD.Normal(l, s), 1).log_prob(v),
            TD.Independent(TD.Normal(l, s), 2).log_prob(v),
            TD.Independent(TD.Normal(l, s), 1).entropy() + 0 * v.sum(),
        ),
        loc,
        scale,
        value,
        device=device,
        dtype=dtype,
        rtol=1e-10 if dtype == "float64" else 2e-5,
        atol=1e-12 if dtype == "float64" else 1e-4,
    )


def test_independent_shapes_sampling_and_repr():
    base = Normal(tensor(np.zeros((3, 2))), tensor(np.ones((3, 2))))
    d = Independent(base, 1)
    assert d.batch_shape == (3,) and d.event_shape == (2,)
    assert Independent(base, 2).batch_shape == () and Independent(base, 2).event_shape == (3, 2)
    assert d.has_rsample and d.sample((4,)).shape == (4, 3, 2)
    assert d.mean.shape == (3, 2) and d.variance.shape == (3, 2)
    assert repr(d) == "Independent(Normal(loc: (3, 2), scale: (3, 2)), 1)"
    # a value that broadcasts against the batch is scored, as in torch
    out = d.log_prob(tensor(np.zeros((3, 1))))
    assert out.shape == (3,)
    np.testing.assert_allclose(out.cpu().numpy(), -np.log(2 * np.pi), rtol=1e-12)


# ---------------------------------------------------------------------------- KL
@pytest.mark.parametrize("dtype", DTYPES)
def test_kl_normal_normal_matches_torch_with_broadcasting(device, dtype):
    rng = np.random.default_rng(5)
    arrays = (
        rng.standard_normal((3, 1)),
        rng.uniform(0.3, 2, (3, 1)),
        rng.standard_normal(4),
        rng.uniform(0.3, 2, 4),
    )
    check_parity(
        lambda a, b, c, d: kl_divergence(Normal(a, b), Normal(c, d)),
        lambda a, b, c, d: TD.kl_divergence(TD.Normal(a, b), TD.Normal(c, d)),
        *arrays,
        device=device,
        dtype=dtype,
        rtol=1e-10 if dtype == "float64" else 1e-4,
        atol=1e-12 if dtype == "float64" else 1e-5,
    )


def test_kl_independent_and_bernoulli_match_torch(device):
    rng = np.random.default_rng(6)
    check_parity(
        lambda a, b, c, d: kl_divergence(
            Independent(Normal(a, b), 1), Independent(Normal(c, d), 1)
        ),
        lambda a, b, c, d: TD.kl_divergence(
            TD.Independent(TD.Normal(a, b), 1), TD.Independent(TD.Normal(c, d), 1)
        ),
        rng.standard_normal((5, 2)),
        rng.uniform(0.3, 2, (5, 2)),
        np.zeros(2),
        np.ones(2),
        device=device,
    )
    check_parity(
        lambda p, q: kl_divergence(Bernoulli(logits=p), Bernoulli(logits=q)),
        lambda p, q: TD.kl_divergence(TD.Bernoulli(logits=p), TD.Bernoulli(logits=q)),
        rng.standard_normal(6) * 3,
        rng.standard_normal(6) * 3,
        device=device,
    )
    # probabilities of exactly 0 and 1: zero terms vanish, impossible events cost +inf
    p, q = np.array([0.0, 1.0, 0.3, 0.3]), np.array([0.5, 0.5, 0.0, 1.0])
    ours = kl_divergence(Bernoulli(probs=tensor(p)), Bernoulli(probs=tensor(q))).cpu().numpy()
    theirs = TD.kl_divergence(
        TD.Bernoulli(probs=torch.tensor(p)), TD.Bernoulli(probs=torch.tensor(q))
    ).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_kl_closed_form_agrees_with_monte_carlo():
    p = Normal(tensor(np.array([1.0, 0.0])), tensor(np.array([0.5, 2.0])))
    q = Normal(tensor(np.array([-0.5, 0.0])), tensor(np.array([2.0, 0.7])))
    nnlib.manual_seed(0)
    x = p.sample((100000,))
    log_ratio = (p.log_prob(x) - q.log_prob(x)).cpu().numpy()
    estimate = log_ratio.mean(axis=0)
    standard_error = log_ratio.std(axis=0) / math.sqrt(len(log_ratio))
    exact = kl_divergence(p, q).cpu().numpy()
    assert np.all(np.abs(estimate - exact) < 4 * standard_error), (estimate, exact)


def test_kl_of_unregistered_pairs_and_mismatched_independents():
    with pytest.raises(NotImplementedError, match="p type Normal and q type Bernoulli"):
        kl_divergence(Normal(0.0, 1.0), Bernoulli(probs=0.5))
    base = Normal(tensor(np.zeros((2, 2))), 1.0)
    with pytest.raises(NotImplementedError, match="same reinterpreted_batch_ndims"):
        kl_divergence(Independent(base, 1), Independent(base, 2))


# ------------------------------------------------------------------------ validation
def test_parameter_validation_errors_match_torch_messages():
    with pytest.raises(ValueError, match=r"Expected parameter scale .* GreaterThan\(lower_bound=0"):
        Normal(tensor(np.zeros(2)), tensor(np.array([1.0, -1.0])))
    with pytest.raises(ValueError, match="GreaterThan"):
        Normal(0.0, 0.0)  # the scale must be strictly positive
    with pytest.raises(ValueError, match=r"Expected parameter loc .* Real\(\)"):
        Normal(float("nan"), 1.0)
    with pytest.raises(ValueError, match=r"parameter probs .* Interval\(lower_bound=0.0"):
        Bernoulli(probs=tensor(np.array([0.5, 1.2])))
    with pytest.raises(ValueError, match="Interval"):
        Bernoulli(probs=-0.1)
    for kwargs in ({}, {"probs": 0.2, "logits": 0.1}):
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
            Bernoulli(**kwargs)
    Normal(0.0, -1.0, validate_args=False)  # no check when asked not to
    with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims <= len"):
        Independent(Normal(tensor(np.zeros(2)), 1.0), 2)
    with pytest.raises(TypeError, match="floating point dtype, got int64"):
        Normal(tensor(np.zeros(2, np.int64)), 1.0)
    with pytest.raises(TypeError, match="must be an nnlib Tensor, a NumPy array or a number"):
        Normal("0", 1.0)
    with pytest.raises(RuntimeError, match=r"do not broadcast: loc \(2,\), scale \(3,\)"):
        Normal(tensor(np.zeros(2)), tensor(np.ones(3)))


def test_value_validation_errors():
    with pytest.raises(ValueError, match=r"within the support \(Boolean\(\)\)"):
        Bernoulli(probs=0.3).log_prob(tensor(0.5))
    with pytest.raises(ValueError, match=r"within the support \(Real\(\)\)"):
        Normal(0.0, 1.0).log_prob(tensor(float("nan")))
    with pytest.raises(ValueError, match=r"not broadcastable with batch_shape\+event_shape"):
        Normal(tensor(np.zeros(3)), 1.0).log_prob(tensor(np.zeros(2)))
    with pytest.raises(TypeError, match="sample_shape must be a tuple"):
        Normal(0.0, 1.0).sample(3)
    with pytest.raises(NotImplementedError, match="no reparameterized sampler"):
        Bernoulli(probs=0.3).rsample()
    # integer 0/1 values are scored in the distribution's dtype
    assert Bernoulli(probs=0.5).log_prob(tensor([1, 0])).dtype == np.float32


def test_default_validation_can_be_switched_off():
    try:
        Distribution.set_default_validate_args(False)
        Normal(0.0, -1.0)
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Normal(0.0, -1.0)


# ---------------------------------------------------------------------- properties
finite = st.floats(-5, 5, allow_nan=False)
positive = st.floats(0.1, 5, allow_nan=False)


@settings(derandomize=True, deadline=None, max_examples=30)
@given(m1=finite, s1=positive, m2=finite, s2=positive)
def test_kl_is_nonnegative_zero_on_itself_and_matches_torch(m1, s1, m2, s2):
    p, q = Normal(tensor(m1, dtype="float64"), s1), Normal(tensor(m2, dtype="float64"), s2)
    kl = kl_divergence(p, q).item()
    assert kl >= -1e-12
    assert abs(kl_divergence(p, p).item()) < 1e-12
    theirs = TD.kl_divergence(
        TD.Normal(torch.tensor(m1, dtype=torch.float64), s1),
        TD.Normal(torch.tensor(m2, dtype=torch.float64), s2),
    ).item()
    assert kl == pytest.approx(theirs, rel=1e-10, abs=1e-12)


@settings(derandomize=True, deadline=None, max_examples=30)
@given(logit=st.floats(-80, 80, allow_nan=False), value=st.sampled_from([0.0, 1.0]))
def test_bernoulli_log_prob_is_finite_nonpositive_and_normalised(logit, value):
    d = Bernoulli(logits=tensor(logit, dtype="float64"))
    log_p = d.log_prob(tensor(value, dtype="float64")).item()
    assert np.isfinite(log_p) and log_p <= 0
    total = math.exp(d.log_prob(tensor(0.0, dtype="float64")).item()) + math.exp(
        d.log_prob(tensor(1.0, dtype="float64")).item()
    )
    assert total == pytest.approx(1.0, rel=1e-12)


# ----------------------------------------------------------------- finite differences
def test_gradcheck_of_every_differentiable_method():
    rng = np.random.default_rng(8)
    loc = tensor(rng.standard_normal((2, 3)), requires_grad=True)
    scale = tensor(rng.uniform(0.5, 2, 3), requires_grad=True)
    value = tensor(rng.standard_normal((2, 3)), requires_grad=True)
    nnlib.gradcheck(lambda m, s, v: Normal(m, s).log_prob(v), (loc, scale, value))
    nnlib.gradcheck(lambda m, s, v: Normal(m, s).cdf(v), (loc, scale, value))
    nnlib.gradcheck(lambda m, s: Normal(m, s).entropy(), (loc, scale))
    nnlib.gradcheck(
        lambda m, s: kl_divergence(Independent(Normal(m, s), 1), Independent(Normal(s, m * m), 1)),
        (loc, scale),
    )
    probs = tensor(rng.uniform(0.1, 0.9, 4), requires_grad=True)
    logits = tensor(rng.standard_normal(4) * 2, requires_grad=True)
    soft = tensor(rng.uniform(0, 1, 4), requires_grad=True)
    nnlib.gradcheck(lambda p: Bernoulli(probs=p).logits, (probs,))
    nnlib.gradcheck(
        lambda t, v: Bernoulli(logits=t, validate_args=False).log_prob(v), (logits, soft)
    )
    nnlib.gradcheck(lambda t: Bernoulli(logits=t).entropy(), (logits,))
    nnlib.gradcheck(
        lambda p, t: kl_divergence(Bernoulli(probs=p), Bernoulli(logits=t)), (probs, logits)
    )


def test_numbers_arrays_and_samples_follow_the_parameters_device():
    """Numbers and arrays join the device of the tensor parameters, whatever the default is."""
    from nnlib.backend import use_pretend_gpu

    with use_pretend_gpu():
        nnlib.set_default_device("cuda")
        on_cpu = Normal(tensor(np.zeros(3), device="cpu"), 2.0)
        assert on_cpu.scale.device == "cpu" and on_cpu.rsample((4,)).device == "cpu"
        assert on_cpu.log_prob(np.zeros(3)).device == "cpu"
        nnlib.set_default_device("cpu")
        coin = Bernoulli(probs=tensor(np.full(3, 0.5), device="cuda"))
        assert coin.sample((5,)).device == "cuda:0" and coin.sample((5,)).shape == (5, 3)
        assert coin.log_prob(np.ones(3)).device == "cuda:0"
        normal = Normal(tensor(np.zeros(2), device="cuda"), np.ones(2))
        assert normal.scale.device == "cuda:0" and normal.sample().device == "cuda:0"
