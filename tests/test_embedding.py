"""Embedding and F.embedding against torch: lookups, accumulated gradients, padding, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
import nnlib.nn.functional as F
from nnlib.interop import copy_parameters
from nnlib.nn.sparse import Embedding, embedding
from nnlib.random import manual_seed
from nnlib.tensor import tensor

TOL = {"float64": dict(rtol=1e-12, atol=1e-14), "float32": dict(rtol=1e-6, atol=1e-6)}


def _numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def embedding_parity(device, dtype, indices, seed=0, **options):
    torch.manual_seed(seed)
    theirs = torch.nn.Embedding(7, 3, **options).to(device=device, dtype=getattr(torch, dtype))
    ours = Embedding(7, 3, **options).to(dtype)
    copy_parameters(theirs, ours)
    out_o = ours(tensor(indices))
    out_t = theirs(torch.tensor(indices, device=device))
    assert out_o.shape == tuple(out_t.shape) and out_o.dtype == np.dtype(dtype)
    np.testing.assert_allclose(_numpy(out_o), _numpy(out_t), **TOL[dtype])
    cot = np.random.default_rng(seed).standard_normal(out_o.shape).astype(dtype)
    out_o.backward(tensor(cot))
    out_t.backward(torch.tensor(cot, device=device))
    np.testing.assert_allclose(_numpy(ours.weight.grad), _numpy(theirs.weight.grad), **TOL[dtype])
    np.testing.assert_allclose(_numpy(ours.weight), _numpy(theirs.weight), **TOL[dtype])
    return ours, theirs


INDICES = {
    "scalar": np.array(4),
    "1d-repeated": np.array([1, 1, 3, 1, 0]),
    "2d": np.array([[0, 2, 6], [6, 6, 1]]),
    "3d-int32": np.array([[[5, 2], [2, 2]], [[0, 0], [1, 2]]], dtype=np.int32),
    "empty": np.zeros((0, 2), dtype=np.int64),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(INDICES))
@pytest.mark.parametrize(
    "options",
    [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True}, {"max_norm": 1.0}],
    ids=["plain", "padding", "padding-negative", "scale-by-freq", "max-norm"],
)
def test_embedding_matches_torch(device, dtype, name, options):
    embedding_parity(device, dtype, INDICES[name], **options)


def test_max_norm_with_another_norm_matches_torch(device):
    embedding_parity(device, "float64", INDICES["2d"], max_norm=0.5, norm_type=1.0)


def test_padding_row_starts_at_zero_and_never_learns():
    manual_seed(0)
    emb = Embedding(5, 4, padding_idx=1)
    assert np.all(_numpy(emb.weight)[1] == 0)
    assert np.all(_numpy(emb.weight)[[0, 2, 3, 4]] != 0)
    out = emb(tensor(np.array([1, 1, 2])))
    (out * 3.0).sum().backward()
    grad = _numpy(emb.weight.grad)
    assert np.all(grad[1] == 0) and np.all(grad[2] == 3.0)
    assert repr(emb) == repr(torch.nn.Embedding(5, 4, padding_idx=1))
    assert emb.padding_idx == 1 and Embedding(5, 4, padding_idx=-2).padding_idx == 3


def test_init_is_standard_normal():
    manual_seed(1)
    values = _numpy(Embedding(400, 50).weight)
    assert values.dtype == np.float32
    assert abs(values.mean()) < 0.02 and abs(values.std() - 1) < 0.02


@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained(freeze):
    # on the CPU in every mode: the table shares its memory with table.numpy()
    table = tensor(np.arange(12, dtype=np.float64).reshape(4, 3), device="cpu")
    emb = Embedding.from_pretrained(table, freeze=freeze, padding_idx=0)
    theirs = torch.nn.Embedding.from_pretrained(
        torch.tensor(table.numpy()), freeze=freeze, padding_idx=0
    )
    assert emb.weight.requires_grad is (not freeze) is theirs.weight.requires_grad
    assert emb.num_embeddings == 4 and emb.embedding_dim == 3
    np.testing.assert_array_equal(_numpy(emb.weight)[0], [0, 1, 2])  # not zeroed
    idx = np.array([[0, 3], [3, 2]])
    out = emb(tensor(idx, device="cpu"))
    np.testing.assert_array_equal(_numpy(out), _numpy(theirs(torch.tensor(idx))))
    assert out.requires_grad is (not freeze)
    table.numpy()[1, 1] = 100.0  # the table is shared, as in torch
    assert _numpy(emb.weight)[1, 1] == 100.0
    if not freeze:
        out.sum().backward()
        np.testing.assert_array_equal(_numpy(emb.weight.grad)[:, 0], [0, 0, 1, 2])
    with pytest.raises(ValueError, match="2-dimensional"):
        Embedding.from_pretrained(tensor(np.zeros(3)))


def test_functional_embedding_matches_torch(device):
    rng = np.random.default_rng(2)
    weight = rng.standard_normal((6, 2))
    idx = np.array([[0, 5, 5], [2, 0, 0]])
    ours_w = tensor(weight, requires_grad=True)
    theirs_w = torch.tensor(weight, device=device, requires_grad=True)
    a = F.embedding(tensor(idx), ours_w, padding_idx=0)
    b = torch.nn.functional.embedding(torch.tensor(idx, device=device), theirs_w, padding_idx=0)
    np.testing.assert_array_equal(_numpy(a), _numpy(b))
    cot = rng.standard_normal(a.shape)
    (a * tensor(cot)).sum().backward()
    (b * torch.tensor(cot, device=device)).sum().backward()
    np.testing.assert_allclose(_numpy(ours_w.grad), _numpy(theirs_w.grad), rtol=1e-12)
    assert F.embedding is embedding


def test_errors_name_the_problem():
    emb = Embedding(5, 2)
    with pytest.raises(IndexError, match=r"index 5 .*num_embeddings=5"):
        emb(tensor(np.array([0, 5])))
    with pytest.raises(IndexError, match="index -1"):
        emb(tensor(np.array([-1, 2])))
    with pytest.raises(RuntimeError, match="integer indices"):
        emb(tensor(np.array([1.0])))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        Embedding(5, 2, padding_idx=5)
    with pytest.raises(NotImplementedError, match="sparse"):
        Embedding(5, 2, sparse=True)
    with pytest.raises(ValueError, match="does not match"):
        Embedding(5, 2, _weight=tensor(np.zeros((4, 2))))


@settings(derandomize=True, deadline=None, max_examples=15)
@given(
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=3),
    num=st.integers(1, 6),
    dim=st.integers(1, 4),
    seed=st.integers(0, 1000),
)
def test_gradient_is_the_one_hot_product(shape, num, dim, seed):
    """d(sum(out * G))/d(weight) = one_hot(indices)^T @ G: repeated indices accumulate."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, num, size=shape)
    weight = tensor(rng.standard_normal((num, dim)), requires_grad=True)
    out = embedding(tensor(idx), weight)
    np.testing.assert_array_equal(_numpy(out), _numpy(weight)[idx])
    cot = rng.standard_normal(out.shape)
    (out * tensor(cot)).sum().backward()
    one_hot = np.eye(num)[idx.reshape(-1)]
    expected = one_hot.T @ cot.reshape(-1, dim)
    np.testing.assert_allclose(_numpy(weight.grad), expected, rtol=1e-12, atol=1e-14)


def test_device_argument_and_indices_on_another_device():
    emb = Embedding(5, 2, device="cpu")
    assert emb.weight.device == "cpu"
    out = emb(tensor(np.array([0, 4]), device="cpu"))
    assert out.device == "cpu"
    np.testing.assert_array_equal(_numpy(out), _numpy(emb.weight)[[0, 4]])
    if nnlib.cuda.is_available():
        gpu = Embedding(5, 2, device="cuda")
        assert gpu.weight.device == "cuda:0"
        with pytest.raises(RuntimeError, match="same device"):
            gpu(tensor(np.array([0, 4]), device="cpu"))
        out = gpu(np.array([0, 4]))  # host indices (not a tensor) are copied to the table
        assert out.device == "cuda:0"
        np.testing.assert_array_equal(_numpy(out), _numpy(gpu.weight)[[0, 4]])


def test_exported_from_the_facades():
    assert nnlib.nn.Embedding is Embedding
    assert nnlib.nn.functional.embedding is embedding
