"""Tensor construction, dtypes, factories, attributes, conversions and printing."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

from nnlib.backend import Device, available_devices, check_device, get_array_module
from nnlib.random import default_generator, manual_seed
from nnlib.tensor import tensor

# ``nnlib.tensor`` the attribute is the function (like torch.tensor); get the module itself.
nt = importlib.import_module("nnlib.tensor")


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (1.5, np.float32),
        ([[1.0, 2.0]], np.float32),
        ([1, 2], np.int64),
        (True, np.bool_),
        ([1, 2.5], np.float32),
        (np.arange(3.0), np.float64),
        (np.arange(3, dtype=np.int32), np.int32),
        (np.float64(2.0), np.float64),
    ],
)
def test_tensor_infers_dtypes_like_torch(data, dtype):
    t = tensor(data)
    assert t.dtype == dtype
    assert t.dtype == np.dtype(str(torch.tensor(data).dtype).removeprefix("torch."))


def test_tensor_copies_and_from_numpy_shares(cpu_default):
    array = np.zeros(3)
    t = tensor(array)
    array[0] = 1
    assert t._array[0] == 0
    shared = nt.from_numpy(array)
    assert np.shares_memory(shared._array, array) and shared.dtype == np.float64


def test_tensor_dtype_argument_and_dtype_names():
    assert tensor([1, 2], dtype=nt.float64).dtype == np.float64
    assert tensor([1.7], dtype="int64").dtype == np.int64
    assert nt.bool is nt.bool_ and nt.bool == np.dtype(bool)
    assert nt.float32 == np.dtype("float32") and nt.int64 == np.dtype("int64")


def test_attributes(cpu_default):
    t = nt.zeros(2, 3, requires_grad=True)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(-1) == 3
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6 and len(t) == 2
    assert t.device == "cpu" and isinstance(t.device, Device)
    assert t.xp is np and t.is_leaf and t.grad is None and t.grad_fn is None
    assert t.is_floating_point() and not tensor([1]).is_floating_point()
    assert [row.shape for row in t] == [(3,), (3,)]


def test_item_tolist_numpy_and_python_conversions(cpu_default):
    t = tensor([[2.5]])
    assert t.item() == 2.5 and isinstance(t.item(), float)
    assert float(t) == 2.5 and int(tensor(3)) == 3 and bool(tensor([1.0]))
    assert tensor([[1, 2]]).tolist() == [[1, 2]]
    assert t.numpy() is t._array
    assert np.asarray(t) is t._array
    assert [10, 20, 30][tensor(1)] == 20


@pytest.mark.parametrize(
    ("factory", "args", "kwargs", "shape", "dtype"),
    [
        (nt.zeros, (2, 3), {}, (2, 3), np.float32),
        (nt.zeros, ((2, 3),), {"dtype": nt.float64}, (2, 3), np.float64),
        (nt.ones, (4,), {}, (4,), np.float32),
        (nt.empty, (2, 2), {}, (2, 2), np.float32),
        (nt.full, ((2, 2), 7), {}, (2, 2), np.int64),
        (nt.full, ((2,), 0.5), {}, (2,), np.float32),
        (nt.rand, (3, 2), {}, (3, 2), np.float32),
        (nt.randn, (5,), {"dtype": nt.float64}, (5,), np.float64),
        (nt.arange, (5,), {}, (5,), np.int64),
        (nt.arange, (0, 1, 0.25), {}, (4,), np.float32),
        (nt.eye, (3,), {}, (3, 3), np.float32),
        (nt.eye, (2, 4), {}, (2, 4), np.float32),
        (nt.linspace, (0, 1, 5), {}, (5,), np.float32),
        (nt.randint, (0, 10, (3, 2)), {}, (3, 2), np.int64),
        (nt.randperm, (6,), {}, (6,), np.int64),
    ],
)
def test_factories_follow_torch_shapes_and_dtypes(factory, args, kwargs, shape, dtype):
    t = factory(*args, **kwargs)
    assert t.shape == shape and t.dtype == dtype
    name = factory.__name__
    theirs = getattr(torch, name)(*args, **{k: getattr(torch, str(v)) for k, v in kwargs.items()})
    assert tuple(theirs.shape) == shape
    assert str(theirs.dtype).removeprefix("torch.") == str(np.dtype(dtype))


def test_like_factories_keep_shape_and_dtype():
    base = nt.randn(2, 3, dtype=nt.float64)
    for factory in (nt.zeros_like, nt.ones_like, nt.randn_like):
        t = factory(base)
        assert t.shape == (2, 3) and t.dtype == np.float64
    assert nt.ones_like(base, requires_grad=True).requires_grad
    np.testing.assert_array_equal(nt.arange(5)._array, np.arange(5))
    np.testing.assert_array_equal(nt.eye(2)._array, np.eye(2))


def test_manual_seed_makes_random_ops_reproducible():
    manual_seed(3)
    a = nt.randn(4)._array.copy()
    b = nt.rand(2)._array.copy()
    manual_seed(3)
    np.testing.assert_array_equal(nt.randn(4)._array, a)
    np.testing.assert_array_equal(nt.rand(2)._array, b)
    assert isinstance(default_generator(), np.random.Generator)
    gen = np.random.default_rng(0)
    np.testing.assert_array_equal(
        nt.randn(3, generator=gen)._array, np.random.default_rng(0).standard_normal(3, np.float32)
    )
    with pytest.raises(ValueError, match="non-negative integer"):
        manual_seed(-1)


def test_random_fills_in_place():
    t = nt.zeros(1000)
    t.uniform_(-2, 2, generator=np.random.default_rng(0))
    assert -2 <= t._array.min() and t._array.max() <= 2 and t._version == 1
    t.normal_(5.0, 0.1)
    assert abs(t._array.mean() - 5.0) < 0.05 and t.dtype == np.float32


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (
            lambda m: m.tensor([[1.0, 2.0]], requires_grad=True),
            "tensor([[1., 2.]], requires_grad=True)",
        ),
        (lambda m: m.tensor([1.5, 10.0]), "tensor([ 1.5000, 10.0000])"),
        (lambda m: m.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
        (lambda m: m.tensor(3.5), "tensor(3.5000)"),
        (lambda m: m.tensor([1, -20]), "tensor([  1, -20])"),
        (lambda m: m.tensor([True, False]), "tensor([ True, False])"),
        (lambda m: m.tensor([1.0, float("nan"), float("inf")]), "tensor([1., nan, inf])"),
        (lambda m: m.zeros(0, 3), "tensor([], size=(0, 3))"),
        (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
    ],
)
def test_repr_matches_torch(make, text, cpu_default):
    assert repr(make(nt)) == text
    assert repr(make(torch)).replace("torch.", "") == text


def test_repr_shows_grad_fn_and_non_default_dtype(cpu_default):
    x = tensor([1.0, 2.0], requires_grad=True)
    assert repr(x + 1) == "tensor([2., 3.], grad_fn=<AddBackward0>)"
    assert repr(tensor([1.0], dtype=nt.float64)) == "tensor([1.], dtype=float64)"
    assert repr(tensor([1], dtype=nt.int32)) == "tensor([1], dtype=int32)"
    assert "..." in repr(nt.arange(5000))


def test_to_casts_differentiably_and_moves_to_cpu(cpu_default):
    x = tensor([1.5, 2.5], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(nt.float32) is x
    y = x.to(nt.float64)
    assert y.dtype == np.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad._array, [3.0, 5.0])
    assert x.double().dtype == np.float64 and x.long().dtype == np.int64
    assert x.int().dtype == np.int32 and x.bool().dtype == np.bool_
    assert tensor([1]).float().dtype == np.float32
    assert x.to("cpu", nt.float64).dtype == np.float64
    assert x.to(dtype=nt.float64, device="cpu").dtype == np.float64


def test_in_place_methods():
    t = tensor([1.0, -2.0, 3.0])
    t.add_(1).mul_(2).sub_(tensor([1.0, 1.0, 1.0]), alpha=2).div_(2)
    np.testing.assert_array_equal(t._array, [1.0, -2.0, 3.0])
    t.clamp_(min=0)
    np.testing.assert_array_equal(t._array, [1.0, 0.0, 3.0])
    t.copy_(tensor([5.0]))
    np.testing.assert_array_equal(t._array, [5.0, 5.0, 5.0])
    t.fill_(2).zero_()
    np.testing.assert_array_equal(t._array, [0.0, 0.0, 0.0])
    t.addcmul_(tensor([1.0, 2.0, 3.0]), tensor([2.0, 2.0, 2.0]), value=0.5)
    t.addcdiv_(tensor([1.0, 2.0, 3.0]), tensor([2.0, 2.0, 2.0]), value=2)
    np.testing.assert_array_equal(t._array, [2.0, 4.0, 6.0])
    t[1:] = 0.0
    np.testing.assert_array_equal(t._array, [2.0, 0.0, 0.0])


def test_tensors_are_hashable_and_compare_elementwise():
    a, b = tensor([1.0]), tensor([1.0])
    assert len({a, b}) == 2
    assert (a == b).item() is True
    assert a in [a]
    assert (a == "text") is False  # not a tensor or a number: Python's fallback


def test_backend_seam(without_gpu):
    assert get_array_module() is np and get_array_module("cpu") is np
    assert available_devices() == ["cpu"]
    assert check_device(None) == "cpu" and check_device("CPU") == "cpu"
    assert Device("cuda:1").type == "cuda" and Device("cuda:1").index == 1
    with pytest.raises(RuntimeError, match="device 'cuda' is not available to nnlib.*CuPy"):
        check_device("cuda")
