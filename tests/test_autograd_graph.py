"""The graph engine: reuse, depth, accumulation, grad mode, freed buffers, version counters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnlib.autograd import Function, backward, enable_grad, is_grad_enabled, no_grad, unbroadcast
from nnlib.tensor import Tensor, ones, tensor
from tests._torch_compare import assert_close


def test_node_used_several_times_gets_the_sum_of_its_gradients(device):
    data = np.array([0.5, -1.0, 2.0])
    x = tensor(data, requires_grad=True)
    h = x.exp()  # used by three consumers
    (h * h + h * 3 - h.tanh()).sum().backward()
    tx = torch.tensor(data, device=device, requires_grad=True)
    th = tx.exp()
    (th * th + th * 3 - th.tanh()).sum().backward()
    assert_close(x.grad, tx.grad, np.float64)


def test_diamond_graph_matches_torch(device):
    data = np.array([[0.3, -0.7], [1.1, 0.2]])
    x = tensor(data, requires_grad=True)
    a, b = x * 2, x.relu()
    c = a @ b + a.exp()
    c.mean().backward()
    tx = torch.tensor(data, device=device, requires_grad=True)
    ta, tb = tx * 2, tx.relu()
    (ta @ tb + ta.exp()).mean().backward()
    assert_close(x.grad, tx.grad, np.float64)


def test_chain_of_ten_thousand_ops_needs_no_recursion():
    x = tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001**10_000, rtol=1e-3)


def test_gradients_accumulate_across_backward_calls():
    x = tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad._array, [2 + 3, 4 + 3])
    assert isinstance(x.grad, Tensor) and x.grad is first  # accumulated in place, like torch
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_leaf_gradients_never_share_memory():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    x.grad.zero_()
    np.testing.assert_array_equal(y.grad._array, [1.0, 1.0])
    upstream = tensor([1.0, 1.0])
    z = tensor([0.0, 0.0], requires_grad=True)
    (z + 0).backward(upstream)
    z.grad.zero_()
    np.testing.assert_array_equal(upstream._array, [1.0, 1.0])


def test_non_leaf_tensors_do_not_keep_grad_unless_retained():
    x = tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    kept = x * 3
    kept.retain_grad()
    (h + kept).sum().backward()
    assert h.grad is None
    assert not h.is_leaf and x.is_leaf
    np.testing.assert_array_equal(kept.grad._array, [1.0, 1.0])
    assert kept.retains_grad and not h.retains_grad


def test_no_grad_as_context_manager_and_decorator():
    x = tensor([1.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
        with enable_grad():
            z = x * 2
    assert is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ValueError), no_grad():
        raise ValueError("boom")
    assert is_grad_enabled()


def test_second_backward_raises_unless_graph_retained():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad._array, [4.0, 8.0])
    with pytest.raises(
        RuntimeError, match="backward through the graph a second time.*retain_graph=True"
    ):
        y.backward()


def test_freed_graph_error_reaches_shared_subgraph():
    x = tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    loss1, loss2 = h.sum(), (h * 2).sum()
    loss1.backward()
    with pytest.raises(RuntimeError, match="ExpBackward.*second time"):
        loss2.backward()


def test_graph_without_saved_arrays_can_run_twice_like_torch():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad._array, [2.0, 2.0])


def test_backward_on_non_scalar_needs_gradient():
    x = tensor([[1.0, 2.0]], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(1, 2\)"):
        y.backward()
    y.backward(tensor([[1.0, 10.0]]))
    np.testing.assert_array_equal(x.grad._array, [[2.0, 20.0]])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(2,\).*\(1, 2\)"):
        (x * 2).backward(tensor([1.0, 1.0]))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tensor([1.0]).sum().backward()


def test_backward_on_a_leaf_fills_its_grad():
    x = tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_in_place_change_of_a_saved_input_is_detected():
    x = tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = (h * h).sum()  # MulBackward saves h
    h.add_(1)
    assert h._version == 1
    with pytest.raises(
        RuntimeError, match=r"modified by an inplace operation.*MulBackward.*version 1"
    ):
        y.backward()


def test_in_place_change_of_a_saved_output_is_detected():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # ExpBackward saves its output
    loss = y.sum()
    with no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="ExpBackward"):
        loss.backward()


def test_in_place_change_of_an_unsaved_input_is_fine():
    x = tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = (h + 1).sum()  # AddBackward saves nothing
    h.add_(1)
    y.backward()
    np.testing.assert_array_equal(x.grad._array, [1.0, 1.0])


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.zero_(),
        lambda t: t.fill_(2.0),
        lambda t: t.copy_(tensor([5.0, 6.0])),
        lambda t: t.mul_(2),
        lambda t: t.clamp_(0, 1),
        lambda t: t.__setitem__(0, 7.0),
        lambda t: t.sub_(1),
        lambda t: t.div_(2),
    ],
)
def test_every_in_place_method_bumps_the_version(change):
    t = tensor([1.0, 2.0])
    change(t)
    assert t._version == 1


def test_data_assignment_is_not_tracked():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data = tensor([10.0, 20.0])
    y.backward()  # uses the arrays saved at forward time
    np.testing.assert_array_equal(x.grad._array, [2.0, 4.0])


def test_in_place_on_leaf_requiring_grad_raises_unless_no_grad():
    w = tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*in-place"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 3.0
    with no_grad():
        w -= 0.5 * ones(2)
        w[1] = 9.0
    np.testing.assert_array_equal(w._array, [0.5, 9.0])
    assert w.is_leaf and w.requires_grad


def test_in_place_ops_on_non_leaves_are_recorded_like_torch(device):
    data = np.array([1.0, -2.0, 3.0])
    x = tensor(data, requires_grad=True)
    h = x * 2
    h[0] = 0.0
    h.add_(x)
    h.sum().backward()
    tx = torch.tensor(data, device=device, requires_grad=True)
    th = tx * 2
    th[0] = 0.0
    th.add_(tx)
    th.sum().backward()
    assert_close(h, th, np.float64)
    assert_close(x.grad, tx.grad, np.float64)


def test_setitem_with_a_value_that_requires_grad(device):
    data, value = np.zeros((2, 3)), np.array([1.0, 2.0, 3.0])
    v = tensor(value, requires_grad=True)
    buf = tensor(data)
    buf[1] = v * 2
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * buf).sum().backward()
    tv = torch.tensor(value, device=device, requires_grad=True)
    tbuf = torch.tensor(data, device=device)
    tbuf[1] = tv * 2
    (tbuf * tbuf).sum().backward()
    assert_close(v.grad, tv.grad, np.float64)


def test_iadd_is_in_place():
    x = tensor([1.0, 2.0])
    alias = x
    x += 1
    x *= 2
    assert alias is x
    np.testing.assert_array_equal(alias._array, [4.0, 6.0])


def test_detach_shares_data_and_leaves_the_graph():
    x = tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    y = x.detach()
    assert np.shares_memory(y._array, x._array)


def test_requires_grad_flag_rules():
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        tensor([1, 2]).requires_grad_()
    x = tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf variables.*detach"):
        (x * 2).requires_grad_(False)
    assert tensor([1.0]).requires_grad_().requires_grad


def test_custom_function_with_ctx_and_unbroadcast():
    class ScaledAdd(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.scale = scale
            ctx.shapes = (a.shape, b.shape)
            return (a + b) * scale

        @staticmethod
        def backward(ctx, grad):
            assert ctx.needs_input_grad == (True, False, False)
            return unbroadcast(grad * ctx.scale, ctx.shapes[0]), None, None

    a = tensor([[1.0], [2.0]], requires_grad=True)
    b = tensor([1.0, 2.0, 3.0])
    out = ScaledAdd.apply(a, b, 2.0)
    assert repr(out.grad_fn) == "<ScaledAddBackward0>"
    backward(out.sum())
    np.testing.assert_array_equal(a.grad._array, [[6.0], [6.0]])


def test_random_graphs_with_shared_nodes_match_torch(device):
    """Random DAGs where nodes and leaves feed several consumers: gradients equal torch's."""
    rng = np.random.default_rng(0)
    binary = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b]
    unary = [lambda a: a.exp() * 0.1, lambda a: a.tanh(), lambda a: a * 2, lambda a: a.T.T]
    for _ in range(40):
        data = [rng.standard_normal((2, 3)) for _ in range(2)]
        ours = [tensor(d, requires_grad=True) for d in data]
        theirs = [torch.tensor(d, device=device, requires_grad=True) for d in data]
        nodes = list(zip(ours, theirs, strict=True))
        for _ in range(8):
            if rng.random() < 0.5:
                i, j = rng.integers(len(nodes), size=2)
                op = binary[rng.integers(len(binary))]
                nodes.append((op(nodes[i][0], nodes[j][0]), op(nodes[i][1], nodes[j][1])))
            else:
                i = rng.integers(len(nodes))
                op = unary[rng.integers(len(unary))]
                nodes.append((op(nodes[i][0]), op(nodes[i][1])))
        picks = rng.integers(len(nodes), size=3)
        sum(nodes[i][0] for i in picks).sum().backward()
        sum(nodes[i][1] for i in picks).sum().backward()
        for a, b in zip(ours, theirs, strict=True):
            if b.grad is None:
                assert a.grad is None
            else:
                assert_close(a.grad, b.grad, np.float64)
