"""``gradcheck``: finite differences confirm the backward passes of composite expressions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnlib import ops
from nnlib.autograd import Function
from nnlib.gradcheck import GradcheckError, gradcheck
from nnlib.tensor import tensor


def _leaf(*shape, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
    return tensor(data, requires_grad=True)


COMPOSITES = {
    "mlp": (
        lambda x, w, b: (x @ w.T + b).tanh().log_softmax(1).sum(),
        (_leaf(4, 3), _leaf(5, 3, seed=1), _leaf(5, seed=2)),
    ),
    "normalize": (
        lambda x: (x - x.mean(1, keepdim=True)) / (x.var(1, keepdim=True) + 1e-3).sqrt(),
        (_leaf(3, 4),),
    ),
    "softmax_attention": (
        lambda q, k: (q @ k.transpose(-1, -2) / 2).softmax(-1) @ k,
        (_leaf(2, 3, 4), _leaf(2, 5, 4, seed=1)),
    ),
    "indexing_and_reshape": (
        lambda x: ops.cat([x[:, [0, 0, 2]], x.reshape(3, 2, 2)[:, 1]], 1).sigmoid(),
        (_leaf(3, 4),),
    ),
    "power_and_log": (
        lambda x, y: (x**y).log() + ops.logsumexp(x * y, 0) + ops.maximum(x, y).sum(),
        (_leaf(3, 2, positive=True), _leaf(2, seed=4, positive=True)),
    ),
    "stack_where_expand": (
        lambda x: (
            ops.where(x > 0, x, -x).expand(2, 3, 3).permute(2, 0, 1).flatten()
            + ops.stack([x, x * x]).sum()
        ),
        (_leaf(3, 1),),
    ),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composites_pass_gradcheck(name):
    fn, inputs = COMPOSITES[name]
    assert gradcheck(fn, inputs)


def test_gradcheck_leaves_the_inputs_untouched():
    x = _leaf(3)
    before = x._array.copy()
    assert gradcheck(lambda t: (t * t).sum(), (x,))
    np.testing.assert_array_equal(x._array, before)
    assert x.grad is None


def test_gradcheck_agrees_with_torch_on_a_correct_function():
    x = _leaf(2, 3)
    assert gradcheck(lambda t: (t.exp() * t).sum(0), x)
    tx = torch.tensor(x._array, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: (t.exp() * t).sum(0), (tx,))


class WrongSquare(Function):
    """x**2 with a deliberately wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 3 * a


def test_wrong_backward_raises_naming_input_and_mismatch():
    x = tensor(np.array([1.0, 2.0]))
    y = _leaf(2)
    with pytest.raises(
        GradcheckError, match=r"input 1: largest difference .* numerical .* analytical"
    ):
        gradcheck(lambda a, b: WrongSquare.apply(b) + a, (x, y))
    assert issubclass(GradcheckError, RuntimeError)


def test_wrong_backward_returns_false_without_raising():
    assert gradcheck(lambda a: WrongSquare.apply(a), (_leaf(2),), raise_exception=False) is False


def test_gradcheck_requires_float64_inputs_with_grad():
    with pytest.raises(ValueError, match="input 0 has dtype float32.*float64"):
        gradcheck(lambda t: t * 2, (tensor([1.0], requires_grad=True),))
    with pytest.raises(ValueError, match="no input has requires_grad=True"):
        gradcheck(lambda t: t * 2, (tensor(np.array([1.0])),))
