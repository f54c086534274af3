"""Linear, activations, Flatten and the containers against their torch twins."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.interop import check_parity, copy_parameters
from nnlib.nn.activation import Flatten, Identity, ReLU, Sigmoid, Tanh
from nnlib.nn.container import ModuleList, Sequential
from nnlib.nn.linear import Linear, linear
from nnlib.nn.parameter import Parameter
from nnlib.random import manual_seed
from nnlib.tensor import tensor

tnn = torch.nn
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-5)}


def module_parity(net, twin, x: np.ndarray, device: str, dtype: str, seed: int = 0) -> None:
    """Copy ``twin``'s parameters into ``net``; compare outputs, input grads and param grads."""
    twin = twin.to(device=device, dtype=getattr(torch, dtype))
    net.to(dtype)
    copy_parameters(twin, net)
    x = x.astype(dtype)
    ours_x = tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, device=device, requires_grad=True)
    ours, theirs = net(ours_x), twin(theirs_x)
    tol = TOL[dtype]
    np.testing.assert_allclose(ours._array, theirs.detach().cpu().numpy(), **tol)
    assert ours.dtype == np.dtype(dtype)
    cotangent = np.random.default_rng(seed).standard_normal(ours.shape).astype(dtype)
    ours.backward(tensor(cotangent))
    theirs.backward(torch.tensor(cotangent, device=device))
    np.testing.assert_allclose(ours_x.grad._array, theirs_x.grad.cpu().numpy(), **tol)
    theirs_params = dict(twin.named_parameters())
    for name, param in net.named_parameters():
        assert param.grad.dtype == np.dtype(dtype), name
        np.testing.assert_allclose(
            param.grad._array, theirs_params[name].grad.cpu().numpy(), err_msg=name, **tol
        )


# ----------------------------------------------------------------------- Linear
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)], ids=["1d", "2d", "3d"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_module_matches_torch(device, dtype, shape, bias):
    x = np.random.default_rng(0).standard_normal(shape)
    module_parity(Linear(3, 4, bias=bias), tnn.Linear(3, 4, bias=bias), x, device, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_functional_linear_matches_torch(device, dtype):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    report = check_parity(linear, torch.nn.functional.linear, x, w, b, device=device, dtype=dtype)
    assert len(report.max_abs_err_grads) == 3
    check_parity(
        lambda x, w: linear(x, w), torch.nn.functional.linear, x, w, device=device, dtype=dtype
    )


@settings(max_examples=30, deadline=None)
@given(
    batch=st.lists(st.integers(0, 4), min_size=0, max_size=3),
    in_features=st.integers(1, 6),
    out_features=st.integers(1, 6),
)
def test_linear_random_batch_shapes(batch, in_features, out_features):
    x = np.random.default_rng(len(batch)).standard_normal((*batch, in_features))
    twin = tnn.Linear(in_features, out_features)
    module_parity(Linear(in_features, out_features), twin, x, "cpu", "float64")


def test_linear_initialisation_is_torchs_uniform_rule():
    manual_seed(0)
    layer = Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert isinstance(p, Parameter) and p.dtype == np.float32 and p.requires_grad
        assert np.abs(p._array).max() <= bound
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    # U(-b, b) has variance b^2 / 3: a loose statistical check over 120,000 draws.
    assert abs(layer.weight._array.var() / (bound**2 / 3) - 1) < 0.02
    assert abs(layer.weight._array.mean()) < 0.01 * bound
    manual_seed(0)
    again = Linear(400, 300)
    np.testing.assert_array_equal(again.weight._array, layer.weight._array)
    assert Linear(2, 3, dtype=np.float64).weight.dtype == np.float64
    assert Linear(2, 3, bias=False).bias is None


def test_linear_errors_name_the_layer_and_shapes():
    layer = Linear(3, 2)
    with pytest.raises(
        ValueError,
        match=r"Linear\(in_features=3, out_features=2, bias=True\): expected input with last "
        r"dimension 3, got shape \(5, 4\)",
    ):
        layer(tensor(np.zeros((5, 4), np.float32)))
    with pytest.raises(TypeError, match=r"input \(float64\) and parameters \(weight float32"):
        layer(tensor(np.zeros((5, 3))))
    with pytest.raises(ValueError, match="linear: expected input with last dimension 3"):
        linear(tensor(np.zeros(2)), tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        linear(tensor(np.zeros(3)), tensor(np.zeros((2, 3))), tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="in_features must be a non-negative int"):
        Linear(2.5, 3)


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (ReLU(), tnn.ReLU()),
        (Sigmoid(), tnn.Sigmoid()),
        (Tanh(), tnn.Tanh()),
        (Identity(54, unused=True), tnn.Identity(54, unused=True)),
        (Flatten(), tnn.Flatten()),
        (Flatten(0, -1), tnn.Flatten(0, -1)),
        (Flatten(1, 2), tnn.Flatten(1, 2)),
        (Flatten(-2, -1), tnn.Flatten(-2, -1)),
    ],
    ids=lambda m: repr(m),
)
def test_activation_modules_match_torch(device, dtype, ours, theirs):
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 2)) * 3
    report = check_parity(ours, theirs.to(device), x, device=device, dtype=dtype)
    assert len(report.max_abs_err_grads) == 1
    assert repr(ours) == repr(theirs)


