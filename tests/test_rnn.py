"""RNN, LSTM, GRU, their cells and pad_sequence against torch, the cells and finite differences."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib.autograd import Function
from nnlib.gradcheck import gradcheck
from nnlib.interop import copy_parameters
from nnlib.nn.linear import Linear
from nnlib.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell, _LSTMLayer, _step_matmul
from nnlib.nn.sparse import Embedding
from nnlib.nn.utils.clip_grad import clip_grad_norm_
from nnlib.nn.utils.rnn import pad_sequence
from nnlib.ops import stack
from nnlib.optim.adam import Adam
from nnlib.random import manual_seed
from nnlib.tensor import Tensor, tensor

tnn = torch.nn
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-4, atol=1e-5)}
LAYERS = {
    "rnn_tanh": (RNN, tnn.RNN, {}),
    "rnn_relu": (RNN, tnn.RNN, {"nonlinearity": "relu"}),
    "lstm": (LSTM, tnn.LSTM, {}),
    "gru": (GRU, tnn.GRU, {}),
}
CELLS = {
    "rnn_tanh": (RNNCell, tnn.RNNCell, {}),
    "rnn_relu": (RNNCell, tnn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (LSTMCell, tnn.LSTMCell, {}),
    "gru": (GRUCell, tnn.GRUCell, {}),
}


def _numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def _flat(result) -> list:
    """``(output, h_n)`` or ``(output, (h_n, c_n))`` as a flat list of tensors."""
    output, state = result
    return [output, *state] if isinstance(state, tuple) else [output, state]


def layer_parity(
    kind: str,
    device: str,
    dtype: str,
    *,
    T: int = 4,
    N: int = 3,
    input_size: int = 3,
    hidden_size: int = 4,
    batched: bool = True,
    with_state: bool = True,
    seed: int = 0,
    train: bool = False,
    **options,
) -> tuple:
    """Build twin layers with torch's weights; compare outputs, states and every gradient."""
    ours_cls, theirs_cls, extra = LAYERS[kind]
    kwargs = {**extra, **options}
    torch.manual_seed(seed)
    theirs = theirs_cls(input_size, hidden_size, **kwargs).to(
        device=device, dtype=getattr(torch, dtype)
    )
    ours = ours_cls(input_size, hidden_size, **kwargs).to(dtype)
    copy_parameters(theirs, ours)
    ours.train(train)
    theirs.train(train)
    rng = np.random.default_rng(seed)
    batch_first = kwargs.get("batch_first", False)
    if not batched:
        shape = (T, input_size)
    else:
        shape = (N, T, input_size) if batch_first else (T, N, input_size)
    x = rng.standard_normal(shape).astype(dtype)
    layers = ours.num_layers * (2 if ours.bidirectional else 1)
    state_shape = (layers, N, hidden_size) if batched else (layers, hidden_size)
    n_states = 2 if kind == "lstm" else 1
    states = [rng.standard_normal(state_shape).astype(dtype) for _ in range(n_states)]
    xo = tensor(x, requires_grad=True)
    xt = torch.tensor(x, device=device, requires_grad=True)
    so = [tensor(s, requires_grad=True) for s in states]
    st_ = [torch.tensor(s, device=device, requires_grad=True) for s in states]
    if with_state:
        hx_o = tuple(so) if kind == "lstm" else so[0]
        hx_t = tuple(st_) if kind == "lstm" else st_[0]
        out_o, out_t = _flat(ours(xo, hx_o)), _flat(theirs(xt, hx_t))
    else:
        out_o, out_t = _flat(ours(xo)), _flat(theirs(xt))
    tol = TOL[dtype]
    total_o, total_t = 0, 0
    for k, (a, b) in enumerate(zip(out_o, out_t, strict=True)):
        assert a.shape == tuple(b.shape), f"output {k}: {a.shape} vs torch {tuple(b.shape)}"
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(
            a.detach().cpu().numpy(), _numpy(b), err_msg=f"output {k}", **tol
        )
        cot = rng.standard_normal(a.shape).astype(dtype)
        total_o = total_o + (a * tensor(cot)).sum()
        total_t = total_t + (b * torch.tensor(cot, device=device)).sum()
    total_o.backward()
    total_t.backward()
    np.testing.assert_allclose(
        xo.grad.detach().cpu().numpy(), _numpy(xt.grad), err_msg="input grad", **tol
    )
    if with_state:
        for k, (a, b) in enumerate(zip(so, st_, strict=True)):
            np.testing.assert_allclose(
                a.grad.detach().cpu().numpy(), _numpy(b.grad), err_msg=f"state {k}", **tol
            )
    theirs_params = dict(theirs.named_parameters())
    names = [name for name, _ in ours.named_parameters()]
    assert names == list(theirs_params)
    for name, param in ours.named_parameters():
        assert param.grad is not None, name
        assert param.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(
            param.grad.detach().cpu().numpy(), _numpy(theirs_params[name].grad), err_msg=name, **tol
        )
    return ours, theirs


