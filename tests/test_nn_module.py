"""Module machinery: registration, traversal, modes, state_dict, repr -- compared with torch."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

from nnlib.autograd import no_grad
from nnlib.interop import copy_parameters
from nnlib.nn.activation import Flatten, Identity, ReLU, Sigmoid, Tanh
from nnlib.nn.container import ModuleList, Sequential
from nnlib.nn.linear import Linear
from nnlib.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss
from nnlib.nn.module import Module
from nnlib.nn.parameter import Parameter
from nnlib.random import manual_seed
from nnlib.tensor import Tensor, ones, tensor, zeros

tnn = torch.nn


# ---------------------------------------------------------------- twin structures
class Block(Module):
    def __init__(self):
        super().__init__()
        self.fc = Linear(3, 4)
        self.act = ReLU()
        self.register_buffer("scale", ones(4))
        self.register_buffer("scratch", zeros(2), persistent=False)

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class TorchBlock(tnn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tnn.Linear(3, 4)
        self.act = tnn.ReLU()
        self.register_buffer("scale", torch.ones(4))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(Module):
    def __init__(self):
        super().__init__()
        self.alpha = Parameter(tensor(np.array([0.5])))
        self.block = Block()
        self.head = Sequential(OrderedDict(out=Linear(4, 2), squash=Sigmoid()))
        self.layers = ModuleList([Linear(2, 2), Tanh()])

    def forward(self, x):
        h = self.head(self.block(x))
        for layer in self.layers:
            h = layer(h)
        return h * self.alpha


class TorchNet(tnn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = tnn.Parameter(torch.tensor([0.5]))
        self.block = TorchBlock()
        self.head = tnn.Sequential(OrderedDict(out=tnn.Linear(4, 2), squash=tnn.Sigmoid()))
        self.layers = tnn.ModuleList([tnn.Linear(2, 2), tnn.Tanh()])

    def forward(self, x):
        h = self.head(self.block(x))
        for layer in self.layers:
            h = layer(h)
        return h * self.alpha


# ----------------------------------------------------------------- registration
def test_names_and_order_match_torch():
    net, twin = Net(), TorchNet()
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in twin.named_parameters()]
    assert [n for n, _ in net.named_buffers()] == [n for n, _ in twin.named_buffers()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in twin.named_modules()]
    assert [n for n, _ in net.named_children()] == [n for n, _ in twin.named_children()]
    assert list(net.state_dict()) == list(twin.state_dict())
    prefixed = [n for n, _ in net.named_parameters(prefix="model")]
    assert prefixed == [n for n, _ in twin.named_parameters(prefix="model")]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["alpha"]
    assert len(list(net.parameters())) == len(list(twin.parameters()))
    assert len(list(net.children())) == 3
    assert len(list(net.modules())) == len(list(twin.modules()))


def test_shared_parameters_and_modules_are_listed_once():
    shared = Linear(2, 2)
    net, twin_shared = Sequential(shared, ReLU(), shared), tnn.Linear(2, 2)
    twin = tnn.Sequential(twin_shared, tnn.ReLU(), twin_shared)
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in twin.named_parameters()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in twin.named_modules()]
    # state_dict keeps every path, as torch does.
    assert list(net.state_dict()) == list(twin.state_dict())
    assert len(list(net.named_parameters(remove_duplicate=False))) == 4


def test_setattr_registers_by_type_and_reassignment_moves_between_registries():
    m = Module()
    m.w = Parameter(zeros(2))
    m.child = Linear(1, 1)
    m.plain = zeros(3)  # a plain tensor attribute is neither parameter nor buffer
    m.register_buffer("buf", ones(1))
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"]
    assert list(m._buffers) == ["buf"]
    assert m.w is m._parameters["w"]
    m.w = None  # a registered parameter may become None (like a removed bias)
    assert m.w is None and [n for n, _ in m.named_parameters()][:1] == ["child.weight"]
    m.buf = zeros(1)  # assigning a tensor to a buffer name updates the buffer
    assert m._buffers["buf"] is m.buf
    m.plain = Parameter(ones(1))
    assert "plain" in m._parameters
    del m.child
    assert "child" not in m._modules and not hasattr(m, "child")


def test_registration_errors_are_clear():
    m = Linear(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        m.weight = zeros(3, 2)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module"):
        s = Sequential(ReLU())
        setattr(s, "0", 3)
    with pytest.raises(TypeError, match="buffer 'b'"):
        m.register_buffer("b", np.zeros(2))
    with pytest.raises(KeyError, match="name can.*t contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        m.extra = 1
        m.register_buffer("extra", zeros(1))
    with pytest.raises(TypeError, match="not a Module subclass"):
        m.add_module("x", 5)

    class Forgetful(Module):
        def __init__(self):
            self.w = Parameter(zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgetful()


def test_getattr_error_names_the_class():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        _ = Linear(2, 3).wieght


def test_forward_must_be_implemented():
    with pytest.raises(NotImplementedError, match=r"Module \[Module\] is missing the required"):
        Module()(1)


# ------------------------------------------------------------------------ modes
def test_train_eval_recurse_and_return_self():
    net, twin = Net(), TorchNet()
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    assert net.train() is net and all(m.training for m in net.modules())
    net.block.train(False)
    twin.block.train(False)
    assert [m.training for m in net.modules()] == [m.training for m in twin.modules()]
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("no")


def test_zero_grad_and_requires_grad():
    net = Sequential(Linear(3, 2), Tanh(), Linear(2, 1))
    net(tensor(np.ones((4, 3), np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad._array == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net[0].requires_grad_(True)
    assert [p.requires_grad for p in net.parameters()] == [True, True, False, False]


def test_apply_visits_children_first():
    net = Sequential(Linear(1, 1), Sequential(ReLU()))
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_dtype_conversion_keeps_parameter_objects_and_integer_buffers(without_gpu):
    net = Block()
    net.register_buffer("steps", tensor(3))
    weight = net.fc.weight
    net(tensor(np.ones((2, 3), np.float32))).sum().backward()
    assert net.double() is net
    assert net.fc.weight is weight and weight.dtype == np.float64
    assert weight.grad.dtype == np.float64 and weight.requires_grad and weight.is_leaf
    assert net.scale.dtype == np.float64 and net.steps.dtype == np.int64
    assert net.float().fc.bias.dtype == np.float32
    assert net.to("float64").scale.dtype == np.float64
    assert net.to("cpu") is net
    assert net.to("cpu", np.float32).fc.weight.dtype == np.float32
    assert net.to(device="cpu", dtype="float64").fc.weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="not available"):
        net.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        net.to(np.int32)


# ------------------------------------------------------------------- state_dict
def test_state_dict_shares_memory_like_torch():
    net = Linear(2, 3)
    state = net.state_dict()
    assert isinstance(state, OrderedDict) and list(state) == ["weight", "bias"]
    assert not isinstance(state["weight"], Parameter) and not state["weight"].requires_grad
    with no_grad():
        net.weight._array += 1  # in-place training update shows through, as in torch
    assert np.shares_memory(state["weight"]._array, net.weight._array)
    snapshot = {k: v.clone() for k, v in net.state_dict().items()}
    net.weight._array[...] = 0
    assert not np.all(snapshot["weight"]._array == 0)
    assert net.state_dict(keep_vars=True)["weight"] is net.weight


def test_non_persistent_buffers_and_none_entries_are_skipped():
    assert list(Block().state_dict()) == ["scale", "fc.weight", "fc.bias"]
    assert list(Linear(2, 2, bias=False).state_dict()) == ["weight"]
    assert list(CrossEntropyLoss().state_dict()) == []
    assert list(CrossEntropyLoss(weight=ones(3)).state_dict()) == ["weight"]
    assert list(BCEWithLogitsLoss(pos_weight=ones(3)).state_dict()) == ["pos_weight"]


@pytest.mark.parametrize("kind", ["nnlib", "numpy", "torch"])
def test_load_state_dict_accepts_tensors_arrays_and_torch(kind):
    src, dst = Net(), Net()
    state = src.state_dict()
    if kind == "numpy":
        state = {k: v.cpu().numpy().copy() for k, v in state.items()}
    elif kind == "torch":
        state = {k: torch.from_numpy(v.cpu().numpy().copy()) for k, v in state.items()}
    result = dst.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (name, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a._array, b._array, err_msg=name)
    assert not np.shares_memory(src.block.fc.weight._array, dst.block.fc.weight._array)


def test_load_state_dict_errors_list_missing_unexpected_and_mismatched():
    net = Sequential(OrderedDict(fc=Linear(2, 3)))
    bad = {"fc.weight": np.zeros((2, 3), np.float32), "fc.extra": np.zeros(1)}
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(bad)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "fc.bias"' in message
    assert 'Unexpected key(s) in state_dict: "fc.extra"' in message
    assert (
        "size mismatch for fc.weight: copying a param with shape (2, 3) from checkpoint, "
        "the shape in current model is (3, 2)" in message
    )
    # strict=False tolerates missing/unexpected keys but never a wrong shape (as torch).
    with pytest.raises(RuntimeError, match="size mismatch for fc.weight"):
        net.load_state_dict(bad, strict=False)
    before = net.fc.bias._array.copy()
    result = net.load_state_dict({"fc.weight": np.ones((3, 2)), "junk": 1}, strict=False)
    assert result == (["fc.bias"], ["junk"])
    assert result.missing_keys == ["fc.bias"] and result.unexpected_keys == ["junk"]
    assert net.fc.weight.dtype == np.float32 and np.all(net.fc.weight._array == 1)
    np.testing.assert_array_equal(net.fc.bias._array, before)


def test_state_dict_round_trip_through_torch_model():
    manual_seed(0)
    twin = TorchNet().double()
    net = Net().double()
    net.load_state_dict(twin.state_dict())
    x = np.random.default_rng(1).standard_normal((5, 3))
    np.testing.assert_allclose(
        net(tensor(x))._array, twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-12
    )
    # ... and back through copy_parameters into a fresh torch model.
    fresh = TorchNet().double()
    copy_parameters(net, fresh)
    for (name, a), (_, b) in zip(
        twin.state_dict().items(), fresh.state_dict().items(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)


def test_deepcopy_and_pickle_keep_structure():
    net = Net()
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
        assert clone.block.fc.weight is clone._modules["block"]._modules["fc"]._parameters["weight"]
        assert isinstance(clone.alpha, Parameter)
        assert not np.shares_memory(clone.alpha._array, net.alpha._array)
        np.testing.assert_array_equal(clone.block.fc.weight._array, net.block.fc.weight._array)


# ------------------------------------------------------------------------- repr
def test_repr_matches_torch():
    net = Sequential(
        Linear(2, 3),
        ReLU(),
        Sequential(OrderedDict(fc=Linear(3, 1, bias=False), act=Sigmoid())),
        Flatten(),
        Identity(),
        Tanh(),
        ReLU(inplace=True),
    )
    twin = tnn.Sequential(
        tnn.Linear(2, 3),
        tnn.ReLU(),
        tnn.Sequential(OrderedDict(fc=tnn.Linear(3, 1, bias=False), act=tnn.Sigmoid())),
        tnn.Flatten(),
        tnn.Identity(),
        tnn.Tanh(),
        tnn.ReLU(inplace=True),
    )
    assert repr(net) == repr(twin)
    assert repr(Net()) == repr(TorchNet()).replace("Torch", "")
    layers = ModuleList([Linear(2, 2), ReLU(), ReLU(), Linear(2, 2), Linear(2, 2), Tanh()])
    twin_layers = tnn.ModuleList(
        [tnn.Linear(2, 2), tnn.ReLU(), tnn.ReLU(), tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.Tanh()]
    )
    assert repr(layers) == repr(twin_layers)
    assert repr(CrossEntropyLoss()) == repr(tnn.CrossEntropyLoss())


def test_parameter_is_a_leaf_with_torch_repr(cpu_default):
    p = Parameter(tensor([1.0, 2.0]))
    assert isinstance(p, Tensor) and p.is_leaf and p.requires_grad
    assert repr(p) == repr(tnn.Parameter(torch.tensor([1.0, 2.0])))
    assert Parameter(np.zeros(2), requires_grad=False).requires_grad is False
    assert Parameter().shape == (0,)
    t = tensor([1.0], requires_grad=True)
    shared = Parameter(t)
    assert shared.is_leaf and np.shares_memory(shared._array, t._array)
