"""Views and in-place changes: the same program run with nnlib and with torch gives the same
gradients, or both raise.

Every scenario is written once against a torch-shaped module ``lib`` (``nnlib`` or ``torch``),
so the nnlib run is literally the torch program with the import changed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib.optim import SGD

W = np.array([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]])
X = np.array([[2.0, -1.0, 0.5], [3.0, 4.0, -2.0]])
SQUARE = np.array([[1.0, 2.0], [3.0, 4.0]])


def make(lib, values, device, requires_grad=False):
    """A float64 tensor of ``values`` on ``device`` (nnlib computes on the CPU)."""
    kwargs = {"device": device} if lib is torch else {}
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad, **kwargs)


def run(lib, scenario, device):
    """The scenario's results as NumPy arrays, or the type of the error it raised."""
    try:
        out = scenario(lib, device)
    except (RuntimeError, ValueError, IndexError, TypeError) as error:
        return type(error)
    return [None if o is None else np.asarray(o.detach().cpu().numpy()) for o in out]


def assert_same(scenario, device):
    theirs = run(torch, scenario, device)
    ours = run(nnlib, scenario, device)
    if isinstance(theirs, type):
        assert ours is theirs, f"torch raised {theirs.__name__}, nnlib gave {ours}"
        return
    assert not isinstance(ours, type), f"nnlib raised {ours.__name__}, torch did not"
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        if b is None:
            assert a is None
        else:
            assert a is not None, "nnlib dropped a gradient that torch computes"
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# Views of a 2x3 tensor (with the torch name of the view op), as (name, function).
VIEWS = [
    ("view", lambda t: t.view(-1)),
    ("view_as", lambda t: t.view(3, 2)),
    ("reshape_view", lambda t: t.reshape(6)),
    ("flatten", lambda t: t.flatten()),
    ("slice", lambda t: t[:]),
    ("select", lambda t: t[0]),
    ("element", lambda t: t[1, 2]),
    ("column", lambda t: t[:, 1]),
    ("step_slice", lambda t: t[:, ::2]),
    ("ellipsis", lambda t: t[..., 1:]),
    ("T", lambda t: t.T),
    ("t", lambda t: t.t()),
    ("transpose", lambda t: t.transpose(0, 1)),
    ("permute", lambda t: t.permute(1, 0)),
    ("unsqueeze", lambda t: t.unsqueeze(0)),
    ("squeeze", lambda t: t.unsqueeze(1).squeeze(1)),
    ("narrow", lambda t: t.narrow(1, 1, 2)),
    ("diagonal", lambda t: t.diagonal()),
    ("chained", lambda t: t.T[1:].unsqueeze(0)[0, 1]),
    ("reshape_copy", lambda t: t.T.reshape(-1)),
    ("unbind", lambda t: t.unbind(0)[1]),
    ("split", lambda t: t.split(2, dim=1)[0]),
    ("chunk", lambda t: t.chunk(3, dim=1)[2]),
]
VIEW_IDS = [name for name, _ in VIEWS]