# --------------------------------------------------------------------------- the layer grid
GRID = list(
    itertools.product(
        [1, 2],  # num_layers
        [True, False],  # bias
        [False, True],  # batch_first
        [False, True],  # bidirectional
        [True, False],  # initial state given
        [True, False],  # batched input
    )
)


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize(
    "num_layers, bias, batch_first, bidirectional, with_state, batched",
    GRID,
    ids=["L{}-b{:d}-bf{:d}-bi{:d}-h{:d}-B{:d}".format(*case) for case in GRID],
)
def test_layer_matches_torch_float64(
    device, kind, num_layers, bias, batch_first, bidirectional, with_state, batched
):
    layer_parity(
        kind,
        device,
        "float64",
        num_layers=num_layers,
        bias=bias,
        batch_first=batch_first,
        bidirectional=bidirectional,
        with_state=with_state,
        batched=batched,
    )


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True}])
def test_layer_matches_torch_float32(device, kind, options):
    layer_parity(kind, device, "float32", T=7, N=5, input_size=6, hidden_size=8, **options)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_wide_layers_whose_step_products_run_in_column_blocks_match_torch(device, kind):
    # N * H * gates * H above 2**18: the per-step products are split into column blocks
    layer_parity(kind, device, "float64", T=3, N=64, input_size=5, hidden_size=64)


def test_step_matmul_equals_one_product():
    rng = np.random.default_rng(11)
    for rows, inner, cols in [(64, 64, 256), (32, 512, 128), (3, 4, 5), (64, 100, 301)]:
        a, b = rng.standard_normal((rows, inner)), rng.standard_normal((inner, cols))
        out = np.empty((rows, cols))
        _step_matmul(np, a, b, out)
        np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_dropout_in_eval_mode_and_p0_in_train_mode_match_torch(device, kind):
    layer_parity(kind, device, "float64", num_layers=3, dropout=0.7, train=False)
    layer_parity(kind, device, "float64", num_layers=3, dropout=0.0, train=True)


