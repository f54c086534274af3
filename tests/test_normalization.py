"""BatchNorm1d, BatchNorm2d and LayerNorm against torch: values, gradients, running statistics."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.autograd import no_grad
from nnlib.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm, batch_norm, layer_norm
from nnlib.tensor import Tensor, tensor

#: torch added ``BatchNorm*(..., bias=False)`` (and ``bias=`` in the repr) in version 2.13.
TORCH_BN_HAS_BIAS = "bias" in inspect.signature(torch.nn.BatchNorm1d.__init__).parameters
needs_bn_bias = pytest.mark.skipif(
    not TORCH_BN_HAS_BIAS, reason="this torch has no BatchNorm bias="
)

TOLERANCES = {
    np.float64: {"rtol": 1e-10, "atol": 1e-12},
    np.float32: {"rtol": 1e-5, "atol": 1e-5},
}
TORCH_DTYPES = {np.float64: torch.float64, np.float32: torch.float32}

# (nnlib class, torch class, constructor args, input shape)
BN_LAYERS = [
    ("bn1d-2d", BatchNorm1d, torch.nn.BatchNorm1d, (4,), (8, 4)),
    ("bn1d-3d", BatchNorm1d, torch.nn.BatchNorm1d, (3,), (5, 3, 7)),
    ("bn2d", BatchNorm2d, torch.nn.BatchNorm2d, (3,), (4, 3, 5, 6)),
]
LN_LAYERS = [
    ("ln-1", LayerNorm, torch.nn.LayerNorm, (6,), (4, 6)),
    ("ln-2", LayerNorm, torch.nn.LayerNorm, ((5, 6),), (2, 3, 5, 6)),
]
BN_OPTIONS = [
    ("default", {}),
    ("cumulative", {"momentum": None}),
    ("momentum", {"momentum": 0.3, "eps": 1e-3}),
    ("no-affine", {"affine": False}),
    ("no-running-stats", {"track_running_stats": False}),
]
if TORCH_BN_HAS_BIAS:
    BN_OPTIONS.append(("no-bias", {"bias": False}))
LN_OPTIONS = [
    ("default", {}),
    ("no-affine", {"elementwise_affine": False}),
    ("no-bias", {"bias": False}),
    ("eps", {"eps": 1e-2}),
]
LAYERS = [pytest.param(*layer[1:], id=layer[0]) for layer in BN_LAYERS + LN_LAYERS]
PARITY_CASES = [
    pytest.param(*layer[1:], options, id=f"{layer[0]}-{name}")
    for layers, all_options in [(BN_LAYERS, BN_OPTIONS), (LN_LAYERS, LN_OPTIONS)]
    for layer in layers
    for name, options in all_options
]


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def assert_close(actual, expected, dtype) -> None:
    actual = actual._array if isinstance(actual, Tensor) else actual
    np.testing.assert_allclose(actual, expected, **TOLERANCES[dtype])


def make_pair(nn_cls, torch_cls, args, options, dtype, device, seed=0):
    """A torch layer with random affine parameters and an nnlib twin loaded from its state_dict."""
    torch_layer = torch_cls(*args, **options).to(device=device, dtype=TORCH_DTYPES[dtype])
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in torch_layer.parameters():
            param.copy_(torch.randn(param.shape, generator=gen, dtype=param.dtype).to(device) + 1)
    nn_layer = nn_cls(*args, **options, dtype=dtype)
    nn_layer.load_state_dict(torch_layer.state_dict())
    return nn_layer, torch_layer


def forward_backward(nn_layer, torch_layer, x, grad, device):
    """Run both layers on ``x``, backpropagate ``grad``; return (nnlib input, torch input)."""
    xn = tensor(x, requires_grad=True)
    xt = torch.tensor(x, device=device, requires_grad=True)
    yn, yt = nn_layer(xn), torch_layer(xt)
    yn.backward(tensor(grad))
    yt.backward(torch.tensor(grad, device=device))
    return xn, xt, yn, yt


def compare_step(nn_layer, torch_layer, x, grad, dtype, device):
    for p in nn_layer.parameters():
        p.grad = None
    torch_layer.zero_grad()
    xn, xt, yn, yt = forward_backward(nn_layer, torch_layer, x, grad, device)
    assert yn.dtype == np.dtype(dtype)
    assert_close(yn, to_numpy(yt), dtype)
    assert_close(xn.grad, to_numpy(xt.grad), dtype)
    for (name, pn), (_, pt) in zip(
        nn_layer.named_parameters(), torch_layer.named_parameters(), strict=True
    ):
        assert pn.grad is not None, name
        assert_close(pn.grad, to_numpy(pt.grad), dtype)
    for (name, bn), (_, bt) in zip(
        nn_layer.named_buffers(), torch_layer.named_buffers(), strict=True
    ):
        np.testing.assert_allclose(bn._array, to_numpy(bt), **TOLERANCES[dtype], err_msg=name)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("nn_cls", "torch_cls", "args", "shape", "options"), PARITY_CASES)
def test_parity_train_then_eval(nn_cls, torch_cls, args, shape, options, dtype, device):
    nn_layer, torch_layer = make_pair(nn_cls, torch_cls, args, options, dtype, device)
    assert list(nn_layer.state_dict()) == list(torch_layer.state_dict())

    rng = np.random.default_rng(1)
    for _ in range(3):  # training steps: batch statistics, running averages updated
        x = (rng.standard_normal(shape) * 2.5 + 1.5).astype(dtype)
        grad = rng.standard_normal(shape).astype(dtype)
        compare_step(nn_layer, torch_layer, x, grad, dtype, device)

    nn_layer.eval()
    torch_layer.eval()
    x = (rng.standard_normal(shape) * 2.5 + 1.5).astype(dtype)
    grad = rng.standard_normal(shape).astype(dtype)
    compare_step(nn_layer, torch_layer, x, grad, dtype, device)  # running statistics


@pytest.mark.parametrize(("nn_cls", "torch_cls", "args", "shape"), LAYERS)
def test_state_dict_round_trip_to_torch(nn_cls, torch_cls, args, shape, device):
    """Train the nnlib layer, load its state_dict into torch, compare eval outputs."""
    rng = np.random.default_rng(2)
    nn_layer = nn_cls(*args, dtype=np.float64)
    with no_grad():
        for p in nn_layer.parameters():
            p._array[...] = rng.standard_normal(p.shape)
    for _ in range(2):
        nn_layer(tensor(rng.standard_normal(shape) + 2.0))
    torch_layer = torch_cls(*args).to(device=device, dtype=torch.float64)
    torch_layer.load_state_dict(
        {k: torch.from_numpy(v.cpu().numpy().copy()) for k, v in nn_layer.state_dict().items()}
    )
    nn_layer.eval()
    torch_layer.eval()
    x = rng.standard_normal(shape)
    expected = to_numpy(torch_layer(torch.tensor(x, device=device)))
    assert_close(nn_layer(tensor(x)), expected, np.float64)


def test_state_dict_keys_and_dtypes():
    layer = BatchNorm2d(5)
    assert list(layer.state_dict()) == list(torch.nn.BatchNorm2d(5).state_dict())
    state = layer.state_dict()
    assert state["running_mean"].dtype == np.float32
    assert state["num_batches_tracked"].dtype == np.int64
    assert list(BatchNorm1d(3, affine=False, track_running_stats=False).state_dict()) == []
    assert [name for name, _ in BatchNorm1d(3).named_parameters()] == ["weight", "bias"]
    layer.double()
    assert layer.running_var.dtype == np.float64
    assert layer.num_batches_tracked.dtype == np.int64
    assert list(LayerNorm(4, bias=False).state_dict()) == ["weight"]


@needs_bn_bias
def test_batch_norm_repr_matches_torch():
    assert repr(BatchNorm1d(4)) == repr(torch.nn.BatchNorm1d(4))
    assert repr(BatchNorm2d(8, momentum=None, affine=False)) == repr(
        torch.nn.BatchNorm2d(8, momentum=None, affine=False)
    )
    assert repr(BatchNorm1d(2, bias=False)) == repr(torch.nn.BatchNorm1d(2, bias=False))


@pytest.mark.skipif(
    "bias=" not in repr(torch.nn.LayerNorm(2)), reason="this torch's LayerNorm repr has no bias="
)
def test_layer_norm_repr_matches_torch():
    assert repr(LayerNorm((3, 4))) == repr(torch.nn.LayerNorm((3, 4)))
    assert repr(LayerNorm(5, elementwise_affine=False)) == repr(
        torch.nn.LayerNorm(5, elementwise_affine=False)
    )
    assert repr(LayerNorm(5, bias=False)) == repr(torch.nn.LayerNorm(5, bias=False))


def test_eval_is_independent_of_the_batch():
    """In eval mode each sample is normalised with the running statistics only."""
    layer = BatchNorm1d(3)
    rng = np.random.default_rng(3)
    layer(tensor(rng.standard_normal((16, 3)).astype(np.float32) * 4 + 2))
    layer.eval()
    batch = rng.standard_normal((6, 3)).astype(np.float32)
    together = layer(tensor(batch))._array
    alone = np.concatenate([layer(tensor(batch[i : i + 1]))._array for i in range(6)])
    np.testing.assert_allclose(together, alone, rtol=1e-6)
    assert int(layer.num_batches_tracked.item()) == 1  # eval does not count batches


def test_training_output_is_standardised():
    layer = BatchNorm2d(4, dtype=np.float64)
    x = tensor(np.random.default_rng(4).standard_normal((8, 4, 5, 5)) * 3 + 7)
    y = layer(x)._array
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-6)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)


def test_batch_norm_finite_differences():
    """The fused backward agrees with central differences of a scalar function of x."""
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((5, 3, 2))
    w, b = tensor(rng.standard_normal(3)), tensor(rng.standard_normal(3))
    proj = rng.standard_normal(x0.shape)

    def objective(x_array):
        y = batch_norm(tensor(x_array), None, None, w, b, training=True)
        return float((y._array**2 * proj).sum())

    x = tensor(x0, requires_grad=True)
    y = batch_norm(x, None, None, w, b, training=True)
    y.backward(tensor(2 * y._array * proj))
    numeric = np.zeros_like(x0)
    h = 1e-6
    for idx in np.ndindex(x0.shape):
        step = np.zeros_like(x0)
        step[idx] = h
        numeric[idx] = (objective(x0 + step) - objective(x0 - step)) / (2 * h)
    np.testing.assert_allclose(x.grad._array, numeric, rtol=1e-6, atol=1e-8)


@settings(max_examples=30, deadline=None)
@given(
    lead=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    normalized=st.lists(st.integers(1, 5), min_size=1, max_size=2),
    seed=st.integers(0, 2**16),
)
def test_layer_norm_random_shapes(lead, normalized, seed):
    rng = np.random.default_rng(seed)
    shape = tuple(lead) + tuple(normalized)
    x = rng.standard_normal(shape) * 3
    weight = rng.standard_normal(normalized)
    bias = rng.standard_normal(normalized)
    grad = rng.standard_normal(shape)

    xn = tensor(x, requires_grad=True)
    wn, bn = tensor(weight, requires_grad=True), tensor(bias, requires_grad=True)
    layer_norm(xn, tuple(normalized), wn, bn).backward(tensor(grad))
    xt = torch.tensor(x, requires_grad=True)
    wt, bt = torch.tensor(weight, requires_grad=True), torch.tensor(bias, requires_grad=True)
    torch.nn.functional.layer_norm(xt, tuple(normalized), wt, bt).backward(torch.tensor(grad))
    for ours, theirs in [(xn, xt), (wn, wt), (bn, bt)]:
        assert_close(ours.grad, to_numpy(theirs.grad), np.float64)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 6),
    c=st.integers(1, 4),
    spatial=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    seed=st.integers(0, 2**16),
)
def test_functional_batch_norm_random_shapes(n, c, spatial, seed):
    rng = np.random.default_rng(seed)
    shape = (n, c, *spatial)
    x = rng.standard_normal(shape) * 2 + 1
    grad = rng.standard_normal(shape)
    weight, bias = rng.standard_normal(c), rng.standard_normal(c)
    rm_n, rv_n = tensor(np.zeros(c)), tensor(np.ones(c))
    rm_t, rv_t = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)

    xn = tensor(x, requires_grad=True)
    wn = tensor(weight, requires_grad=True)
    yn = batch_norm(xn, rm_n, rv_n, wn, tensor(bias), training=True, momentum=0.2)
    yn.backward(tensor(grad))
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    yt = torch.nn.functional.batch_norm(
        xt, rm_t, rv_t, wt, torch.tensor(bias), training=True, momentum=0.2
    )
    yt.backward(torch.tensor(grad))
    assert_close(yn, to_numpy(yt), np.float64)
    assert_close(xn.grad, to_numpy(xt.grad), np.float64)
    assert_close(wn.grad, to_numpy(wt.grad), np.float64)
    assert_close(rm_n, to_numpy(rm_t), np.float64)
    assert_close(rv_n, to_numpy(rv_t), np.float64)


# ------------------------------------------------------------------------------------ errors


def test_wrong_channel_count_names_the_layer():
    x = tensor(np.zeros((8, 3, 32, 32), dtype=np.float32))
    with pytest.raises(
        ValueError,
        match=r"BatchNorm2d\(16\): expected input of shape \(N, 16, H, W\), got \(8, 3, 32, 32\)",
    ):
        BatchNorm2d(16)(x)


def test_wrong_rank():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\): expected input of shape \(N, 4\)"):
        BatchNorm1d(4)(tensor(np.zeros((2, 4, 3, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4\).*got \(2, 4\)"):
        BatchNorm2d(4)(tensor(np.zeros((2, 4), dtype=np.float32)))


def test_one_value_per_channel_in_training():
    layer = BatchNorm1d(3)
    one = tensor(np.ones((1, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        layer(one)
    assert int(layer.num_batches_tracked.item()) == 0
    layer.eval()
    assert layer(one).shape == (1, 3)  # running statistics: fine
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm2d(3, track_running_stats=False).eval()(tensor(np.ones((1, 3, 1, 1), np.float32)))


def test_layer_norm_shape_error():
    with pytest.raises(ValueError, match=r"LayerNorm\(\(4,\)\): expected input of shape \(\*, 4\)"):
        LayerNorm(4)(tensor(np.zeros((2, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"layer_norm: expected input of shape \(\*, 2, 3\)"):
        layer_norm(tensor(np.zeros((2, 3, 2))), (2, 3))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="BatchNorm1d: num_features must be a positive int"):
        BatchNorm1d(0)
    with pytest.raises(ValueError, match="BatchNorm2d: momentum must be in"):
        BatchNorm2d(3, momentum=1.5)
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape"):
        LayerNorm(())


def test_integer_input_is_rejected():
    with pytest.raises(TypeError, match=r"BatchNorm1d\(2\): expected a floating-point input"):
        BatchNorm1d(2)(tensor(np.zeros((3, 2), dtype=np.int64)))


def test_dtype_mismatch_is_rejected():
    with pytest.raises(TypeError, match=r"BatchNorm1d\(2\): input \(float64\) and parameters"):
        BatchNorm1d(2)(tensor(np.zeros((3, 2))))
    with pytest.raises(TypeError, match=r"LayerNorm\(\(2,\)\): input \(float64\)"):
        LayerNorm(2)(tensor(np.zeros((3, 2))))
    assert LayerNorm(2).double()(tensor(np.ones((3, 2)))).dtype == np.float64