@pytest.mark.parametrize("view", [fn for _, fn in VIEWS], ids=VIEW_IDS)
def test_inplace_through_a_view_of_a_saved_tensor_raises(view, device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        x = make(lib, X, dev)
        y = (w * x).sum()  # saves x
        view(x).mul_(10)
        y.backward()
        return [w.grad]

    assert_same(scenario, device)


@pytest.mark.parametrize("view", [fn for _, fn in VIEWS], ids=VIEW_IDS)
def test_inplace_on_a_view_rewrites_the_base_history(view, device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        h = w * 1
        view(h).mul_(2)
        (h * h).sum().backward()
        return [w.grad, h.detach()]

    assert_same(scenario, device)


@pytest.mark.parametrize("view", [fn for _, fn in VIEWS], ids=VIEW_IDS)
def test_inplace_with_a_graph_operand_into_a_plain_buffer(view, device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        buf = make(lib, X, dev)
        region = view(buf)
        region.mul_(w.sum())  # buf had no history: now it depends on w
        (buf * buf).sum().backward()
        return [w.grad, buf.detach()]

    assert_same(scenario, device)


@pytest.mark.parametrize("view", [fn for _, fn in VIEWS], ids=VIEW_IDS)
def test_setitem_on_a_view(view, device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        v = make(lib, [7.0], dev, requires_grad=True)
        h = w * 1
        view(h)[...] = v[0] * 3
        (h * h).sum().backward()
        return [w.grad, v.grad, h.detach()]

    assert_same(scenario, device)


def test_the_issue_examples(device):
    def saved_then_changed(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        x = make(lib, X, dev)
        y = (w * x).sum()
        x[:].mul_(10)
        y.backward()
        return [w.grad]

    def buffer_row(lib, dev):
        w = make(lib, W[0], dev, requires_grad=True)
        buf = make(lib, np.ones((2, 3)), dev)
        buf[0].mul_(w)
        buf.sum().backward()
        return [w.grad]

    def scaled_view(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        h = w * 1
        h.view(-1).mul_(2)
        (h * h).sum().backward()
        return [w.grad]

    assert run(nnlib, saved_then_changed, device) is RuntimeError
    assert run(nnlib, buffer_row, device)[0] is not None
    for scenario in (saved_then_changed, buffer_row, scaled_view):
        assert_same(scenario, device)


def test_a_view_taken_before_the_base_changed_follows_the_new_history(device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        h = w * 1
        row = h[0]
        col = h.T[1]
        h.mul_(3)  # row and col see the new values and must see the new history too
        (row * row).sum().add((col * 2).sum()).backward()
        return [w.grad, row.detach()]

    assert_same(scenario, device)


def test_two_views_changed_one_after_the_other(device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        h = w * 2
        a = h[0]
        b = h[:, 2]
        a.add_(w[1])
        b.mul_(a[2])
        (h.exp() * 0.1).sum().backward()
        return [w.grad, h.detach()]

    assert_same(scenario, device)


def test_inplace_ops_that_save_their_own_input(device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        u = make(lib, X, dev, requires_grad=True)
        h = w * 1
        h.mul_(u)  # the gradient w.r.t. u needs the OLD h
        h[1].div_(u[0])
        h.T[0].pow_(2)
        h.sigmoid_()
        h.sum().backward()
        return [w.grad, u.grad, h.detach()]

    assert_same(scenario, device)


def test_inplace_on_a_leaf_or_a_view_of_a_leaf_raises(device):
    for change in (
        lambda w: w.mul_(2),
        lambda w: w.view(-1).mul_(2),
        lambda w: w[0].zero_(),
        lambda w: w.T.add_(1),
        lambda w: w.__setitem__(0, 1.0),
    ):

        def scenario(lib, dev, change=change):
            w = make(lib, W, dev, requires_grad=True)
            change(w)
            return [w]

        assert run(nnlib, scenario, device) is RuntimeError
        assert_same(scenario, device)


def test_changes_under_no_grad_reach_the_leaf(device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        with lib.no_grad():
            w[0].mul_(2)
            w.view(-1)[4] = -1.0
            w.T[2].add_(1)
        (w * w).sum().backward()
        return [w.detach(), w.grad]

    assert_same(scenario, device)


def test_a_view_made_under_no_grad_cannot_change_in_grad_mode(device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        h = w * 1
        with lib.no_grad():
            v = h[0]
        v.mul_(2)
        return [h]

    assert run(nnlib, scenario, device) is RuntimeError
    assert_same(scenario, device)


def test_detach_shares_the_version_counter(device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        y = w.exp()  # saves its output
        y.detach().zero_()
        y.sum().backward()
        return [w.grad]

    def data_is_not_tracked(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        x = make(lib, X, dev)
        y = (w * x).sum()
        x.data.mul_(10)  # like torch: .data changes are invisible to autograd
        y.backward()
        return [w.grad]

    assert run(nnlib, scenario, device) is RuntimeError
    assert_same(scenario, device)
    assert_same(data_is_not_tracked, device)


def test_an_expanded_tensor_cannot_change_in_place(device):
    def scenario(lib, dev):
        x = make(lib, [1.0, 2.0], dev)
        x.expand(3, 2).add_(1)
        return [x]

    assert run(nnlib, scenario, device) is RuntimeError
    assert_same(scenario, device)


def test_view_of_a_non_contiguous_tensor_raises_reshape_copies(device):
    def view_of_transpose(lib, dev):
        return [make(lib, X, dev).T.view(-1)]

    def reshape_of_transpose(lib, dev):
        x = make(lib, X, dev)
        flat = x.T.reshape(-1)
        flat.mul_(0)  # a copy: x unchanged
        return [flat, x, x.T.contiguous().view(-1)]

    def compatible_view(lib, dev):
        x = make(lib, np.arange(24.0).reshape(2, 3, 4), dev)
        v = x.transpose(0, 1).view(3, 2, 2, 2)  # splits a dimension: allowed on strides
        v.zero_()
        return [x]

    assert run(nnlib, view_of_transpose, device) is RuntimeError
    for scenario in (view_of_transpose, reshape_of_transpose, compatible_view):
        assert_same(scenario, device)
    x = nnlib.tensor(X)
    assert x.is_contiguous() and not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    with pytest.raises(RuntimeError, match="Use .reshape"):
        x.T.view(6)


def test_numpy_of_a_tensor_that_requires_grad_raises(device, cpu_default):
    w = nnlib.tensor(W, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\).numpy\(\)"):
        w.numpy()
    with pytest.raises(RuntimeError):
        torch.tensor(W, device=device, requires_grad=True).cpu().numpy()
    assert np.shares_memory(w.detach().numpy(), w.detach().numpy())


def test_indexing_returns_views_that_share_memory(device):
    def scenario(lib, dev):
        x = make(lib, X, dev)
        x[0][1].fill_(9.0)
        x[1, 2].add_(5.0)
        for row in x:  # iterating gives views too
            row.mul_(2)
        x[[0, 1]].zero_()  # advanced indexing copies: no effect
        x[x > 100].zero_()
        return [x]

    assert_same(scenario, device)


def test_version_counter_is_shared_and_bumped_like_torch():
    x = nnlib.zeros(2, 3)
    views = [x[0], x.T, x.view(-1), x.detach(), x.unsqueeze(0), x[:, 1:]]
    tx = torch.zeros(2, 3)
    t_views = [tx[0], tx.T, tx.view(-1), tx.detach(), tx.unsqueeze(0), tx[:, 1:]]
    for step, (v, tv) in enumerate(zip(views, t_views, strict=True)):
        v.add_(1)
        tv.add_(1)
        assert x._version == tx._version == step + 1
        assert all(other._version == x._version for other in views)
    assert x.data._version == tx.data._version == 0  # .data has its own counter


def test_optimizer_step_is_an_inplace_change(device):
    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        opt = (SGD if lib is nnlib else torch.optim.SGD)([w], lr=0.1)
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
        opt.step()
        loss.backward()  # w changed since (w * w) saved it
        return [w.grad]

    assert run(nnlib, scenario, device) is RuntimeError
    assert_same(scenario, device)


def test_inplace_dtype_rules(device):
    def float_into_int(lib, dev):
        x = lib.tensor([1, 2, 3], device=dev) if lib is torch else lib.tensor([1, 2, 3])
        x.mul_(1.5)
        return [x]

    def int_into_float(lib, dev):
        x = make(lib, [1.0, 2.0], dev)
        other = lib.tensor([3, 4], device=dev) if lib is torch else lib.tensor([3, 4])
        x.add_(other)
        x.div_(2)
        return [x]

    assert run(nnlib, float_into_int, device) is RuntimeError
    assert_same(float_into_int, device)
    assert_same(int_into_float, device)


def test_grad_fn_names_are_torchs():
    w = nnlib.tensor(W, requires_grad=True)
    tw = torch.tensor(W, requires_grad=True)
    for fn in (
        lambda t: t * t,
        lambda t: t * 2,
        lambda t: t + t,
        lambda t: t.sum(),
        lambda t: t.exp(),
        lambda t: t.mean(),
        lambda t: t / 3,
        lambda t: t.unsqueeze(0),
        lambda t: t.squeeze(),
        lambda t: t.permute(1, 0),
    ):
        assert fn(w).grad_fn.name() == fn(tw).grad_fn.name()


# ---------------------------------------------------------------------- property test
# View ops that apply to any tensor with at least one dimension of size >= 2.
CHAIN_STEPS = {
    "T": lambda t: t.T,
    "first": lambda t: t[0],
    "tail": lambda t: t[1:],
    "stride": lambda t: t[::2],
    "flat": lambda t: t.view(-1) if t.is_contiguous() else t.reshape(-1),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "squeeze": lambda t: t.squeeze(),
    "swap": lambda t: t.transpose(0, -1),
    "detach": lambda t: t.detach(),
}
CHANGES = {
    "mul_": lambda v, w: v.mul_(w.sum()),
    "add_": lambda v, w: v.add_(w.mean()),
    "zero_": lambda v, w: v.zero_(),
    "setitem": lambda v, w: v.__setitem__(Ellipsis, w.sum() * 0.5),
    "copy_": lambda v, w: v.copy_(w.sum().expand(v.shape)),
    "clamp_": lambda v, w: v.clamp_(-0.5, 0.5),
}


def _usable(t) -> bool:
    return t.ndim >= 1 and t.shape[0] >= 2


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    steps=st.lists(st.sampled_from(sorted(CHAIN_STEPS)), min_size=1, max_size=3),
    change=st.sampled_from(sorted(CHANGES)),
    base_in_graph=st.booleans(),
    save_first=st.booleans(),
)
def test_random_view_chains_match_torch(steps, change, base_in_graph, save_first):
    """Any chain of views, then one in-place change: nnlib agrees with torch (or both raise)."""

    def scenario(lib, dev):
        w = make(lib, W, dev, requires_grad=True)
        base = w * 1.5 if base_in_graph else make(lib, X, dev)
        saved = (base * base).sum() if save_first else None
        view = base
        for name in steps:
            if not _usable(view):
                break
            view = CHAIN_STEPS[name](view)
        CHANGES[change](view, w)
        loss = (base * make(lib, X, dev)).sum()
        if saved is not None:
            loss = loss + saved
        if loss.requires_grad:
            loss.backward()
        return [w.grad, base.detach()]

    assert_same(scenario, "cpu")