def test_dropout_between_layers_in_training():
    manual_seed(0)
    lstm = LSTM(3, 5, num_layers=2, dropout=1.0).double()
    x = tensor(np.random.default_rng(0).standard_normal((6, 2, 3)))
    out_train, _ = lstm(x)
    # p = 1 drops everything between the layers: layer 1 then sees zeros, whatever x is.
    zeros_in = LSTM(5, 5).double()
    with nnlib.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(zeros_in, f"{name}_l0").copy_(getattr(lstm, f"{name}_l1"))
    expected, _ = zeros_in(tensor(np.zeros((6, 2, 5))))
    np.testing.assert_allclose(
        out_train.detach().cpu().numpy(), expected.detach().cpu().numpy(), rtol=1e-12
    )
    lstm.eval()
    out_eval, _ = lstm(x)
    assert not np.allclose(out_eval.detach().cpu().numpy(), out_train.detach().cpu().numpy())

    manual_seed(1)
    gru = GRU(4, 50, num_layers=2, dropout=0.5).double()
    x = tensor(np.random.default_rng(1).standard_normal((3, 8, 4)))
    manual_seed(2)
    first, _ = gru(x)
    manual_seed(2)
    again, _ = gru(x)
    np.testing.assert_array_equal(
        first.detach().cpu().numpy(), again.detach().cpu().numpy()
    )  # seeded: reproducible
    third, _ = gru(x)
    assert not np.allclose(
        first.detach().cpu().numpy(), third.detach().cpu().numpy()
    )  # a new mask each call
    gru.eval()
    eval1, _ = gru(x)
    eval2, _ = gru(x)
    np.testing.assert_array_equal(eval1.detach().cpu().numpy(), eval2.detach().cpu().numpy())


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        LSTM(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LSTM(3, 4, num_layers=2, dropout=0.5)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        GRU(3, 4, dropout=1.5)


# ------------------------------------------------------------------------------- the cells
@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_matches_torch(device, kind, dtype, bias, batched, with_state):
    ours_cls, theirs_cls, extra = CELLS[kind]
    torch.manual_seed(0)
    theirs = theirs_cls(3, 5, bias=bias, **extra).to(device=device, dtype=getattr(torch, dtype))
    ours = ours_cls(3, 5, bias=bias, **extra).to(dtype)
    copy_parameters(theirs, ours)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3) if batched else (3,)).astype(dtype)
    h_shape = (4, 5) if batched else (5,)
    states = [rng.standard_normal(h_shape).astype(dtype) for _ in range(2 if kind == "lstm" else 1)]
    xo, xt = tensor(x, requires_grad=True), torch.tensor(x, device=device, requires_grad=True)
    so = [tensor(s, requires_grad=True) for s in states]
    st_ = [torch.tensor(s, device=device, requires_grad=True) for s in states]
    if with_state:
        args_o = (xo, tuple(so) if kind == "lstm" else so[0])
        args_t = (xt, tuple(st_) if kind == "lstm" else st_[0])
    else:
        args_o, args_t = (xo,), (xt,)
    out_o, out_t = ours(*args_o), theirs(*args_t)
    if kind != "lstm":
        out_o, out_t = (out_o,), (out_t,)
    tol = TOL[dtype]
    total_o, total_t = 0, 0
    for a, b in zip(out_o, out_t, strict=True):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.detach().cpu().numpy(), _numpy(b), **tol)
        cot = rng.standard_normal(a.shape).astype(dtype)
        total_o = total_o + (a * tensor(cot)).sum()
        total_t = total_t + (b * torch.tensor(cot, device=device)).sum()
    total_o.backward()
    total_t.backward()
    np.testing.assert_allclose(xo.grad.detach().cpu().numpy(), _numpy(xt.grad), **tol)
    if with_state:
        for a, b in zip(so, st_, strict=True):
            np.testing.assert_allclose(a.grad.detach().cpu().numpy(), _numpy(b.grad), **tol)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(
            param.grad.detach().cpu().numpy(), _numpy(theirs_params[name].grad), err_msg=name, **tol
        )


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_gradcheck(kind):
    ours_cls, _, extra = CELLS[kind]
    manual_seed(3)
    cell = ours_cls(3, 4, **extra).double()
    rng = np.random.default_rng(3)
    x = tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = tensor(rng.standard_normal((2, 4)), requires_grad=True)
    c = tensor(rng.standard_normal((2, 4)), requires_grad=True)
    params = tuple(
        tensor(p.detach().cpu().numpy().copy(), requires_grad=True) for p in cell.parameters()
    )
    if kind == "lstm":
        assert gradcheck(
            lambda x, h, c, *ps: _cell_with(cell, kind, x, h, c, *ps), (x, h, c, *params)
        )
    else:
        assert gradcheck(lambda x, h, *ps: _cell_with(cell, kind, x, h, None, *ps), (x, h, *params))


def _cell_with(cell, kind, x, h, c, *params):
    """Run ``cell`` with its parameters replaced by the tensors ``params`` (for gradcheck)."""
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    saved = [getattr(cell, n) for n in names]
    try:
        for name, value in zip(names, params, strict=True):
            object.__setattr__(cell, name, value)
        return cell(x, (h, c)) if kind == "lstm" else cell(x, h)
    finally:
        for name, value in zip(names, saved, strict=True):
            object.__setattr__(cell, name, value)


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_layer_gradcheck(kind, reverse):
    manual_seed(4)
    ours_cls, _, extra = LAYERS[kind]
    layer = ours_cls(2, 3, bidirectional=reverse, **extra).double()
    rng = np.random.default_rng(4)
    x = tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    shape = (2 if reverse else 1, 2, 3)
    h = tensor(rng.standard_normal(shape), requires_grad=True)
    c = tensor(rng.standard_normal(shape), requires_grad=True)
    params = [
        tensor(p.detach().cpu().numpy().copy(), requires_grad=True) for p in layer.parameters()
    ]
    names = [name for name, _ in layer.named_parameters()]

    def run(x, h, c, *values):
        saved = {n: getattr(layer, n) for n in names}
        try:
            for name, value in zip(names, values, strict=True):
                object.__setattr__(layer, name, value)
            out, state = layer(x, (h, c)) if kind == "lstm" else layer(x, h)
        finally:
            for name, value in saved.items():
                object.__setattr__(layer, name, value)
        return (out, *state) if isinstance(state, tuple) else (out, state)

    if kind == "lstm":
        assert gradcheck(run, (x, h, c, *params))
    else:
        assert gradcheck(lambda x, h, *values: run(x, h, None, *values), (x, h, *params))


