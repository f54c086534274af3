"""torch's dtype rules: promotion by category, floating-only functions, dtype inference.

The promotion table is checked against torch itself over every pair of dtypes and every
pairing of operand kinds (a tensor with dimensions, a 0-d tensor, a Python number).
"""

from __future__ import annotations

import itertools
import operator

import numpy as np
import pytest
import torch

import nnlib
import nnlib.nn.functional as F

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
TORCH = {name: getattr(torch, name) for name in DTYPES}
SCALARS = {"bool": True, "int": 3, "float": 2.5}
OPS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "eq": operator.eq,
    "lt": operator.lt,
    "maximum": lambda a, b: (torch if isinstance(a, torch.Tensor) else nnlib).maximum(a, b),
    "where": lambda a, b: (torch if isinstance(a, torch.Tensor) else nnlib).where(
        a > 1 if a.dtype not in (torch.bool, np.dtype(bool)) else a, a, b
    ),
}


def values(dtype: str, dims: bool) -> np.ndarray:
    base = np.array([0, 1, 2, 5], dtype=np.float64)
    array = (base > 0) if dtype == "bool" else base.astype(dtype)
    return array if dims else array[2]


def operand(kind: str, dtype: str, lib, device):
    """``kind``: "tensor" (1-D), "0d" (a 0-d tensor) or a Python scalar kind."""
    if kind in SCALARS:
        return SCALARS[kind]
    array = values(dtype, kind == "tensor")
    if lib is torch:
        return torch.tensor(array, dtype=TORCH[dtype], device=device)
    return nnlib.tensor(array, dtype=getattr(nnlib, dtype if dtype != "bool" else "bool_"))


def outcome(lib, op, a_spec, b_spec, device):
    a = operand(*a_spec, lib, device)
    b = operand(*b_spec, lib, device)
    try:
        result = op(a, b)
    except (RuntimeError, TypeError):
        return "error", None
    if lib is torch:
        return str(result.dtype).removeprefix("torch."), result.cpu().numpy()
    return str(result.dtype), np.asarray(result._array)


def cases():
    """(left, right) operand specs: every dtype pair for tensor/0-d kinds, and every dtype
    with every Python scalar kind on either side."""
    kinds = [("tensor", "tensor"), ("tensor", "0d"), ("0d", "tensor"), ("0d", "0d")]
    for (ka, kb), da, db in itertools.product(kinds, DTYPES, DTYPES):
        yield (ka, da), (kb, db)
    for kind, dtype, scalar in itertools.product(("tensor", "0d"), DTYPES, SCALARS):
        yield (kind, dtype), (scalar, None)
        yield (scalar, None), (kind, dtype)


def test_promotion_table_matches_torch(device):
    mismatches = []
    checked = 0
    for name, op in OPS.items():
        for a_spec, b_spec in cases():
            if name in ("maximum", "where") and (a_spec[0] in SCALARS):
                continue  # torch.maximum / where(cond, scalar, ...) take a tensor first
            if name == "maximum" and b_spec[0] in SCALARS:
                continue
            theirs = outcome(torch, op, a_spec, b_spec, device)
            ours = outcome(nnlib, op, a_spec, b_spec, device)
            checked += 1
            if ours[0] != theirs[0]:
                mismatches.append(f"{name}{a_spec}{b_spec}: nnlib {ours[0]}, torch {theirs[0]}")
            elif theirs[1] is not None:
                rtol = 1e-3 if "float16" in (ours[0],) else 1e-6
                a, b = ours[1].astype(float), theirs[1].astype(float)
                if not np.allclose(a, b, rtol=rtol, equal_nan=True):
                    mismatches.append(f"{name}{a_spec}{b_spec}: values differ")
    assert checked > 3000
    assert not mismatches, f"{len(mismatches)} mismatches, e.g.\n" + "\n".join(mismatches[::7])


def test_issue_examples_of_promotion():
    f32 = nnlib.ones(3)
    assert (f32 * nnlib.tensor(2.0, dtype=nnlib.float64)).dtype == nnlib.float32
    i32 = nnlib.tensor([1, 2], dtype=nnlib.int32)
    assert (i32 + nnlib.tensor(5)).dtype == nnlib.int32
    assert (i32 * 0.5).dtype == nnlib.float32
    assert (nnlib.arange(3) * nnlib.tensor(1.5, dtype=nnlib.float64)).dtype == nnlib.float64


