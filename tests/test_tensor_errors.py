"""Bad input gets a clear error that names the problem (shapes, dims, dtypes, devices)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from nnlib import ops
from nnlib.tensor import tensor

# ``nnlib.tensor`` the attribute is the function (like torch.tensor); get the module itself.
nt = importlib.import_module("nnlib.tensor")


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = nt.zeros(2, 3), nt.zeros(4, 5)
    message = (
        r"matmul: cannot multiply shapes \(2, 3\) and \(4, 5\): inner dimensions 3 and 4 differ"
    )
    with pytest.raises(RuntimeError, match=message):
        a @ b
    with pytest.raises(
        RuntimeError, match=r"matmul: batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 2\)"
    ):
        nt.zeros(2, 2, 3) @ nt.zeros(3, 3, 2)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        tensor(2.0) @ nt.zeros(2)


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a / b, "div"),
        (lambda a, b: a**b, "pow"),
        (ops.maximum, "maximum"),
        (lambda a, b: a < b, "lt"),
    ],
)
def test_non_broadcastable_shapes_name_op_and_shapes(op, name):
    with pytest.raises(
        RuntimeError, match=rf"{name}: shapes \(2, 3\) and \(4,\) cannot be broadcast"
    ):
        op(nt.ones(2, 3), nt.ones(4))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.sum(3),
        lambda t: t.mean(dim=-4),
        lambda t: t.max(3),
        lambda t: t.transpose(0, 5),
        lambda t: t.softmax(7),
        lambda t: t.unsqueeze(4),
        lambda t: t.argmax(3),
        lambda t: t.size(9),
        lambda t: ops.cat([t, t], dim=3),
    ],
)
def test_bad_dim_names_the_valid_range(call):
    with pytest.raises(IndexError, match=r"dimension out of range.*3 dimensions"):
        call(nt.zeros(2, 3, 4))


def test_reshape_to_incompatible_size():
    with pytest.raises(
        RuntimeError, match=r"shape \(4, 4\) is invalid for input of shape \(2, 3\) \(6 elements\)"
    ):
        nt.zeros(2, 3).reshape(4, 4)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        nt.zeros(2, 3).view(-1, -1)
    with pytest.raises(RuntimeError, match=r"shape \(4, -1\) is invalid"):
        nt.zeros(2, 3).reshape(4, -1)


def test_expand_permute_cat_stack_errors_name_shapes():
    with pytest.raises(RuntimeError, match=r"expanded size 4 must match the existing size 3"):
        nt.zeros(2, 3).expand(2, 4)
    with pytest.raises(RuntimeError, match=r"permutation of 0..1.*\(2, 3\)"):
        nt.zeros(2, 3).permute(0, 0)
    with pytest.raises(
        RuntimeError,
        match=r"cat: sizes of tensors must match except in dimension 0.*\(2, 3\) and \(2, 4\)",
    ):
        ops.cat([nt.zeros(2, 3), nt.zeros(2, 4)])
    with pytest.raises(RuntimeError, match=r"stack: .*\(2, 3\) and \(3, 2\)"):
        ops.stack([nt.zeros(2, 3), nt.zeros(3, 2)])


def test_item_needs_one_element():
    with pytest.raises(
        RuntimeError, match=r"Tensor with 6 elements \(shape \(2, 3\)\) cannot be converted"
    ):
        nt.zeros(2, 3).item()
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(nt.zeros(2))


def test_requires_grad_on_integer_tensors():
    with pytest.raises(
        RuntimeError,
        match="only Tensors of floating point dtype can require gradients; got dtype int64",
    ):
        tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        nt.arange(3, requires_grad=True)


def test_unavailable_device(without_gpu):
    with pytest.raises(
        RuntimeError, match="device 'cuda' is not available to nnlib: CuPy is not installed"
    ):
        nt.zeros(2).to("cuda")
    with pytest.raises(RuntimeError, match="'cuda:0' is not available"):
        nt.zeros(2, device="cuda:0")
    with pytest.raises(RuntimeError, match="not available"):
        nt.zeros(2).cuda()


def test_unsupported_operand_type():
    with pytest.raises(TypeError, match="add: unsupported operand of type list"):
        nt.zeros(2) + [1, 2]


def test_index_errors_name_the_shape():
    with pytest.raises(IndexError, match=r"invalid for a tensor of shape \(2, 3\)"):
        nt.zeros(2, 3)[5]


def test_setitem_shape_mismatch():
    x = nt.zeros(2, 3, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"setitem: cannot assign a value of shape \(4,\)"):
        x[0] = nt.ones(4, requires_grad=True)


def test_in_place_shape_mismatch():
    with pytest.raises(
        RuntimeError,
        match=r"add_: cannot apply an operand of shape \(2, 3\) in place to a tensor of shape",
    ):
        nt.zeros(3).add_(nt.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"copy_: cannot copy a source of shape \(4,\)"):
        nt.zeros(3).copy_(nt.ones(4))


def test_reductions_reject_bad_dtypes_and_empty_tensors():
    with pytest.raises(RuntimeError, match="mean.*floating point.*int64"):
        tensor([1, 2]).mean()
    with pytest.raises(RuntimeError, match=r"max\(\): cannot reduce an empty tensor"):
        nt.zeros(0).max()
    with pytest.raises(TypeError, match="where: condition must be a bool tensor"):
        ops.where(nt.ones(2), nt.ones(2), nt.zeros(2))
    with pytest.raises(TypeError, match="log_softmax: dim must be given"):
        ops.log_softmax(nt.ones(2), None)


def test_len_and_iteration_of_0d_tensor():
    with pytest.raises(TypeError, match="len.. of a 0-d tensor"):
        len(tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tensor(1.0))
    assert np.isscalar(tensor(1.0).item())
