"""Dropout: statistics of the mask, gradient through the mask, eval identity, p edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnlib.autograd import no_grad
from nnlib.nn.dropout import Dropout, dropout
from nnlib.random import manual_seed
from nnlib.tensor import tensor


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_zeroed_and_mean_preserved(p):
    x = tensor(np.ones((200, 500)))
    y = Dropout(p, generator=np.random.default_rng(0))(x)._array
    assert abs((y == 0).mean() - p) < 0.01  # 100,000 draws: the std is below 0.0016
    assert abs(y.mean() - 1.0) < 0.03
    np.testing.assert_array_equal(np.unique(y), [0.0, 1.0 / (1.0 - p)])


def test_matches_torch_statistics(device):
    """torch's masks differ, but the kept values and the zeroed fraction agree."""
    p, shape = 0.3, (100, 400)
    ours = dropout(tensor(np.full(shape, 2.0)), p, generator=np.random.default_rng(1))._array
    theirs = torch.nn.functional.dropout(torch.full(shape, 2.0, device=device), p).cpu().numpy()
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs.astype(np.float64)), rtol=1e-6)
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.015


def test_gradient_is_the_scaled_mask():
    p = 0.4
    rng = np.random.default_rng(2)
    x = tensor(rng.standard_normal((30, 40)) + 5.0, requires_grad=True)  # no zeros in x
    y = dropout(x, p, generator=rng)
    upstream = rng.standard_normal((30, 40))
    y.backward(tensor(upstream))
    mask = (y._array != 0) / (1 - p)
    np.testing.assert_allclose(y._array, x._array * mask, rtol=1e-15)
    np.testing.assert_allclose(x.grad._array, upstream * mask, rtol=1e-15)


def test_eval_mode_is_identity():
    layer = Dropout(0.5)
    x = tensor(np.random.default_rng(3).standard_normal((4, 5)), requires_grad=True)
    layer.eval()
    y = layer(x)
    np.testing.assert_array_equal(y._array, x._array)
    assert dropout(x, 0.5, training=False) is x
    layer.train()
    assert (layer(x)._array == 0).any()


def test_p_zero_and_p_one():
    x = tensor(np.random.default_rng(4).standard_normal((10, 10)) + 3.0, requires_grad=True)
    np.testing.assert_array_equal(Dropout(0.0)(x)._array, x._array)
    y = Dropout(1.0)(x)
    np.testing.assert_array_equal(y._array, np.zeros((10, 10)))
    y.backward(tensor(np.ones((10, 10))))
    np.testing.assert_array_equal(x.grad._array, np.zeros((10, 10)))


def test_default_generator_is_reproducible():
    x = tensor(np.ones((8, 8), dtype=np.float32))
    manual_seed(123)
    first = dropout(x)._array
    manual_seed(123)
    second = dropout(x)._array
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32


def test_inplace():
    x = tensor(np.ones((50, 50)))
    out = Dropout(0.5, inplace=True, generator=np.random.default_rng(5))(x)
    assert out is x
    assert (x._array == 0).any() and (x._array == 2).any()
    # When a gradient must flow through the input, the result is computed out of place.
    w = tensor(np.ones((5, 5)), requires_grad=True)
    y = dropout(w, 0.5, inplace=True, generator=np.random.default_rng(6))
    assert y is not w
    np.testing.assert_array_equal(w._array, np.ones((5, 5)))
    with no_grad():
        assert dropout(w, 0.5, inplace=True) is w


def test_repr_matches_torch():
    assert repr(Dropout(0.25)) == repr(torch.nn.Dropout(0.25))


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), "0.5"])
def test_invalid_p(p):
    with pytest.raises(ValueError, match="Dropout: dropout probability has to be between 0 and 1"):
        Dropout(p)
    with pytest.raises(ValueError, match="dropout: dropout probability has to be between 0 and 1"):
        dropout(tensor(np.ones(3)), p)


def test_integer_input_is_rejected():
    with pytest.raises(TypeError, match="dropout: expected a floating-point input"):
        dropout(tensor(np.ones(3, dtype=np.int64)), 0.5)