def test_promotion_keeps_gradients_flowing(device):
    w = nnlib.tensor([1.0, 2.0], dtype=nnlib.float32, requires_grad=True)
    s = nnlib.tensor(3.0, dtype=nnlib.float64, requires_grad=True)
    tw = torch.tensor([1.0, 2.0], device=device, requires_grad=True)
    ts = torch.tensor(3.0, dtype=torch.float64, device=device, requires_grad=True)
    out, t_out = (w * s).sum(), (tw * ts).sum()
    assert str(out.dtype) == str(t_out.dtype).removeprefix("torch.")
    out.backward()
    t_out.backward()
    np.testing.assert_allclose(w.grad._array, tw.grad.cpu().numpy())
    np.testing.assert_allclose(s.grad._array, ts.grad.cpu().numpy())
    assert s.grad.dtype == nnlib.float64


FLOAT_ONLY = ["sigmoid", "tanh", "exp", "log", "sqrt"]


@pytest.mark.parametrize("name", FLOAT_ONLY)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
def test_floating_only_functions_compute_in_float32(name, dtype, device):
    array = values(dtype, True)
    theirs = getattr(torch, name)(torch.tensor(array, device=device))
    ours = getattr(nnlib, name)(nnlib.tensor(array))
    assert ours.dtype == nnlib.float32 == np.dtype(str(theirs.dtype).removeprefix("torch."))
    np.testing.assert_allclose(ours._array, theirs.cpu().numpy(), rtol=1e-6)
    method = getattr(nnlib.tensor(array), name)()
    np.testing.assert_array_equal(method._array, ours._array)


def test_sigmoid_of_ints_is_not_zero():
    np.testing.assert_allclose(
        nnlib.tensor([0, 1, 2]).sigmoid()._array, [0.5, 0.7311, 0.8808], 1e-4
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.softmax(x, 0),
        lambda lib, x: lib.log_softmax(x, 0),
        lambda lib, x: x.mean(),
        lambda lib, x: x.var(),
        lambda lib, x: x.std(),
    ],
    ids=["softmax", "log_softmax", "mean", "var", "std"],
)
def test_floating_only_reductions_of_ints_raise_like_torch(call, device):
    with pytest.raises(RuntimeError):
        call(torch, torch.tensor([1, 2], device=device))
    with pytest.raises(RuntimeError, match="floating point"):
        call(nnlib, nnlib.tensor([1, 2]))


def test_cat_stack_where_clamp_masked_fill_follow_torch(device):
    def both(fn):
        t = fn(torch, lambda a, **k: torch.tensor(a, device=device, **k))
        n = fn(nnlib, lambda a, **k: nnlib.tensor(a, **k))
        assert str(n.dtype) == str(t.dtype).removeprefix("torch.")
        np.testing.assert_allclose(n._array.astype(float), t.cpu().numpy().astype(float), 1e-6)

    both(lambda lib, T: lib.cat([T([1, 2]), T([1.5], dtype=lib.float16)]))
    both(lambda lib, T: lib.cat([T([1, 2]), T([True])]))
    both(lambda lib, T: lib.cat([T([1.0]), T([2.0], dtype=lib.float64)]))
    both(lambda lib, T: lib.stack([T(1), T(2.5)]))
    both(lambda lib, T: lib.where(T([True, False]), T([1, 2]), 2.5))
    both(lambda lib, T: lib.where(T([True, False]), T([1, 2]), T(2.5, dtype=lib.float64)))
    both(lambda lib, T: T([1, 2, 3]).clamp(min=1.5))
    both(lambda lib, T: T([1, 2, 3]).clamp(max=T(2.5, dtype=lib.float64)))
    both(lambda lib, T: T([1.0, 2.0]).clamp(min=T(1.5, dtype=lib.float64)))
    both(lambda lib, T: T([1, 2]).masked_fill(T([True, False]), 2.7))
    both(lambda lib, T: T([1.0, 2.0]).masked_fill(T([True, False]), T(7, dtype=lib.int64)))
    both(lambda lib, T: T([1, 2, 3], dtype=lib.uint8).sum())
    both(lambda lib, T: T([True, True, False]).sum())
    both(lambda lib, T: T([[1.0, 2.0], [3.0, 4.0]]).sum(dim=()))
    both(lambda lib, T: T([[1, 2], [3, 4]]).prod(1))


