"""Chapter 3 activations: torch parity (values and gradients), extreme inputs, gradcheck, erf.

Also covers chapter 2's ``relu``, ``sigmoid``, ``tanh``, ``softmax`` and ``log_softmax`` at
inputs of +-1000, where a naive formula overflows.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib import activation_functions as A
from nnlib.gradcheck import gradcheck
from nnlib.nn.activation_modules import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    SiLU,
    Softmax,
    Softplus,
)
from nnlib.nn.module import Module
from nnlib.ops.elementwise import relu, sigmoid, tanh
from nnlib.ops.softmax import log_softmax, softmax
from nnlib.tensor import Tensor, tensor

# name -> (nnlib function, torch function); each takes one tensor.
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "leaky_relu": (A.leaky_relu, F.leaky_relu),
    "leaky_relu(0.2)": (lambda x: A.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2)),
    "elu": (A.elu, F.elu),
    "elu(alpha=0.5)": (lambda x: A.elu(x, alpha=0.5), lambda x: F.elu(x, alpha=0.5)),
    "gelu": (A.gelu, F.gelu),
    "gelu(tanh)": (
        lambda x: A.gelu(x, approximate="tanh"),
        lambda x: F.gelu(x, approximate="tanh"),
    ),
    "silu": (A.silu, F.silu),
    "softplus": (A.softplus, F.softplus),
    "softplus(beta=2, threshold=5)": (
        lambda x: A.softplus(x, beta=2.0, threshold=5.0),
        lambda x: F.softplus(x, beta=2.0, threshold=5.0),
    ),
    "erf": (A.erf, torch.erf),
    "erfc": (A.erfc, torch.erfc),
}
CHAPTER_2: dict[str, tuple[Callable, Callable]] = {
    "relu": (relu, torch.relu),
    "sigmoid": (sigmoid, torch.sigmoid),
    "tanh": (tanh, torch.tanh),
    "softmax": (lambda x: softmax(x, dim=-1), lambda x: torch.softmax(x, dim=-1)),
    "log_softmax": (lambda x: log_softmax(x, dim=-1), lambda x: torch.log_softmax(x, dim=-1)),
}
ALL = {**ACTIVATIONS, **CHAPTER_2}

MODULES = {
    "LeakyReLU": (LeakyReLU(), torch.nn.LeakyReLU()),
    "LeakyReLU(0.3)": (LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)),
    "ELU(2.0)": (ELU(2.0), torch.nn.ELU(2.0)),
    "GELU": (GELU(), torch.nn.GELU()),
    "GELU(tanh)": (GELU("tanh"), torch.nn.GELU("tanh")),
    "SiLU": (SiLU(), torch.nn.SiLU()),
    "Softplus(0.5, 10)": (Softplus(0.5, 10.0), torch.nn.Softplus(0.5, 10.0)),
    "Softmax(1)": (Softmax(dim=1), torch.nn.Softmax(dim=1)),
    "LogSoftmax(0)": (LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
}

# (rtol, atol) for values and gradients: float64 tight, float32 loose.
TOLERANCE = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-6)}


@contextmanager
def no_numpy_warnings():
    """Turn every NumPy floating-point warning (and any other warning) into an error.

    Underflow stays ignored, as in NumPy's default: ``exp(-1000)`` rounding to 0 is the correct
    float result and prints nothing; overflow, invalid (NaN) and divide-by-zero raise.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


def run_both(ours: Callable, theirs: Callable, x: np.ndarray, upstream: np.ndarray, device: str):
    """Forward and backward through nnlib and torch; returns (values, grads) of each."""
    with no_numpy_warnings():
        a = tensor(x, requires_grad=True)
        out = ours(a)
        out.backward(tensor(upstream))
    t = torch.tensor(x, device=device, requires_grad=True)
    t_out = theirs(t)
    t_out.backward(torch.tensor(upstream, device=device))
    return (
        (out._array, a.grad._array),
        (t_out.detach().cpu().numpy(), t.grad.cpu().numpy()),
    )


def assert_matches_torch(ours, theirs, x, device, rng):
    upstream = rng.standard_normal(x.shape).astype(x.dtype)
    (value, grad), (t_value, t_grad) = run_both(ours, theirs, x, upstream, device)
    rtol, atol = TOLERANCE[x.dtype.type]
    assert value.dtype == x.dtype and grad.dtype == x.dtype
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(value, t_value, rtol=rtol, atol=atol)
    np.testing.assert_allclose(grad, t_grad, rtol=rtol, atol=atol)


