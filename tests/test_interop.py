"""nnlib.interop: tensor conversion, copy_parameters, converters and check_parity itself."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch

from nnlib import interop
from nnlib.interop import (
    ParityReport,
    check_parity,
    copy_parameters,
    from_torch,
    register_converter,
    to_torch,
)
from nnlib.nn.activation import ReLU
from nnlib.nn.container import Sequential
from nnlib.nn.linear import Linear
from nnlib.nn.module import Module
from nnlib.nn.parameter import Parameter
from nnlib.tensor import Tensor, tensor, zeros

tnn = torch.nn


# ----------------------------------------------------------------------- tensors
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_tensor_round_trip_keeps_values_and_dtype(device, dtype):
    array = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    t = to_torch(tensor(array), device=device)
    assert t.device.type == device and str(t.dtype) == f"torch.{np.dtype(dtype).name}".replace(
        "bool_", "bool"
    )
    back = from_torch(t)
    assert isinstance(back, Tensor) and back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back._array, array)
    assert not back.requires_grad and not t.requires_grad


def test_to_torch_copies_and_follows_requires_grad():
    source = tensor(np.ones(3), requires_grad=True)
    t = to_torch(source)
    assert t.requires_grad and t.is_leaf and t.dtype == torch.float64
    assert not to_torch(source, requires_grad=False).requires_grad
    t.data[0] = 5.0
    assert source._array[0] == 1.0  # no shared memory
    assert to_torch(np.zeros((2, 2), np.float32)).dtype == torch.float32
    with pytest.raises(TypeError, match="expected an nnlib Tensor or NumPy array"):
        to_torch([1.0, 2.0])


def test_from_torch_copies_and_sets_requires_grad():
    tt = torch.ones(2, requires_grad=True) * 2
    t = from_torch(tt, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.dtype == np.float32
    tt.data[0] = 7
    assert t._array[0] == 2
    with pytest.raises(TypeError, match="expected a torch.Tensor"):
        from_torch(np.zeros(2))
    with pytest.raises(TypeError, match="bfloat16"):
        from_torch(torch.zeros(2, dtype=torch.bfloat16))


def test_nnlib_imports_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import nnlib.interop, nnlib.nn.loss, nnlib.nn.container, nnlib.nn.activation\n"
        "assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------- copy_parameters
def test_copy_parameters_both_directions(device):
    net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    twin = tnn.Sequential(tnn.Linear(3, 4), tnn.ReLU(), tnn.Linear(4, 2)).to(device)
    copy_parameters(twin, net)
    for name, value in twin.state_dict().items():
        np.testing.assert_array_equal(net.state_dict()[name]._array, value.cpu().numpy())
    with torch.no_grad():
        net[0].weight._array[...] = 0.5
    copy_parameters(net, twin)
    assert torch.all(twin[0].weight == 0.5) and twin[0].weight.device.type == device
    assert isinstance(twin[0].weight, tnn.Parameter)


def test_copy_parameters_copies_buffers_and_casts_dtype():
    class WithBuffer(Module):
        def __init__(self):
            super().__init__()
            self.fc = Linear(2, 2)
            self.register_buffer("running", zeros(2))

    class TorchWithBuffer(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tnn.Linear(2, 2)
            self.register_buffer("running", torch.arange(2.0))

    net, twin = WithBuffer(), TorchWithBuffer().double()
    copy_parameters(twin, net)
    assert net.running.dtype == np.float32 and list(net.running._array) == [0.0, 1.0]


def test_copy_parameters_lists_every_mismatch_and_copies_nothing():
    net = Sequential(OrderedDict(fc=Linear(3, 4), out=Linear(4, 2)))
    twin = tnn.Sequential(OrderedDict(fc=tnn.Linear(4, 3), head=tnn.Linear(4, 2)))
    before = net.fc.weight._array.copy()
    with pytest.raises(ValueError) as info:
        copy_parameters(twin, net)
    message = str(info.value)
    assert "missing in source (Sequential): out.weight, out.bias" in message
    assert "missing in destination (Sequential): head.weight, head.bias" in message
    assert "shape mismatch for fc.weight: source (3, 4), destination (4, 3)" in message
    assert "shape mismatch for fc.bias: source (3,), destination (4,)" in message
    np.testing.assert_array_equal(net.fc.weight._array, before)
    with pytest.raises(TypeError, match="one nnlib Module and one torch.nn.Module"):
        copy_parameters(net, net)


def test_registered_converter_translates_names_and_layout(monkeypatch):
    monkeypatch.setattr(interop, "_CONVERTERS", {})

    class TransposedLinear(Module):
        """A layer that stores its weight as (in, out) under another name."""

        def __init__(self, n_in, n_out):
            super().__init__()
            self.kernel = Parameter(np.zeros((n_in, n_out)))

        def forward(self, x):
            return x @ self.kernel

    def convert(state, direction):
        if direction == "to_torch":
            return {"weight": state["kernel"].T}
        return {"kernel": state["weight"].T}

    register_converter(TransposedLinear, "Linear", convert)
    net = Sequential(TransposedLinear(3, 2), ReLU())
    twin = tnn.Sequential(tnn.Linear(3, 2, bias=False), tnn.ReLU()).double()
    copy_parameters(twin, net)
    np.testing.assert_array_equal(net[0].kernel._array, twin[0].weight.detach().numpy().T)
    x = np.random.default_rng(0).standard_normal((4, 3))
    check_parity(net, twin, x)
    with torch.no_grad():
        net[0].kernel._array[...] = 1.0
    copy_parameters(net, twin)
    assert torch.all(twin[0].weight == 1.0)
    with pytest.raises(TypeError, match="not an nnlib Module class"):
        register_converter(int, "Linear", convert)


# ------------------------------------------------------------------ check_parity
def test_check_parity_reports_small_errors_with_a_stable_repr(device):
    x = np.random.default_rng(0).standard_normal((3, 4))
    report = check_parity(lambda a: (a * a).sum(), lambda a: (a * a).sum(), x, device=device)
    assert isinstance(report, ParityReport)
    assert report.max_abs_err_output < 1e-12 and len(report.max_abs_err_grads) == 1
    assert repr(report) == (
        f"ParityReport(device='{device}', dtype=float64, max_abs_err_output=<1e-12, "
        "max_abs_err_grads=[<1e-12])"
    )
    report32 = check_parity(lambda a: a.tanh(), torch.tanh, x, device=device, dtype="float32")
    assert "dtype=float32" in repr(report32) and "<1e-6" in repr(report32)


def test_check_parity_handles_tuples_and_integer_inputs():
    x = np.random.default_rng(1).standard_normal((4, 3))
    idx = np.array([2, 0, 1, 1])
    report = check_parity(
        lambda a, i: (a[np.arange(4), i.cpu().numpy()], a.exp()),
        lambda a, i: (a[torch.arange(4), i], a.exp()),
        x,
        idx,
    )
    assert len(report.max_abs_err_outputs) == 2 and len(report.max_abs_err_grads) == 1


def test_check_parity_catches_a_wrong_twin():
    x = np.random.default_rng(2).standard_normal((3, 2))
    with pytest.raises(AssertionError, match=r"output 0 differs \(shape \(3, 2\), float64\)"):
        check_parity(lambda a: a * 2, lambda a: a * 2 + 1e-9, x)
    # Right values, wrong gradient: a detached-and-rebuilt output trips the gradient check.
    with pytest.raises(AssertionError, match="gradient of input 1 differs"):
        check_parity(
            lambda a, b: a * b,
            lambda a, b: a * b.detach() + (b - b.detach()) * 2,
            x,
            x + 1,
        )
    with pytest.raises(AssertionError, match=r"output 0 has shape \(3, 2\) in nnlib but \(2, 3\)"):
        check_parity(lambda a: a, lambda a: a.T, x)
    with pytest.raises(AssertionError, match="dtype float32 in nnlib but float64 in torch"):
        check_parity(lambda a: a.float(), lambda a: a, x)
    with pytest.raises(AssertionError, match="requires grad in torch but not in nnlib"):
        check_parity(lambda a: a.detach(), lambda a: a, x)
    with pytest.raises(AssertionError, match="1 outputs, torch 2"):
        check_parity(lambda a: a, lambda a: (a, a), x)
    check_parity(lambda a: a * 2, lambda a: a * 2 + 1e-9, x, atol=1e-8)