@pytest.mark.parametrize("kind", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_layer_equals_the_composed_cell(kind, reverse):
    """The fused BPTT of one direction equals the autograd cell looped over time."""
    manual_seed(5)
    layer_cls, _, extra = LAYERS[kind]
    cell_cls, _, _ = CELLS[kind]
    layer = layer_cls(3, 4, bidirectional=reverse, **extra).double()
    cell = cell_cls(3, 4, **extra).double()
    suffix = "_l0_reverse" if reverse else "_l0"
    with nnlib.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(layer, name + suffix))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 2, 3))
    states = [rng.standard_normal((2, 2, 4)) for _ in range(2)]
    d = 1 if reverse else 0
    # the layer
    xl = tensor(x, requires_grad=True)
    sl = [tensor(s[d : d + 1] if not reverse else s, requires_grad=True) for s in states]
    out, state = layer(xl, tuple(sl) if kind == "lstm" else sl[0])
    h_n = state[0] if kind == "lstm" else state
    out_dir = out[:, :, 4:] if reverse else out
    # the cell, looped over time in the same direction
    xc = tensor(x, requires_grad=True)
    sc = [tensor(s[d], requires_grad=True) for s in states]
    h = sc[0]
    c = sc[1]
    outputs = [None] * 6
    for t in range(5, -1, -1) if reverse else range(6):
        if kind == "lstm":
            h, c = cell(xc[t], (h, c))
        else:
            h = cell(xc[t], h)
        outputs[t] = h
    out_cell = stack(outputs)
    np.testing.assert_allclose(
        out_dir.detach().cpu().numpy(), out_cell.detach().cpu().numpy(), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        h_n[d].detach().cpu().numpy(), h.detach().cpu().numpy(), rtol=1e-12, atol=1e-14
    )
    cot = rng.standard_normal(out_cell.shape)
    (out_dir * tensor(cot)).sum().backward()
    (out_cell * tensor(cot)).sum().backward()
    np.testing.assert_allclose(
        xl.grad.detach().cpu().numpy(), xc.grad.detach().cpu().numpy(), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(
        sl[0].grad.detach().cpu().numpy()[d],
        sc[0].grad.detach().cpu().numpy(),
        rtol=1e-10,
        atol=1e-12,
    )
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_allclose(
            getattr(layer, name + suffix).grad.detach().cpu().numpy(),
            getattr(cell, name).grad.detach().cpu().numpy(),
            rtol=1e-10,
            atol=1e-12,
            err_msg=name,
        )


@settings(derandomize=True, deadline=None, max_examples=12)
@given(
    kind=st.sampled_from(list(LAYERS)),
    T=st.integers(1, 6),
    N=st.integers(1, 4),
    input_size=st.integers(1, 5),
    hidden_size=st.integers(1, 5),
    num_layers=st.integers(1, 2),
    bidirectional=st.booleans(),
)
def test_random_shapes_match_torch(kind, T, N, input_size, hidden_size, num_layers, bidirectional):
    layer_parity(
        kind,
        "cpu",
        "float64",
        T=T,
        N=N,
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        bidirectional=bidirectional,
    )


# ------------------------------------------------------------------------ long sequences
def test_long_sequence_three_layers_runs_forward_and_backward():
    manual_seed(6)
    lstm = LSTM(4, 8, num_layers=3)
    gru = GRU(4, 8, num_layers=3, bidirectional=True)
    x = tensor(
        np.random.default_rng(6).standard_normal((500, 2, 4)).astype(np.float32), requires_grad=True
    )
    for layer in (lstm, gru):
        out, _ = layer(x)
        assert out.shape[0] == 500
        # one graph node per layer and direction, whatever the length: count them
        nodes, stack_, seen = 0, [out.grad_fn], set()
        while stack_:
            node = stack_.pop()
            if node is None or not hasattr(node, "next") or id(node) in seen:
                continue
            seen.add(id(node))
            nodes += 1
            stack_.extend(n for n in node.next if n is not None and not isinstance(n, Tensor))
        assert nodes < 30
        out.sum().backward()
        assert np.isfinite(x.grad.detach().cpu().numpy()).all()
        assert all(np.isfinite(p.grad.detach().cpu().numpy()).all() for p in layer.parameters())
        x.grad = None


def test_memory_is_linear_in_the_sequence_length():
    """What the fused LSTM saves for backward grows in proportion to T."""

    def saved_bytes(T):
        lstm = LSTM(4, 8)
        x = tensor(np.zeros((T, 2, 4), np.float32), requires_grad=True)
        out, _ = lstm(x)
        node = out.grad_fn
        while node.function is not _LSTMLayer:
            node = next(n for n in node.next if n is not None)
        return sum(a.nbytes for a in node.saved_tensors if hasattr(a, "nbytes"))

    small, large = saved_bytes(100), saved_bytes(400)
    assert 3.5 < large / small < 4.5


# ------------------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("kind", list(LAYERS))
def test_torch_state_dict_loads_both_ways(kind):
    ours_cls, theirs_cls, extra = LAYERS[kind]
    torch.manual_seed(7)
    theirs = theirs_cls(3, 4, num_layers=2, bidirectional=True, **extra).double()
    ours = ours_cls(3, 4, num_layers=2, bidirectional=True, **extra).double()
    result = ours.load_state_dict(theirs.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    x = np.random.default_rng(7).standard_normal((5, 2, 3))
    np.testing.assert_allclose(
        ours(tensor(x))[0].detach().cpu().numpy(),
        theirs(torch.tensor(x))[0].detach().cpu().numpy(),
        rtol=1e-10,
    )
    # and back: nnlib's weights into a fresh torch layer
    manual_seed(8)
    ours2 = ours_cls(3, 4, num_layers=2, bidirectional=True, **extra).double()
    theirs2 = theirs_cls(3, 4, num_layers=2, bidirectional=True, **extra).double()
    theirs2.load_state_dict(
        {
            k: torch.from_numpy(v.detach().cpu().numpy().copy())
            for k, v in ours2.state_dict().items()
        }
    )
    np.testing.assert_allclose(
        ours2(tensor(x))[0].detach().cpu().numpy(),
        theirs2(torch.tensor(x))[0].detach().cpu().numpy(),
        rtol=1e-10,
    )
    copy_parameters(ours2, theirs)  # interop works too
    np.testing.assert_allclose(
        ours2(tensor(x))[0].detach().cpu().numpy(),
        theirs(torch.tensor(x))[0].detach().cpu().numpy(),
        rtol=1e-10,
    )


def test_parameters_shapes_init_and_repr_match_torch():
    for kwargs in [
        {},
        {"num_layers": 2, "bidirectional": True, "bias": False, "batch_first": True},
    ]:
        for ours_cls, theirs_cls, extra in LAYERS.values():
            ours, theirs = ours_cls(5, 6, **extra, **kwargs), theirs_cls(5, 6, **extra, **kwargs)
            assert repr(ours) == repr(theirs)
            shapes = {n: tuple(p.shape) for n, p in theirs.named_parameters()}
            assert {n: p.shape for n, p in ours.named_parameters()} == shapes
            bound = 1 / math.sqrt(6)
            for p in ours.parameters():
                assert p.dtype == np.float32 and np.abs(p.detach().cpu().numpy()).max() <= bound
            assert len(ours.all_weights) == len(theirs.all_weights)
    assert repr(LSTM(3, 4, num_layers=2, dropout=0.5)) == repr(
        tnn.LSTM(3, 4, num_layers=2, dropout=0.5)
    )
    for ours_cls, theirs_cls, extra in CELLS.values():
        assert repr(ours_cls(3, 4, bias=False, **extra)) == repr(
            theirs_cls(3, 4, bias=False, **extra)
        )
    big = LSTM(10, 200)
    values = big.weight_hh_l0.detach().cpu().numpy()
    assert values.min() < -0.06 and values.max() > 0.06  # U(-1/sqrt(200), 1/sqrt(200)) ~ 0.0707


# --------------------------------------------------------------------------------- errors
def test_bad_input_errors_name_the_problem():
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True)
    with pytest.raises(RuntimeError, match="Expected 3, got 7"):
        lstm(tensor(np.zeros((5, 2, 7), np.float32)))
    with pytest.raises(ValueError, match="2D or 3D, got 4D"):
        lstm(tensor(np.zeros((5, 2, 3, 1), np.float32)))
    h = tensor(np.zeros((3, 2, 4), np.float32))
    with pytest.raises(
        RuntimeError,
        match=r"\(4, 2, 4\) = \(num_layers \* num_directions, N, hidden_size\), got \(3, 2, 4\)",
    ):
        lstm(tensor(np.zeros((5, 2, 3), np.float32)), (h, h))
    gru = GRU(3, 4)
    with pytest.raises(RuntimeError, match=r"\(1, 2, 4\)"):
        gru(tensor(np.zeros((5, 2, 3), np.float32)), tensor(np.zeros((1, 3, 4), np.float32)))
    with pytest.raises(RuntimeError, match="unbatched 2-D input"):
        gru(tensor(np.zeros((5, 3), np.float32)), tensor(np.zeros((1, 1, 4), np.float32)))
    with pytest.raises(TypeError, match="dtype"):
        gru(tensor(np.zeros((5, 2, 3))))
    with pytest.raises(TypeError, match="tuple"):
        lstm(tensor(np.zeros((5, 2, 3), np.float32)), h)
    with pytest.raises(RuntimeError, match="got 5 expected 3"):
        LSTMCell(3, 4)(tensor(np.zeros((2, 5), np.float32)))
    with pytest.raises(ValueError, match="1D or 2D, got 3D"):
        GRUCell(3, 4)(tensor(np.zeros((2, 2, 3), np.float32)))
    with pytest.raises(RuntimeError, match=r"expected \(2, 4\)"):
        RNNCell(3, 4)(tensor(np.zeros((2, 3), np.float32)), tensor(np.zeros((3, 4), np.float32)))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        LSTM(3, 0)
    with pytest.raises(NotImplementedError, match="proj_size"):
        LSTM(3, 4, proj_size=2)
    with pytest.raises(RuntimeError, match="sequence length 0"):
        gru(tensor(np.zeros((0, 2, 3), np.float32)))
    empty_batch, _ = gru(tensor(np.zeros((5, 0, 3), np.float32)))
    assert empty_batch.shape == (5, 0, 4)


# ------------------------------------------------------------------------- pad_sequence
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(device, batch_first, padding_side):
    rng = np.random.default_rng(9)
    seqs = [rng.standard_normal((n, 2, 3)) for n in (3, 1, 4)]
    ours = [tensor(s, requires_grad=True) for s in seqs]
    theirs = [torch.tensor(s, device=device, requires_grad=True) for s in seqs]
    a = pad_sequence(ours, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
    b = tnn.utils.rnn.pad_sequence(
        theirs, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side
    )
    np.testing.assert_array_equal(a.detach().cpu().numpy(), _numpy(b))
    cot = rng.standard_normal(a.shape)
    (a * tensor(cot)).sum().backward()
    (b * torch.tensor(cot, device=device)).sum().backward()
    for x, y in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(x.grad.detach().cpu().numpy(), _numpy(y.grad))
    assert nnlib.nn.utils.rnn.pad_sequence is pad_sequence
    with pytest.raises(RuntimeError, match="trailing shape"):
        pad_sequence([tensor(np.zeros((2, 3))), tensor(np.zeros((2, 4)))])
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence(ours, padding_side="middle")


# ------------------------------------------------------------------------ character model
class _CharModel(nnlib.nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embed = Embedding(vocab, emb)
        self.lstm = LSTM(emb, hidden, num_layers=2, batch_first=True)
        self.head = Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.lstm(self.embed(x))
        return self.head(out)


class _TorchCharModel(tnn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embed = tnn.Embedding(vocab, emb)
        self.lstm = tnn.LSTM(emb, hidden, num_layers=2, batch_first=True)
        self.head = tnn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.lstm(self.embed(x))
        return self.head(out)


def test_character_model_trains_like_torch(device):
    text = "hello world, hello recurrent networks; the cells remember. " * 3
    chars = sorted(set(text))
    ids = np.array([chars.index(ch) for ch in text])
    rng = np.random.default_rng(10)
    starts = rng.integers(0, len(ids) - 17, size=(6, 4))
    torch.manual_seed(10)
    theirs = _TorchCharModel(len(chars), 8, 16).double().to(device)
    ours = _CharModel(len(chars), 8, 16).double()
    copy_parameters(theirs, ours)
    opt_o = Adam(ours.parameters(), lr=0.01)
    opt_t = torch.optim.Adam(theirs.parameters(), lr=0.01)
    losses_o, losses_t = [], []
    for step in range(6):
        batch = np.stack([ids[s : s + 17] for s in starts[step]])
        x, y = batch[:, :-1], batch[:, 1:]
        logits_o = ours(tensor(x))
        loss_o = nnlib.nn.functional.cross_entropy(
            logits_o.reshape(-1, len(chars)), tensor(y.reshape(-1))
        )
        opt_o.zero_grad()
        loss_o.backward()
        clip_grad_norm_(ours.parameters(), 0.5)
        opt_o.step()
        logits_t = theirs(torch.tensor(x, device=device))
        loss_t = tnn.functional.cross_entropy(
            logits_t.reshape(-1, len(chars)), torch.tensor(y.reshape(-1), device=device)
        )
        opt_t.zero_grad()
        loss_t.backward()
        tnn.utils.clip_grad_norm_(theirs.parameters(), 0.5)
        opt_t.step()
        losses_o.append(loss_o.item())
        losses_t.append(loss_t.item())
    np.testing.assert_allclose(losses_o, losses_t, rtol=1e-9)
    assert losses_o[-1] < losses_o[0]
    for name, param in theirs.named_parameters():
        np.testing.assert_allclose(
            dict(ours.named_parameters())[name].detach().cpu().numpy(),
            _numpy(param),
            rtol=1e-8,
            atol=1e-10,
        )


def test_function_is_used_once_per_layer_and_direction():
    lstm = LSTM(2, 3, num_layers=2, bidirectional=True)
    out, _ = lstm(tensor(np.zeros((4, 1, 2), np.float32), requires_grad=True))
    found, stack_, seen = 0, [out.grad_fn], set()
    while stack_:
        node = stack_.pop()
        if node is None or isinstance(node, Tensor) or id(node) in seen:
            continue
        seen.add(id(node))
        found += node.function is _LSTMLayer
        stack_.extend(node.next)
    assert found == 4
    assert issubclass(_LSTMLayer, Function)


def test_changing_saved_inputs_in_place_before_backward_raises():
    lstm = GRU(2, 3)
    base = tensor(np.ones((4, 1, 2), np.float32), requires_grad=True)
    x = base * 1.0
    out, _ = lstm(x)
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="inplace"):
        out.sum().backward()
    out, _ = lstm(base * 1.0)
    with nnlib.no_grad():
        lstm.weight_hh_l0.mul_(2.0)  # what an optimizer step would do
    with pytest.raises(RuntimeError, match="inplace"):
        out.sum().backward()


def test_device_argument_places_the_parameters_and_zero_states():
    """``device=`` decides where the parameters live; zero states follow the input."""
    modules = [LSTM(3, 4, num_layers=2, device="cpu"), GRU(3, 4, device="cpu")]
    modules += [RNNCell(3, 4, device="cpu"), LSTMCell(3, 4, device="cpu")]
    for module in modules:
        assert all(p.device == "cpu" for p in module.parameters())
    x = tensor(np.ones((5, 2, 3), np.float32), device="cpu")
    out, (h_n, c_n) = modules[0](x)
    assert out.device == h_n.device == c_n.device == "cpu"
    h, c = modules[3](x[0])  # zero (h, c) made on the input's device
    assert h.device == c.device == "cpu"
    assert modules[2](x[0]).device == "cpu"
    if nnlib.cuda.is_available():
        gpu = GRU(3, 4, device="cuda")
        assert all(p.device == "cuda:0" for p in gpu.parameters())
        out, h_n = gpu(x.to("cuda"))
        assert out.device == h_n.device == "cuda:0"
        with pytest.raises(RuntimeError, match="same device"):
            gpu(x)
        with pytest.raises(RuntimeError, match="same device"):
            GRUCell(3, 4, device="cuda")(x[0])