def random_inputs(rng: np.random.Generator, dtype) -> np.ndarray:
    """Normal-sized values, values around the kinks and thresholds, and large magnitudes."""
    x = np.concatenate(
        [
            rng.standard_normal(40),
            3.0 * rng.standard_normal(40),
            rng.uniform(-60.0, 60.0, 20),
            rng.uniform(-1e4, 1e4, 10),
            [0.0, -0.0, 1e-8, -1e-8, 20.0, 5.0, 2.5, -700.0, 700.0, 1e6, -1e6],
        ]
    )
    return x.reshape(11, 11).astype(dtype)


# --------------------------------------------------------------------------- parity
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ALL))
def test_function_matches_torch(name, dtype, device):
    ours, theirs = ALL[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    assert_matches_torch(ours, theirs, random_inputs(rng, dtype), device, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ALL))
def test_extreme_inputs_are_finite_and_match_torch(name, dtype, device):
    """+-1000 alone and mixed with ordinary values: no inf, NaN or NumPy warning."""
    ours, theirs = ALL[name]
    rng = np.random.default_rng(7)
    rows = [
        [-1000.0, 1000.0, -1000.0, 1000.0, -1000.0],
        [1000.0, 1000.0, 1000.0, 1000.0, 1000.0],
        [-1000.0, -1000.0, -1000.0, -1000.0, -1000.0],
        [-1000.0, 0.5, -2.0, 1000.0, 0.0],
    ]
    x = np.array(rows, dtype=dtype)
    assert_matches_torch(ours, theirs, x, device, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(MODULES))
def test_module_matches_torch(name, dtype, device):
    ours, theirs = MODULES[name]
    rng = np.random.default_rng(3)
    x = random_inputs(rng, dtype)
    assert_matches_torch(ours, theirs, x, device, rng)  # no parameters: no .to()


@pytest.mark.parametrize("name", list(MODULES))
def test_module_repr_matches_torch(name):
    ours, theirs = MODULES[name]
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (LeakyReLU(0.1, inplace=True), torch.nn.LeakyReLU(0.1, inplace=True)),
        (ELU(inplace=True), torch.nn.ELU(inplace=True)),
        (SiLU(inplace=True), torch.nn.SiLU(inplace=True)),
        (Softplus(beta=1, threshold=20), torch.nn.Softplus(beta=1, threshold=20)),
        (Softmax(), torch.nn.Softmax()),
    ],
)
def test_repr_of_other_arguments_matches_torch(ours, theirs):
    assert repr(ours) == repr(theirs)


# ------------------------------------------------------------------- hypothesis
@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(ALL)),
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5),
        elements=st.floats(-80.0, 80.0, allow_nan=False),
    ),
    seed=st.integers(0, 2**16),
)
def test_random_shapes_and_values_match_torch(name, x, seed):
    ours, theirs = ALL[name]
    assert_matches_torch(ours, theirs, x, "cpu", np.random.default_rng(seed))


# ------------------------------------------------------------------- gradcheck
def away_from_kinks(rng: np.random.Generator, shape=(3, 4)) -> np.ndarray:
    """Random values with |x| in [0.2, 3]: no finite difference straddles x = 0."""
    return rng.uniform(0.2, 3.0, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("name", list(ALL))
def test_gradcheck(name):
    ours, _ = ALL[name]
    x = tensor(away_from_kinks(np.random.default_rng(11)), requires_grad=True)
    assert gradcheck(ours, (x,))


def test_gradcheck_softplus_on_both_sides_of_the_linear_regime():
    x = tensor(np.array([-3.0, 0.5, 4.0, 9.0, 11.0, 25.0]), requires_grad=True)
    assert gradcheck(lambda t: A.softplus(t, beta=2.0, threshold=20.0), (x,))


# ------------------------------------------------------------------------ erf
def test_erf_matches_math_erf_on_a_dense_grid():
    """Cody's approximation, evaluated with NumPy, agrees with libm to ~1 ulp."""
    x = np.linspace(-8.0, 8.0, 400_001)
    ours = A.erf(tensor(x))._array
    reference = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(ours, reference, rtol=1e-15, atol=0)
    assert np.abs(ours - reference).max() <= 2.3e-16


def test_erfc_matches_math_erfc_on_a_dense_grid_including_the_tail():
    """erfc keeps full relative precision where it is tiny (down to ~1e-300 at x = 26)."""
    x = np.linspace(-6.0, 26.5, 325_001)
    ours = A.erfc(tensor(x))._array
    reference = np.array([math.erfc(v) for v in x])
    assert (reference > 0).all()
    np.testing.assert_allclose(ours, reference, rtol=2e-15, atol=0)


def test_erf_special_values():
    x = tensor(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 30.0, -30.0]))
    with no_numpy_warnings():
        out = A.erf(x)._array
        out_c = A.erfc(x)._array
    np.testing.assert_array_equal(out[[0, 2, 3, 5, 6]], [0.0, 1.0, -1.0, 1.0, -1.0])
    assert np.signbit(out[1])  # erf(-0.0) = -0.0
    assert np.isnan(out[4]) and np.isnan(out_c[4])
    np.testing.assert_array_equal(out_c[[0, 2, 3, 5, 6]], [1.0, 0.0, 2.0, 0.0, 2.0])