def test_flatten_errors():
    with pytest.raises(IndexError, match="dimension out of range for an input of shape"):
        Flatten(3)(tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="start_dim"):
        Flatten(1, 0)(tensor(np.zeros((2, 3))))


# ------------------------------------------------------------------- containers
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sequential_mlp_matches_torch(device, dtype):
    net = Sequential(Linear(4, 8), ReLU(), Linear(8, 8), Tanh(), Linear(8, 3), Sigmoid())
    twin = tnn.Sequential(
        tnn.Linear(4, 8), tnn.ReLU(), tnn.Linear(8, 8), tnn.Tanh(), tnn.Linear(8, 3), tnn.Sigmoid()
    )
    x = np.random.default_rng(3).standard_normal((16, 4))
    module_parity(net, twin, x, device, dtype)


def test_sequential_indexing_and_editing():
    a, b, c = Linear(2, 3), ReLU(), Linear(3, 1)
    net = Sequential(a, b)
    assert len(net) == 2 and net[0] is a and net[-1] is b and list(net) == [a, b]
    assert net.append(c) is net and net[2] is c
    head = net[1:]
    assert isinstance(head, Sequential) and list(head) == [b, c]
    assert list(head._modules) == ["1", "2"]  # slices keep the names, as in torch
    net[1] = Tanh()
    assert isinstance(net[1], Tanh)
    del net[0]
    assert list(net._modules) == ["0", "1"] and net[1] is c
    with pytest.raises(IndexError, match="index 5 is out of range for Sequential of length 2"):
        net[5]
    named = Sequential(OrderedDict(fc=a, act=b))
    assert named.fc is a and named[1] is b
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]


def test_module_list():
    layers = ModuleList([Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(ReLU())
    layers.extend([Tanh()])
    layers.insert(0, Sigmoid())
    assert [type(m).__name__ for m in layers] == [
        "Sigmoid",
        "Linear",
        "Linear",
        "Linear",
        "ReLU",
        "Tanh",
    ]
    assert list(layers._modules) == [str(i) for i in range(6)]
    assert isinstance(layers[1:3], ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert isinstance(layers[0], Linear) and list(layers._modules)[-1] == "4"
    with pytest.raises(IndexError, match="out of range for ModuleList"):
        layers[10]
    with pytest.raises(TypeError, match="use append"):
        layers.extend(ReLU())
    with pytest.raises(NotImplementedError, match="forward"):
        layers(tensor([1.0]))
