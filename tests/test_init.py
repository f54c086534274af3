"""nnlib.nn.init: gains, fans, distribution statistics, in-place semantics and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnlib.nn import init
from nnlib.nn.parameter import Parameter
from nnlib.random import manual_seed
from nnlib.tensor import tensor

SHAPES = [(1000, 1000), (64, 32, 3, 3)]


def fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def empty(shape, dtype=np.float64):
    return tensor(np.zeros(shape, dtype=dtype))


def assert_statistics(values: np.ndarray, mean: float, std: float, bound: float | None = None):
    """Sample mean and std within a few standard errors of the theoretical values."""
    n = values.size
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(n)
    # The std of the sample variance is about var * sqrt(2 / n) (sqrt(0.8 / n) for a uniform).
    assert abs(values.var() - std**2) < 5 * std**2 * math.sqrt(2.0 / n)
    if bound is not None:
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() > 0.99 * bound and values.min() < -0.99 * bound


# ------------------------------------------------------------------------ gains
@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv1d", None),
        ("conv2d", None),
        ("conv3d", None),
        ("conv_transpose1d", None),
        ("conv_transpose2d", None),
        ("conv_transpose3d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0),
        ("leaky_relu", 0.2),
        ("leaky_relu", 3),
        ("selu", None),
    ],
)
def test_gain_matches_torch(nonlinearity, param):
    ours = init.calculate_gain(nonlinearity, param)
    assert ours == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_gain_values_from_the_table():
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.5) == pytest.approx(math.sqrt(2 / 1.25))
    assert init.calculate_gain("selu") == 0.75


def test_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope 'big' for 'leaky_relu' is not a valid"):
        init.calculate_gain("leaky_relu", "big")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


# ------------------------------------------------------------------------- fans
@pytest.mark.parametrize(
    "shape", [(3, 5), (10, 1), (64, 32, 3, 3), (8, 4, 5), (6, 2, 3, 4, 5), (7, 3, 1, 1), (0, 4)]
)
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.calculate_fan_in_and_fan_out(empty(shape)) == expected


@pytest.mark.parametrize("shape", [(), (5,)])
def test_fans_need_two_dimensions(shape):
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.calculate_fan_in_and_fan_out(empty(shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(empty(shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_normal_(empty(shape))


# ------------------------------------------------------------------ statistics
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_uniform_statistics(shape, gain):
    fan_in, fan_out = fans(shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    w = init.xavier_uniform_(empty(shape), gain=gain, generator=np.random.default_rng(0))
    assert_statistics(w._array, 0.0, std, bound=math.sqrt(3.0) * std)


@pytest.mark.parametrize("shape", SHAPES)
def test_xavier_normal_statistics(shape):
    fan_in, fan_out = fans(shape)
    std = 0.5 * math.sqrt(2.0 / (fan_in + fan_out))
    w = init.xavier_normal_(empty(shape), gain=0.5, generator=np.random.default_rng(1))
    assert_statistics(w._array, 0.0, std)


KAIMING_CASES = [
    ("fan_in", "leaky_relu", 0.0),
    ("fan_out", "leaky_relu", 0.0),
    ("fan_in", "leaky_relu", 0.2),
    ("fan_out", "relu", 0.0),
    ("fan_in", "tanh", 0.0),
    ("fan_in", "linear", 0.0),
    ("FAN_OUT", "sigmoid", 0.0),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("mode", "nonlinearity", "a"), KAIMING_CASES)
def test_kaiming_uniform_statistics(shape, mode, nonlinearity, a):
    fan_in, fan_out = fans(shape)
    fan = fan_in if mode.lower() == "fan_in" else fan_out
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    w = init.kaiming_uniform_(
        empty(shape), a=a, mode=mode, nonlinearity=nonlinearity, generator=np.random.default_rng(2)
    )
    assert_statistics(w._array, 0.0, std, bound=math.sqrt(3.0) * std)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("mode", "nonlinearity", "a"), KAIMING_CASES)
def test_kaiming_normal_statistics(shape, mode, nonlinearity, a):
    fan_in, fan_out = fans(shape)
    fan = fan_in if mode.lower() == "fan_in" else fan_out
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    w = init.kaiming_normal_(
        empty(shape), a=a, mode=mode, nonlinearity=nonlinearity, generator=np.random.default_rng(3)
    )
    assert_statistics(w._array, 0.0, std)


def test_kaiming_default_is_he_for_relu():
    """Default a=0 with leaky_relu: std = sqrt(2 / fan_in), He et al.'s ReLU initialisation."""
    w = init.kaiming_normal_(empty((500, 400)), generator=np.random.default_rng(4))
    assert_statistics(w._array, 0.0, math.sqrt(2.0 / 400))