def test_erf_is_odd_and_float32_stays_float32():
    x = np.random.default_rng(5).uniform(-6.0, 6.0, 1000)
    np.testing.assert_array_equal(A.erf(tensor(-x))._array, -A.erf(tensor(x))._array)
    assert A.erf(tensor(x.astype(np.float32))).dtype == np.float32


def test_gelu_is_accurate_far_into_the_negative_tail():
    """x * Phi(x) via erfc: at x = -10 it is ~ -7.7e-23, where 1 + erf(x/sqrt 2) gives 0."""
    x = np.array([-10.0, -20.0, -37.0])
    ours = A.gelu(tensor(x))._array
    reference = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x])
    assert (ours < 0).all()
    np.testing.assert_allclose(ours, reference, rtol=1e-14)


# ------------------------------------------------------------------ behaviour
def test_inplace_writes_into_the_input_when_no_gradient_flows():
    x = tensor(np.array([-2.0, 3.0]))
    out = A.leaky_relu(x, 0.5, inplace=True)
    assert out is x
    np.testing.assert_array_equal(x._array, [-1.0, 3.0])
    for layer in (ELU(inplace=True), SiLU(inplace=True), LeakyReLU(inplace=True)):
        y = tensor(np.array([-1.0, 1.0]))
        assert layer(y) is y


def test_inplace_with_autograd_is_recorded_like_torch():
    x = tensor(np.array([-2.0, 3.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        A.elu(x, inplace=True)  # torch refuses to change a leaf that requires grad
    h = x * 1
    out = A.elu(h, inplace=True)
    assert out is h  # written into h, as torch does
    out.backward(tensor(np.ones(2)))
    tx = torch.tensor([-2.0, 3.0], dtype=torch.float64, requires_grad=True)
    th = tx * 1
    torch.nn.functional.elu(th, inplace=True).backward(torch.ones(2, dtype=torch.float64))
    np.testing.assert_allclose(h._array, th.detach().numpy())
    np.testing.assert_allclose(x.grad._array, tx.grad.numpy())


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_non_tensor_and_integer_inputs_are_rejected(name):
    ours, _ = ACTIVATIONS[name]
    with pytest.raises(TypeError, match="expected a Tensor"):
        ours(np.ones(3))
    with pytest.raises(NotImplementedError, match="floating-point"):  # torch's error type
        ours(tensor(np.arange(3)))


def test_bad_gelu_approximation():
    with pytest.raises(ValueError, match=r"gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        A.gelu(tensor(np.ones(2)), approximate="erf")
    with pytest.raises(ValueError, match="GELU: approximate must be"):
        GELU("sigmoid")


def test_softplus_beta_zero():
    with pytest.raises(ValueError, match="beta must be nonzero"):
        A.softplus(tensor(np.ones(2)), beta=0.0)
    with pytest.raises(ValueError, match="Softplus: beta must be nonzero"):
        Softplus(beta=0)


@pytest.mark.parametrize("layer", [Softmax, LogSoftmax])
def test_softmax_modules_require_dim(layer):
    module = layer()
    with pytest.raises(ValueError, match=rf"{layer.__name__}: dim is required"):
        module(tensor(np.ones((2, 3))))


def test_modules_are_modules_without_parameters():
    for ours, _ in MODULES.values():
        assert isinstance(ours, Module)
        assert list(ours.parameters()) == []
        assert isinstance(ours(tensor(np.ones((2, 3)))), Tensor)