def test_masked_fill_value_gets_a_gradient(device):
    x = nnlib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = nnlib.tensor(5.0, requires_grad=True)
    tx = torch.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    tv = torch.tensor(5.0, device=device, requires_grad=True)
    mask = [True, False, True]
    (x.masked_fill(nnlib.tensor(mask), v) * nnlib.tensor([1.0, 2.0, 3.0])).sum().backward()
    (
        tx.masked_fill(torch.tensor(mask, device=device), tv)
        * torch.tensor([1.0, 2, 3], device=device)
    ).sum().backward()
    np.testing.assert_allclose(x.grad._array, tx.grad.cpu().numpy())
    np.testing.assert_allclose(v.grad._array, tv.grad.cpu().numpy())


def test_tensor_inference_from_lists_like_torch():
    cases = [
        [nnlib.tensor(1.0), nnlib.tensor(2.0)],
        [[nnlib.tensor(1), nnlib.tensor(2)], [nnlib.tensor(3), nnlib.tensor(4)]],
        [np.float64(1.0), 2.0],
        [np.float32(1.0), 2],
        [np.int32(1), 2],
        [np.float16(1.0), np.float32(2.0)],
        [True, 2],
        [[1, 2.5], [3, 4]],
    ]
    for data in cases:
        ours = nnlib.tensor(data)
        torch_data = [
            [torch.tensor(v._array) if isinstance(v, nnlib.Tensor) else v for v in row]
            if isinstance(row, list)
            else (torch.tensor(row._array) if isinstance(row, nnlib.Tensor) else row)
            for row in data
        ]
        theirs = torch.tensor(torch_data)
        assert ours.shape == tuple(theirs.shape), data
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), data
        np.testing.assert_allclose(ours._array, theirs.numpy())


def test_ragged_lists_and_bad_indices_raise_clearly():
    with pytest.raises(ValueError, match=r"ragged.*length 2 at dim 1 \(got 1\)"):
        nnlib.tensor([[1, 2], [3]])
    with pytest.raises(ValueError):
        torch.tensor([[1, 2], [3]])
    with pytest.raises(IndexError, match="must be long, int, byte or bool"):
        nnlib.arange(3)[nnlib.tensor([0.0, 1.0])]


def test_uint8_index_is_a_mask_and_empty_lists_select_nothing(device):
    x = nnlib.tensor([1.0, 2.0, 3.0])
    tx = torch.tensor([1.0, 2.0, 3.0], device=device)
    mask = [1, 0, 1]
    with pytest.warns(UserWarning):
        expected = tx[torch.tensor(mask, dtype=torch.uint8, device=device)].cpu().numpy()
    np.testing.assert_array_equal(x[nnlib.tensor(mask, dtype=nnlib.uint8)]._array, expected)
    empty = nnlib.arange(3)[[]]
    assert empty.shape == tuple(torch.arange(3)[[]].shape) and empty.dtype == nnlib.int64


@pytest.mark.parametrize("reduce", ["std", "var"])
def test_std_var_gradient_at_zero_spread_is_torchs(reduce, device):
    data = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    x = nnlib.tensor(data, requires_grad=True)
    tx = torch.tensor(data, device=device, requires_grad=True)
    getattr(x, reduce)(dim=1).sum().backward()
    getattr(tx, reduce)(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad._array, tx.grad.cpu().numpy(), rtol=1e-6)
    assert np.isfinite(x.grad._array).all()
    y = nnlib.tensor(np.full(4, 3.0), requires_grad=True)
    y.std().backward()
    ty = torch.tensor(np.full(4, 3.0), requires_grad=True)
    ty.std().backward()
    np.testing.assert_array_equal(y.grad._array, ty.grad.numpy())


def test_activation_of_ints_never_returns_integers(device):
    x = nnlib.tensor([-1, 0, 2])
    tx = torch.tensor([-1, 0, 2], device=device)
    assert F.relu(x).dtype == nnlib.int64  # relu keeps the dtype
    assert torch.nn.functional.relu(tx).dtype == torch.int64
    for name in ("gelu", "silu", "elu", "leaky_relu", "softplus"):
        with pytest.raises(NotImplementedError):
            getattr(torch.nn.functional, name)(tx)
        with pytest.raises(NotImplementedError, match="floating"):
            getattr(F, name)(x)


@pytest.mark.parametrize(
    ("left", "right"), [("float32", "float64"), ("float64", "float32"), ("int64", "float32")]
)
def test_matmul_of_mixed_dtypes_raises_like_torch(device, left, right):
    a, b = np.ones((2, 3), dtype=left), np.ones((3, 2), dtype=right)
    with pytest.raises(RuntimeError):
        torch.from_numpy(a).to(device) @ torch.from_numpy(b).to(device)
    with pytest.raises(RuntimeError, match="same dtype"):
        nnlib.tensor(a) @ nnlib.tensor(b)
