"""Every differentiable op: values and gradients match torch (float64 tight, float32 loose)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnlib import ops
from nnlib.tensor import tensor
from tests._torch_compare import assert_close, check_parity, twins

# (id, nnlib function, torch function, input shapes, domain)
# domain "pos" draws inputs from [0.5, 2) (log, sqrt, divisors), "any" from N(0, 1).
CASES = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (3, 4)], "any"),
    ("add_broadcast", lambda a, b: a + b, lambda a, b: a + b, [(2, 1, 4), (3, 1)], "any"),
    (
        "add_alpha",
        lambda a, b: a.add(b, alpha=2.5),
        lambda a, b: a.add(b, alpha=2.5),
        [(3,), (3,)],
        "any",
    ),
    ("radd_number", lambda a: 2 + a, lambda a: 2 + a, [(3, 4)], "any"),
    ("sub_broadcast", lambda a, b: a - b, lambda a, b: a - b, [(3, 4), (4,)], "any"),
    ("rsub_number", lambda a: 1.5 - a, lambda a: 1.5 - a, [(3, 4)], "any"),
    ("mul_broadcast", lambda a, b: a * b, lambda a, b: a * b, [(3, 1), (1, 4)], "any"),
    ("mul_number", lambda a: a * 3, lambda a: a * 3, [(3, 4)], "any"),
    ("rmul_number", lambda a: 0.5 * a, lambda a: 0.5 * a, [(3, 4)], "any"),
    ("mul_self", lambda a: a * a, lambda a: a * a, [(3, 4)], "any"),
    ("div_broadcast", lambda a, b: a / b, lambda a, b: a / b, [(2, 3), (3,)], "pos"),
    ("div_number", lambda a: a / 4, lambda a: a / 4, [(3, 4)], "any"),
    ("rdiv_number", lambda a: 2 / a, lambda a: 2 / a, [(3, 4)], "pos"),
    ("pow_number", lambda a: a**3, lambda a: a**3, [(3, 4)], "any"),
    ("pow_half", lambda a: a**0.5, lambda a: a**0.5, [(3, 4)], "pos"),
    ("pow_zero", lambda a: a**0, lambda a: a**0, [(3,)], "any"),
    ("pow_tensor", lambda a, b: a**b, lambda a, b: a**b, [(2, 3), (3,)], "pos"),
    ("rpow_number", lambda a: 2.0**a, lambda a: 2.0**a, [(3, 4)], "any"),
    ("neg", lambda a: -a, lambda a: -a, [(3, 4)], "any"),
    ("exp", ops.exp, torch.exp, [(3, 4)], "any"),
    ("log", ops.log, torch.log, [(3, 4)], "pos"),
    ("sqrt", ops.sqrt, torch.sqrt, [(3, 4)], "pos"),
    ("abs", ops.abs, torch.abs, [(3, 4)], "any"),
    ("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), [(4, 5)], "any"),
    ("clamp_min", lambda a: a.clamp(min=0.1), lambda a: a.clamp(min=0.1), [(4, 5)], "any"),
    ("clamp_max", lambda a: ops.clamp(a, max=0.2), lambda a: a.clamp(max=0.2), [(4, 5)], "any"),
    ("tanh", ops.tanh, torch.tanh, [(3, 4)], "any"),
    ("sigmoid", ops.sigmoid, torch.sigmoid, [(3, 4)], "any"),
    ("relu", ops.relu, torch.relu, [(3, 4)], "any"),
    ("maximum", ops.maximum, torch.maximum, [(3, 4), (4,)], "any"),
    ("minimum", ops.minimum, torch.minimum, [(3, 1), (4,)], "any"),
    ("sum_all", lambda a: a.sum(), lambda a: a.sum(), [(3, 4, 2)], "any"),
    ("sum_dim", lambda a: a.sum(1), lambda a: a.sum(1), [(3, 4, 2)], "any"),
    (
        "sum_dims_keep",
        lambda a: a.sum((0, -1), keepdim=True),
        lambda a: a.sum((0, -1), keepdim=True),
        [(3, 4, 2)],
        "any",
    ),
    ("mean_all", lambda a: a.mean(), lambda a: a.mean(), [(3, 4)], "any"),
    (
        "mean_dim",
        lambda a: ops.mean(a, dim=-1, keepdim=True),
        lambda a: a.mean(-1, keepdim=True),
        [(3, 4)],
        "any",
    ),
    ("var_all", lambda a: a.var(), lambda a: a.var(), [(3, 4)], "any"),
    (
        "var_dim_biased",
        lambda a: a.var(0, unbiased=False),
        lambda a: a.var(0, unbiased=False),
        [(3, 4)],
        "any",
    ),
    (
        "var_correction",
        lambda a: a.var((0, 1), correction=2, keepdim=True),
        lambda a: a.var((0, 1), correction=2, keepdim=True),
        [(3, 4, 2)],
        "any",
    ),
    ("std_dim", lambda a: a.std(1), lambda a: a.std(1), [(3, 4)], "any"),
    ("max_all", lambda a: a.max(), lambda a: a.max(), [(3, 4)], "any"),
    ("min_all", lambda a: ops.min(a), lambda a: torch.min(a), [(3, 4)], "any"),
    ("max_dim", lambda a: a.max(1).values, lambda a: a.max(1).values, [(3, 4, 2)], "any"),
    (
        "min_dim_keep",
        lambda a: a.min(0, keepdim=True)[0],
        lambda a: a.min(0, keepdim=True)[0],
        [(3, 4)],
        "any",
    ),
    ("logsumexp", lambda a: a.logsumexp(1), lambda a: a.logsumexp(1), [(3, 4, 2)], "any"),
    (
        "logsumexp_keep",
        lambda a: ops.logsumexp(a, (0, 2), keepdim=True),
        lambda a: torch.logsumexp(a, (0, 2), keepdim=True),
        [(3, 4, 2)],
        "any",
    ),
    ("softmax", lambda a: a.softmax(1), lambda a: a.softmax(1), [(3, 4, 2)], "any"),
    (
        "log_softmax",
        lambda a: ops.log_softmax(a, -1),
        lambda a: torch.log_softmax(a, -1),
        [(3, 5)],
        "any",
    ),
    ("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), [(2, 3, 4)], "any"),
    ("view", lambda a: a.view(24), lambda a: a.view(24), [(2, 3, 4)], "any"),
    ("transpose", lambda a: a.transpose(0, -1), lambda a: a.transpose(0, -1), [(2, 3, 4)], "any"),
    ("permute", lambda a: a.permute(1, 2, 0), lambda a: a.permute(1, 2, 0), [(2, 3, 4)], "any"),
    ("T", lambda a: a.T, lambda a: a.T, [(2, 3)], "any"),
    ("flatten", lambda a: a.flatten(1), lambda a: a.flatten(1), [(2, 3, 4)], "any"),
    (
        "flatten_range",
        lambda a: ops.flatten(a, 0, 1),
        lambda a: torch.flatten(a, 0, 1),
        [(2, 3, 4)],
        "any",
    ),
    ("squeeze", lambda a: a.squeeze(), lambda a: a.squeeze(), [(2, 1, 3, 1)], "any"),
    ("squeeze_dim", lambda a: a.squeeze(1), lambda a: a.squeeze(1), [(2, 1, 3, 1)], "any"),
    ("unsqueeze", lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1), [(2, 3)], "any"),
    ("expand", lambda a: a.expand(2, 3, 4), lambda a: a.expand(2, 3, 4), [(3, 1)], "any"),
    ("expand_keep", lambda a: a.expand(-1, 4), lambda a: a.expand(-1, 4), [(3, 1)], "any"),
    ("index_int", lambda a: a[1], lambda a: a[1], [(3, 4)], "any"),
    ("index_slices", lambda a: a[1:, None, ::2], lambda a: a[1:, None, ::2], [(3, 4, 5)], "any"),
    ("index_ellipsis", lambda a: a[..., -1], lambda a: a[..., -1], [(3, 4, 5)], "any"),
    ("index_repeated", lambda a: a[[0, 2, 0, 0]], lambda a: a[[0, 2, 0, 0]], [(3, 4)], "any"),
    (
        "index_pairs",
        lambda a: a[[0, 1, 1], [2, 0, 0]],
        lambda a: a[[0, 1, 1], [2, 0, 0]],
        [(3, 4)],
        "any",
    ),
    (
        "index_tensor",
        lambda a: a[tensor([2, 2, 1]), 1:],
        lambda a: a[torch.tensor([2, 2, 1], device=a.device), 1:],
        [(3, 4)],
        "any",
    ),
    ("index_mask", lambda a: a[a > 0], lambda a: a[a > 0], [(3, 4)], "any"),
    (
        "cat",
        lambda a, b: ops.cat([a, b, a], 1),
        lambda a, b: torch.cat([a, b, a], 1),
        [(3, 2), (3, 4)],
        "any",
    ),
    (
        "stack",
        lambda a, b: ops.stack([a, b], -1),
        lambda a, b: torch.stack([a, b], -1),
        [(3, 2), (3, 2)],
        "any",
    ),
    (
        "where",
        lambda a, b: ops.where(a > 0, a, b),
        lambda a, b: torch.where(a > 0, a, b),
        [(3, 4), (4,)],
        "any",
    ),
    (
        "where_number",
        lambda a: ops.where(a > 0, a, 0.0),
        lambda a: torch.where(a > 0, a, 0.0),
        [(3, 4)],
        "any",
    ),
    (
        "masked_fill",
        lambda a: a.masked_fill(a < 0, 2.0),
        lambda a: a.masked_fill(a < 0, 2.0),
        [(3, 4)],
        "any",
    ),
    ("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 5)], "any"),
    ("matmul_transposed", lambda a, b: a @ b.T, lambda a, b: a @ b.T, [(3, 4), (5, 4)], "any"),
    ("matmul_vec_mat", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4, 5)], "any"),
    ("matmul_mat_vec", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4,)], "any"),
    ("matmul_dot", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4,)], "any"),
    ("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)], "any"),
    (
        "matmul_batch_shared",
        lambda a, b: ops.matmul(a, b),
        lambda a, b: torch.matmul(a, b),
        [(2, 3, 4), (4, 2)],
        "any",
    ),
    ("matmul_mat_batch", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (2, 4, 2)], "any"),
    ("matmul_vec_batch", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (2, 4, 2)], "any"),
    ("matmul_batch_vec", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (4,)], "any"),
    ("clone", lambda a: a.clone(), lambda a: a.clone(), [(3, 4)], "any"),
    ("to_float64", lambda a: a.double() * 2, lambda a: a.double() * 2, [(3,)], "any"),
    (
        "mlp_layer",
        lambda x, w, b: (x @ w.T + b).relu().sum(1).log_softmax(0),
        lambda x, w, b: (x @ w.T + b).relu().sum(1).log_softmax(0),
        [(5, 4), (3, 4), (3,)],
        "any",
    ),
]


def _inputs(shapes, domain, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if domain == "pos":
        return [rng.uniform(0.5, 2.0, s).astype(dtype) for s in shapes]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("ours", "theirs", "shapes", "domain"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_op_matches_torch(ours, theirs, shapes, domain, dtype, device):
    check_parity(ours, theirs, _inputs(shapes, domain, dtype), device)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_operators_keep_dtype_with_python_and_numpy_scalars(dtype):
    x = tensor(np.ones(3, dtype), requires_grad=True)
    for y in (x * 2, 2.5 * x, x / np.float64(3), x + np.float64(1), x**2, np.float64(2) - x):
        assert y.dtype == dtype
        y.sum().backward()
        assert x.grad.dtype == dtype


def test_reflected_operators_with_numpy_arrays(device):
    a = np.arange(1.0, 4.0)
    # NumPy arrays are CPU data: they mix with CPU tensors only (on a GPU torch raises too).
    x = tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True, device="cpu")
    tx = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64, device=device, requires_grad=True)
    ta = torch.tensor(a, device=device)
    out = (a + x) * (a - x) / (a * x) + (a / x) + (a @ x)
    tout = (ta + tx) * (ta - tx) / (ta * tx) + (ta / tx) + (ta @ tx)
    assert type(out).__name__ == "Tensor"
    out.sum().backward()
    tout.sum().backward()
    assert_close(out, tout, np.float64)
    assert_close(x.grad, tx.grad, np.float64)


def test_max_min_with_dim_return_values_and_indices_like_torch(device):
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    (x,), (tx,) = twins([data], device)
    for name in ("max", "min"):
        for keepdim in (False, True):
            ours = getattr(x, name)(1, keepdim=keepdim)
            theirs = getattr(tx, name)(1, keepdim=keepdim)
            assert_close(ours.values, theirs.values, np.float64)
            np.testing.assert_array_equal(ours.indices._array, theirs.indices.cpu().numpy())
            assert ours.indices.dtype == np.int64
            values, indices = ours  # a named tuple, unpacks like torch's
            assert values is ours.values and indices is ours.indices


@pytest.mark.parametrize("name", ["max", "min"])
def test_ties_gradient_matches_torch(name, device):
    """Full reduction: ties share the gradient; with dim: it goes to the returned index."""
    data = np.array([[1.0, 3.0, 3.0], [3.0, 1.0, 1.0]])
    data = data if name == "max" else -data
    (x,), (tx,) = twins([data], device)
    getattr(x, name)().backward()
    getattr(tx, name)().backward()
    assert_close(x.grad, tx.grad, np.float64)
    (x,), (tx,) = twins([data], device)
    getattr(x, name)(1).values.sum().backward()
    getattr(tx, name)(1).values.sum().backward()
    assert_close(x.grad, tx.grad, np.float64)


def test_maximum_ties_split_the_gradient_like_torch(device):
    (x, y), (tx, ty) = twins([np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])], device)
    ops.maximum(x, y).sum().backward()
    torch.maximum(tx, ty).sum().backward()
    assert_close(x.grad, tx.grad, np.float64)
    assert_close(y.grad, ty.grad, np.float64)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (0, False), (1, True), (-1, False)])
def test_argmax_argmin_match_torch(name, dim, keepdim, device):
    data = np.random.default_rng(1).standard_normal((4, 5))
    ours = getattr(tensor(data), name)(dim=dim, keepdim=keepdim)
    theirs = getattr(torch.tensor(data, device=device), name)(dim=dim, keepdim=keepdim)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours._array, theirs.cpu().numpy())


@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_are_bool_tensors_without_grad(op, device):
    a = np.array([[1.0, 2.0, 3.0]])
    b = np.array([[2.0], [3.0]])
    x = tensor(a, requires_grad=True)
    ours = getattr(x, op)(tensor(b))
    theirs = getattr(torch.tensor(a, device=device), op)(torch.tensor(b, device=device))
    assert ours.dtype == np.bool_
    assert not ours.requires_grad and ours.grad_fn is None
    np.testing.assert_array_equal(ours._array, theirs.cpu().numpy())
    np.testing.assert_array_equal(getattr(x, op)(2.0)._array, getattr(a, op)(2.0))


def test_softmax_is_stable_for_large_inputs(device):
    data = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]])
    for ours, theirs in ((ops.softmax, torch.softmax), (ops.log_softmax, torch.log_softmax)):
        out = ours(tensor(data), 1)
        assert np.all(np.isfinite(out._array))
        assert_close(out, theirs(torch.tensor(data, device=device), 1), np.float64)
    lse = ops.logsumexp(tensor(data), 1)
    assert_close(lse, torch.logsumexp(torch.tensor(data, device=device), 1), np.float64)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    out = ops.logsumexp(tensor([[-np.inf, -np.inf], [0.0, -np.inf]]), 1)
    np.testing.assert_array_equal(out._array, [-np.inf, 0.0])


def test_sigmoid_is_accurate_far_from_zero(device):
    data = np.array([-50.0, -20.0, 0.0, 20.0, 50.0])
    ours = ops.sigmoid(tensor(data))
    assert_close(ours, torch.sigmoid(torch.tensor(data, device=device)), np.float64)


def test_integer_promotion_follows_torch():
    ints = tensor([1, 2, 3])
    floats = tensor([0.5, 0.5, 0.5])
    assert (ints + floats).dtype == np.float32
    assert (ints * 2.5).dtype == np.float32
    assert (ints / tensor([2, 2, 2])).dtype == np.float32
    assert (ints * 2).dtype == np.int64
    np.testing.assert_allclose((ints / 2)._array, [0.5, 1.0, 1.5])


def test_module_functions_have_torch_names():
    x = tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    assert ops.sum(x, dim=1).shape == (2,)
    assert ops.mean(x, dim=(0, 1), keepdim=True).shape == (1, 1)
    assert ops.cat([x, x], dim=1).shape == (2, 4)
    assert ops.stack([x, x], dim=0).shape == (2, 2, 2)
    assert ops.where(x > 0, x, 0.0).shape == (2, 2)
    assert ops.matmul(x, x).shape == (2, 2)
    assert ops.clamp(x, min=0)._array.min() == 0
    assert ops.transpose(x, 0, 1).shape == (2, 2)
    assert ops.max(x).item() == 4.0
    assert ops.max(x, tensor(0.0))._array.min() == 0.0  # torch.max(a, b) is elementwise