@pytest.mark.parametrize("shape", SHAPES)
def test_spread_matches_torch_initialisers(shape):
    """Same distribution as torch's: compare sample stds and extremes on the same shape."""
    torch.manual_seed(0)
    ours = init.kaiming_uniform_(empty(shape), a=math.sqrt(5), generator=np.random.default_rng(5))
    theirs = torch.nn.init.kaiming_uniform_(torch.empty(shape, dtype=torch.float64), a=math.sqrt(5))
    np.testing.assert_allclose(ours._array.std(), theirs.std().item(), rtol=0.02)
    np.testing.assert_allclose(np.abs(ours._array).max(), theirs.abs().max().item(), rtol=0.01)
    ours = init.xavier_normal_(empty(shape), generator=np.random.default_rng(6))
    theirs = torch.nn.init.xavier_normal_(torch.empty(shape, dtype=torch.float64))
    np.testing.assert_allclose(ours._array.std(), theirs.std().item(), rtol=0.02)


@pytest.mark.parametrize(("a", "b"), [(0.0, 1.0), (-3.0, 5.0)])
def test_uniform_statistics(a, b):
    w = init.uniform_(empty((1000, 1000)), a, b, generator=np.random.default_rng(7))
    assert_statistics(w._array, (a + b) / 2, (b - a) / math.sqrt(12.0))
    assert w._array.min() >= a and w._array.max() < b


@pytest.mark.parametrize(("mean", "std"), [(0.0, 1.0), (2.5, 0.1)])
def test_normal_statistics(mean, std):
    w = init.normal_(empty((1000, 1000)), mean, std, generator=np.random.default_rng(8))
    assert_statistics(w._array, mean, std)


# ---------------------------------------------------------------- semantics
def test_constant_zeros_ones():
    w = empty((3, 4), np.float32)
    assert init.constant_(w, 0.25) is w
    np.testing.assert_array_equal(w._array, np.full((3, 4), 0.25, np.float32))
    np.testing.assert_array_equal(init.ones_(w)._array, np.ones((3, 4)))
    np.testing.assert_array_equal(init.zeros_(w)._array, np.zeros((3, 4)))


ALL_INITS = [
    lambda t, g: init.uniform_(t, -1.0, 1.0, generator=g),
    lambda t, g: init.normal_(t, 0.0, 2.0, generator=g),
    lambda t, g: init.constant_(t, 3.0),
    lambda t, g: init.zeros_(t),
    lambda t, g: init.ones_(t),
    lambda t, g: init.xavier_uniform_(t, generator=g),
    lambda t, g: init.xavier_normal_(t, generator=g),
    lambda t, g: init.kaiming_uniform_(t, generator=g),
    lambda t, g: init.kaiming_normal_(t, generator=g),
]


@pytest.mark.parametrize("fill", ALL_INITS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_on_a_parameter_without_history(fill, dtype):
    weight = Parameter(tensor(np.full((20, 30), 7.0, dtype=dtype)))
    storage = weight._array
    out = fill(weight, np.random.default_rng(9))
    assert out is weight
    assert weight._array is storage  # the same array was written into
    assert weight.dtype == dtype
    assert weight.requires_grad and weight.is_leaf and weight.grad_fn is None
    assert not (weight._array == 7.0).all()


def test_generator_makes_it_reproducible():
    a = init.kaiming_uniform_(empty((30, 20)), generator=np.random.default_rng(10))
    b = init.kaiming_uniform_(empty((30, 20)), generator=np.random.default_rng(10))
    np.testing.assert_array_equal(a._array, b._array)
    manual_seed(11)
    c = init.xavier_normal_(empty((30, 20)))
    manual_seed(11)
    d = init.xavier_normal_(empty((30, 20)))
    np.testing.assert_array_equal(c._array, d._array)
    assert not np.array_equal(a._array, c._array)


def test_zero_element_tensor_is_a_no_op_with_a_warning():
    w = empty((0, 4))
    with pytest.warns(UserWarning, match="zero-element tensor is a no-op"):
        assert init.kaiming_uniform_(w) is w


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("fill", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_errors(fill):
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported.*'fan_in', 'fan_out'"):
        fill(empty((4, 3)), mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'softsign'"):
        fill(empty((4, 3)), nonlinearity="softsign")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        fill(empty((4,)))


def test_distribution_argument_errors():
    with pytest.raises(ValueError, match=r"uniform_: expected a <= b, got a=2.0 > b=1.0"):
        init.uniform_(empty((2, 2)), 2.0, 1.0)
    with pytest.raises(ValueError, match=r"normal_: expected std >= 0, got std=-1.0"):
        init.normal_(empty((2, 2)), 0.0, -1.0)
    with pytest.raises(TypeError, match="xavier_uniform_: expected a Tensor, got ndarray"):
        init.xavier_uniform_(np.zeros((2, 2)))
