"""Convolutions (conv1d, conv2d, conv_transpose2d and their modules) against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _torch_compare import TORCH_DTYPES, assert_close, to_numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib import optim
from nnlib.gradcheck import gradcheck
from nnlib.interop import copy_parameters
from nnlib.nn import Flatten, Linear, MaxPool2d, ReLU, Sequential
from nnlib.nn.conv import Conv1d, Conv2d, ConvTranspose2d, conv1d, conv2d, conv_transpose2d
from nnlib.nn.loss import cross_entropy
from nnlib.random import manual_seed
from nnlib.tensor import tensor

TF = torch.nn.functional


def _parity(fn_ours, fn_theirs, arrays, device, seed=0):
    """Forward and the gradient of every array (None entries skipped) agree with torch."""
    dtype = next(a for a in arrays if a is not None).dtype
    ours = [None if a is None else tensor(a, requires_grad=True) for a in arrays]
    theirs = [
        None if a is None else torch.tensor(a, device=device, requires_grad=True) for a in arrays
    ]
    out_ours, out_theirs = fn_ours(*ours), fn_theirs(*theirs)
    assert out_ours.dtype == dtype
    assert_close(out_ours, out_theirs, dtype, "forward")
    upstream = np.random.default_rng(seed).standard_normal(out_ours.shape).astype(dtype)
    out_ours.backward(tensor(upstream))
    out_theirs.backward(torch.tensor(upstream, device=device))
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if a is not None:
            assert a.grad.dtype == dtype
            assert_close(a.grad, b.grad, dtype, f"gradient of argument {i}")


# (N, C, H, W, C_out, kernel, stride, padding, dilation, groups, bias)
CONV2D_CASES = [
    (2, 3, 7, 6, 4, 3, 1, 0, 1, 1, True),
    (1, 3, 8, 8, 5, 3, 2, 1, 1, 1, False),
    (3, 4, 9, 7, 6, (3, 2), (2, 1), (1, 2), 1, 2, True),
    (2, 4, 9, 9, 4, 3, 1, 1, 2, 4, True),  # depthwise, dilated
    (2, 4, 6, 8, 8, 3, 1, 1, 1, 4, False),  # depthwise multiplier 2
    (2, 2, 7, 9, 3, (2, 4), 1, "same", 1, 1, True),  # even kernel: extra pad bottom/right
    (1, 2, 8, 7, 3, 3, 1, "same", (2, 1), 1, True),
    (2, 3, 5, 6, 2, (2, 3), 1, "valid", 1, 1, True),
    (4, 2, 10, 11, 4, (3, 5), 2, (0, 2), (2, 1), 2, True),
    (1, 1, 5, 5, 1, 5, 1, 0, 1, 1, True),  # kernel as large as the input
    (2, 6, 6, 5, 6, 1, 1, 0, 1, 3, True),  # 1x1 kernel
    (3, 2, 13, 13, 4, 3, 3, 2, 1, 1, True),
    # stride 1, C_out <= C_in: the input gradient is computed as a correlation (a gather)
    (2, 6, 7, 6, 4, 3, 1, "same", 2, 2, True),
    (2, 4, 7, 9, 4, (2, 4), 1, "same", 1, 1, False),
    (2, 5, 6, 6, 3, 1, 1, 1, 1, 1, True),  # padding beyond the kernel: scatter
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CONV2D_CASES, ids=[str(i) for i in range(len(CONV2D_CASES))])
def test_conv2d_matches_torch(device, dtype, case):
    n, c, h, w, o, k, s, p, d, g, has_bias = case
    kh, kw = (k, k) if isinstance(k, int) else k
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((o, c // g, kh, kw)).astype(dtype)
    bias = rng.standard_normal(o).astype(dtype) if has_bias else None
    _parity(
        lambda x, w, b: conv2d(x, w, b, s, p, d, g),
        lambda x, w, b: TF.conv2d(x, w, b, s, p, d, g),
        [x, weight, bias],
        device,
    )


# (N, C, L, C_out, kernel, stride, padding, dilation, groups, bias)
CONV1D_CASES = [
    (2, 3, 11, 4, 3, 1, 0, 1, 1, True),
    (1, 4, 12, 6, 4, 2, 1, 2, 2, False),
    (3, 4, 9, 4, 3, 1, "same", 2, 4, True),
    (2, 2, 10, 3, 2, 1, "same", 1, 1, True),
    (2, 2, 7, 3, 3, 3, "valid", 1, 1, True),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CONV1D_CASES, ids=[str(i) for i in range(len(CONV1D_CASES))])
def test_conv1d_matches_torch(device, dtype, case):
    n, c, length, o, k, s, p, d, g, has_bias = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, c, length)).astype(dtype)
    weight = rng.standard_normal((o, c // g, k)).astype(dtype)
    bias = rng.standard_normal(o).astype(dtype) if has_bias else None
    _parity(
        lambda x, w, b: conv1d(x, w, b, s, p, d, g),
        lambda x, w, b: TF.conv1d(x, w, b, s, p, d, g),
        [x, weight, bias],
        device,
    )


# (N, C_in, H, W, C_out, kernel, stride, padding, output_padding, groups, dilation, bias)
TRANSPOSE_CASES = [
    (2, 3, 4, 5, 4, 3, 1, 0, 0, 1, 1, True),
    (1, 4, 5, 4, 6, 3, 2, 1, 1, 2, 1, True),
    (2, 4, 3, 3, 4, (2, 3), (2, 3), (0, 1), (1, 2), 4, 1, False),
    (2, 2, 4, 4, 3, 3, 1, 1, 1, 1, 2, True),  # output_padding < dilation (stride 1)
    (3, 2, 5, 6, 2, (3, 2), 2, (1, 0), 0, 1, (1, 2), True),
    (1, 6, 3, 3, 3, 4, 2, 1, 0, 3, 1, True),
    (2, 3, 5, 5, 4, 3, 1, 1, 0, 1, 1, True),  # stride 1, output as large as the input: gather
    (2, 3, 5, 5, 5, 3, 1, 2, 1, 1, 2, True),  # the same with output_padding
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=[str(i) for i in range(len(TRANSPOSE_CASES))])
def test_conv_transpose2d_matches_torch(device, dtype, case):
    n, c, h, w, o, k, s, p, op, g, d, has_bias = case
    kh, kw = (k, k) if isinstance(k, int) else k
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((c, o // g, kh, kw)).astype(dtype)
    bias = rng.standard_normal(o).astype(dtype) if has_bias else None
    _parity(
        lambda x, w, b: conv_transpose2d(x, w, b, s, p, op, g, d),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, s, p, op, g, d),
        [x, weight, bias],
        device,
    )


# (N, C, H, W, C_out, kernel, padding (top, bottom, left, right), dilation, groups)
GATHER_CASES = [
    (2, 3, 6, 7, 4, (3, 3), (1, 1, 1, 1), (1, 1), 1),
    (2, 4, 5, 6, 6, (2, 3), (0, 1, 2, 0), (2, 1), 2),
    (1, 6, 8, 5, 3, (3, 1), (2, 2, 0, 0), (1, 1), 3),
    (3, 2, 4, 4, 5, (1, 1), (0, 0, 0, 0), (1, 1), 1),
]


@pytest.mark.parametrize("case", GATHER_CASES, ids=[str(i) for i in range(len(GATHER_CASES))])
def test_input_gradient_by_correlation_is_the_scatter(case):
    """Both ways of computing a stride-1 input gradient give torch's numbers, whichever of them
    the size rule would pick."""
    from nnlib.nn.conv import (
        _conv_input_grad,
        _correlation_pads,
        _flat_grad,
        _grid_of,
        _input_grad_by_correlation,
    )

    n, c, h, w, o, kernel, pads, dilation, groups = case
    rng = np.random.default_rng(5)
    weight = rng.standard_normal((o, c // groups, *kernel))
    out_hw = _grid_of((h, w), kernel, (1, 1), pads, dilation)
    grad = rng.standard_normal((n, o, *out_hw))
    padded = (h + pads[0] + pads[1], w + pads[2] + pads[3])
    around = _correlation_pads(kernel, padded, out_hw, (1, 1), pads, dilation)
    g_flat = _flat_grad(grad)
    gather = _input_grad_by_correlation(g_flat, weight, n, out_hw, around, dilation, groups)
    chosen = _conv_input_grad(g_flat, weight, n, padded, out_hw, (1, 1), pads, dilation, groups)
    x = torch.zeros((n, c, h, w), dtype=torch.float64, requires_grad=True)
    padded_x = TF.pad(x, (pads[2], pads[3], pads[0], pads[1]))
    TF.conv2d(padded_x, torch.tensor(weight), None, 1, 0, dilation, groups).backward(
        torch.tensor(grad)
    )
    np.testing.assert_allclose(gather, x.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(chosen, x.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding, out_channels", [(1, 3), (0, 6)], ids=["gather", "scatter"])
def test_input_gradients_survive_the_next_backward(padding, out_channels):
    """The input gradient's columns live in reused scratch memory; the gradients returned must
    not: a second backward leaves the first gradient as it was."""
    rng = np.random.default_rng(6)
    w = tensor(rng.standard_normal((out_channels, 4, 3, 3)))
    size = 4 + 2 * padding  # of the output, for a 6x6 input
    grads = []
    for _ in range(2):
        x = tensor(rng.standard_normal((2, 4, 6, 6)), requires_grad=True)
        upstream = tensor(rng.standard_normal((2, out_channels, size, size)))
        conv2d(x, w, padding=padding).backward(upstream)
        grads.append((x.grad, to_numpy(x.grad).copy()))
    for grad, copy in grads:
        np.testing.assert_array_equal(to_numpy(grad), copy)


def test_only_the_needed_gradients_are_computed():
    rng = np.random.default_rng(4)
    x = tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = tensor(rng.standard_normal((4, 3, 3, 3)))
    conv2d(x, w).sum().backward()
    assert x.grad is not None and w.grad is None
    x = tensor(rng.standard_normal((2, 3, 6, 6)))
    w = tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    conv2d(x, w, padding=1).sum().backward()
    assert w.grad is not None and x.grad is None


# ------------------------------------------------------------------------------- gradchecks
def test_gradcheck_conv2d():
    rng = np.random.default_rng(5)
    x = tensor(rng.standard_normal((2, 4, 5, 6)), requires_grad=True)
    w = tensor(rng.standard_normal((4, 2, 2, 3)), requires_grad=True)
    b = tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: conv2d(x, w, b, (2, 1), (1, 0), (1, 2), 2), (x, w, b))


def test_gradcheck_conv1d():
    rng = np.random.default_rng(6)
    x = tensor(rng.standard_normal((2, 2, 7)), requires_grad=True)
    w = tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    b = tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: conv1d(x, w, b, 2, 1, 1), (x, w, b))


def test_gradcheck_conv_transpose2d():
    rng = np.random.default_rng(7)
    x = tensor(rng.standard_normal((2, 2, 3, 4)), requires_grad=True)
    w = tensor(rng.standard_normal((2, 2, 3, 2)), requires_grad=True)
    b = tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: conv_transpose2d(x, w, b, 2, 1, 1, 2, 1), (x, w, b))


# ---------------------------------------------------------------------- hypothesis properties
@st.composite
def conv_problems(draw):
    """A random valid convolution: shapes, stride, padding, dilation and groups."""
    groups = draw(st.sampled_from([1, 1, 2]))
    c = groups * draw(st.integers(1, 2))
    o = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 7))
    w = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 7))
    n = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**16))
    return (n, c, h, w), (o, c // groups, kh, kw), stride, padding, dilation, groups, seed


@settings(derandomize=True, deadline=None, max_examples=25)
@given(conv_problems())
def test_conv2d_random_shapes_match_torch(problem):
    x_shape, w_shape, stride, padding, dilation, groups, seed = problem
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    _parity(
        lambda x, w, b: conv2d(x, w, b, stride, padding, dilation, groups),
        lambda x, w, b: TF.conv2d(x, w, b, stride, padding, dilation, groups),
        [x, w, b],
        "cpu",
    )


@settings(derandomize=True, deadline=None, max_examples=20)
@given(conv_problems())
def test_conv2d_is_linear_in_input_and_weight(problem):
    x_shape, w_shape, stride, padding, dilation, groups, seed = problem
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal(x_shape), rng.standard_normal(x_shape)
    w1, w2 = rng.standard_normal(w_shape), rng.standard_normal(w_shape)
    a, b = rng.standard_normal(2)

    def conv(x, w):
        return conv2d(tensor(x), tensor(w), None, stride, padding, dilation, groups)._array

    np.testing.assert_allclose(
        conv(a * x1 + b * x2, w1), a * conv(x1, w1) + b * conv(x2, w1), rtol=1e-10, atol=1e-10
    )
    np.testing.assert_allclose(
        conv(x1, a * w1 + b * w2), a * conv(x1, w1) + b * conv(x1, w2), rtol=1e-10, atol=1e-10
    )


@settings(derandomize=True, deadline=None, max_examples=25)
@given(conv_problems())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(problem):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for the same geometry."""
    x_shape, w_shape, stride, padding, dilation, groups, seed = problem
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    out = conv2d(tensor(x), tensor(w), None, stride, padding, dilation, groups)
    y = rng.standard_normal(out.shape)
    # The transposed convolution may need output_padding to land on x's size exactly.
    size = [
        (y.shape[2 + a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * (w_shape[2 + a] - 1) + 1
        for a in range(2)
    ]
    output_padding = tuple(x_shape[2 + a] - size[a] for a in range(2))
    back = conv_transpose2d(
        tensor(y), tensor(w), None, stride, padding, output_padding, groups, dilation
    )
    assert back.shape == x_shape
    np.testing.assert_allclose(np.vdot(out._array, y), np.vdot(x, back._array), rtol=1e-10)


# ------------------------------------------------------------------------------------ modules
MODULE_CONFIGS = [
    (Conv2d, torch.nn.Conv2d, (3, 8, 3), {}),
    (Conv2d, torch.nn.Conv2d, (4, 8, (3, 5)), dict(stride=2, padding=(1, 2), dilation=2)),
    (Conv2d, torch.nn.Conv2d, (4, 8, 3), dict(padding="same", groups=2, bias=False)),
    (Conv2d, torch.nn.Conv2d, (4, 4, 3), dict(padding="valid", groups=4)),
    (Conv1d, torch.nn.Conv1d, (3, 8, 3), dict(padding=1)),
    (Conv1d, torch.nn.Conv1d, (2, 4, 5), dict(stride=2, dilation=2, groups=2, bias=False)),
    (ConvTranspose2d, torch.nn.ConvTranspose2d, (4, 8, 3), dict(stride=2, output_padding=1)),
    (ConvTranspose2d, torch.nn.ConvTranspose2d, (4, 6, (2, 3)), dict(groups=2, dilation=2)),
    (ConvTranspose2d, torch.nn.ConvTranspose2d, (4, 6, 3), dict(padding=1, bias=False)),
]


@pytest.mark.parametrize("ours_cls, theirs_cls, args, kwargs", MODULE_CONFIGS)
def test_module_repr_shapes_and_state_dict_match_torch(ours_cls, theirs_cls, args, kwargs):
    ours, theirs = ours_cls(*args, **kwargs), theirs_cls(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, value in theirs.state_dict().items():
        assert ours.state_dict()[name].shape == tuple(value.shape), name
    assert ours.weight.dtype == np.float32
    for attribute in ("kernel_size", "stride", "padding", "dilation", "groups", "output_padding"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute


@pytest.mark.parametrize("ours_cls, theirs_cls, args, kwargs", MODULE_CONFIGS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_module_forward_and_gradients_match_torch(
    device, dtype, ours_cls, theirs_cls, args, kwargs
):
    ours = ours_cls(*args, **kwargs, dtype=dtype)
    theirs = theirs_cls(*args, **kwargs).to(device=device, dtype=TORCH_DTYPES[np.dtype(dtype)])
    copy_parameters(theirs, ours)
    spatial = (11,) if ours_cls is Conv1d else (6, 7)
    x = np.random.default_rng(8).standard_normal((2, args[0], *spatial)).astype(dtype)
    xo, xt = tensor(x, requires_grad=True), torch.tensor(x, device=device, requires_grad=True)
    out_ours, out_theirs = ours(xo), theirs(xt)
    assert_close(out_ours, out_theirs, dtype, "forward")
    upstream = np.random.default_rng(9).standard_normal(out_ours.shape).astype(dtype)
    out_ours.backward(tensor(upstream))
    out_theirs.backward(torch.tensor(upstream, device=device))
    assert_close(xo.grad, xt.grad, dtype, "input gradient")
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, theirs_params[name].grad, dtype, f"gradient of {name}")


@pytest.mark.parametrize(
    "layer, fan_in",
    [
        (lambda: Conv2d(6, 200, (3, 5), groups=2), 3 * 3 * 5),
        (lambda: Conv1d(4, 300, 7), 4 * 7),
        (lambda: ConvTranspose2d(200, 6, (3, 5), groups=2), 3 * 3 * 5),  # C_out/groups * kH*kW
    ],
)
def test_default_init_is_torchs_uniform(layer, fan_in):
    manual_seed(0)
    module = layer()
    bound = 1 / math.sqrt(fan_in)
    for param in (module.weight, module.bias):
        values = param._array
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.9 * bound  # fills the range, not a narrower one
    w = module.weight._array.ravel()
    assert abs(w.mean()) < 0.05 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # U(-b, b) has std b/sqrt(3)


def test_module_dtype_and_reset_parameters():
    conv = Conv2d(2, 3, 3, dtype=np.float64)
    assert conv.weight.dtype == np.float64 and conv.bias.dtype == np.float64
    before = conv.weight._array.copy()
    conv.reset_parameters()
    assert not np.array_equal(before, conv.weight._array)


@pytest.mark.parametrize(
    "ours_cls, theirs_cls, kwargs, shape",
    [
        (Conv2d, torch.nn.Conv2d, dict(padding=1), (3, 5, 6)),
        (Conv1d, torch.nn.Conv1d, {}, (3, 9)),
        (ConvTranspose2d, torch.nn.ConvTranspose2d, dict(stride=2), (3, 4, 5)),
    ],
)
def test_unbatched_input_gives_unbatched_output(device, ours_cls, theirs_cls, kwargs, shape):
    ours = ours_cls(3, 4, 3, **kwargs, dtype=np.float64)
    theirs = theirs_cls(3, 4, 3, **kwargs).to(device=device, dtype=torch.float64)
    copy_parameters(theirs, ours)
    x = np.random.default_rng(10).standard_normal(shape)
    xo, xt = tensor(x, requires_grad=True), torch.tensor(x, device=device, requires_grad=True)
    out, expected = ours(xo), theirs(xt)
    assert out.shape == tuple(expected.shape) and out.ndim == len(shape)
    assert_close(out, expected, np.float64)
    out.sum().backward()
    expected.sum().backward()
    assert_close(xo.grad, xt.grad, np.float64, "input gradient")


def test_conv_transpose2d_output_size_picks_output_padding():
    layer = ConvTranspose2d(4, 2, 3, stride=2)
    theirs = torch.nn.ConvTranspose2d(4, 2, 3, stride=2)
    copy_parameters(theirs, layer)
    x = np.random.default_rng(11).standard_normal((1, 4, 5, 5)).astype(np.float32)
    out = layer(tensor(x), output_size=(12, 12))
    assert out.shape == (1, 2, 12, 12)
    assert_close(out, theirs(torch.tensor(x), output_size=(12, 12)), np.float32)
    with pytest.raises(ValueError, match=r"output size of \(14, 14\).*\(11, 11\) to \(12, 12\)"):
        layer(tensor(x), output_size=(14, 14))


# ------------------------------------------------------------------------------------- errors
def test_channel_mismatch_names_the_layer_and_both_counts():
    layer = Conv2d(3, 8, 3)
    with pytest.raises(ValueError) as info:
        layer(tensor(np.zeros((1, 4, 5, 5), np.float32)))
    message = str(info.value)
    assert message.startswith("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)): ")
    assert "expected input with 3 channels, got 4" in message
    with pytest.raises(ValueError, match="expected input with 4 channels, got 3"):
        conv2d(tensor(np.zeros((1, 3, 5, 5))), tensor(np.zeros((6, 2, 3, 3))), groups=2)
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(4, 2.*expected input with 4 channels"):
        ConvTranspose2d(4, 2, 3)(tensor(np.zeros((1, 3, 5, 5), np.float32)))


def test_kernel_larger_than_padded_input_names_the_sizes():
    with pytest.raises(ValueError, match=r"kernel 3x3 .* larger than the padded input 2x2"):
        Conv2d(1, 1, 3)(tensor(np.zeros((1, 1, 2, 2), np.float32)))
    with pytest.raises(ValueError, match=r"dilated: 5x5\) is larger than the padded input 4x4"):
        conv2d(tensor(np.zeros((1, 1, 2, 2))), tensor(np.zeros((1, 1, 3, 3))), None, 1, 1, 2)
    with pytest.raises(ValueError, match=r"kernel 4 .* larger than the padded input 3"):
        conv1d(tensor(np.zeros((1, 1, 3))), tensor(np.zeros((1, 1, 4))))


def test_wrong_number_of_dimensions_says_the_expected_shape():
    with pytest.raises(ValueError, match=r"4-D input \(N, C, H, W\) or a 3-D unbatched input"):
        Conv2d(3, 8, 3)(tensor(np.zeros((3, 5), np.float32)))
    with pytest.raises(ValueError, match=r"3-D input \(N, C, L\) or a 2-D unbatched input"):
        Conv1d(3, 8, 3)(tensor(np.zeros((1, 1, 3, 5), np.float32)))
    with pytest.raises(ValueError, match=r"weight must be 4-D"):
        conv2d(tensor(np.zeros((1, 3, 5, 5))), tensor(np.zeros((8, 3, 3))))


@pytest.mark.parametrize(
    "make, error, pattern",
    [
        (lambda: Conv2d(3, 8, 3, groups=2), ValueError, r"in_channels \(3\) must be divisible"),
        (lambda: Conv2d(4, 6, 3, groups=4), ValueError, r"out_channels \(6\) must be divisible"),
        (lambda: Conv2d(4, 4, 3, groups=0), ValueError, "groups must be a positive int"),
        (lambda: Conv2d(3, 8, 3, stride=2, padding="same"), ValueError, "strided convolutions"),
        (lambda: Conv2d(3, 8, 3, padding="full"), ValueError, "invalid padding string 'full'"),
        (lambda: Conv2d(3, 8, 3, padding_mode="reflect"), NotImplementedError, "'reflect'"),
        (lambda: Conv2d(3, 8, 3, padding_mode="mirror"), ValueError, "padding_mode must be"),
        (lambda: Conv2d(3, 8, 0), ValueError, "kernel_size must be positive"),
        (lambda: Conv2d(3, 8, 3, stride=0), ValueError, "stride must be positive"),
        (lambda: Conv2d(3, 8, 3, padding=-1), ValueError, "padding must be at least 0"),
        (lambda: Conv2d(3, 8, (3, 3, 3)), TypeError, "tuple of 2 ints"),
        (lambda: Conv2d(0, 8, 3), ValueError, "in_channels must be a positive int"),
        (lambda: ConvTranspose2d(3, 8, 3, padding="same"), ValueError, "padding must be an int"),
        (lambda: ConvTranspose2d(3, 8, 3, padding_mode="circular"), ValueError, "only padding"),
    ],
)
def test_bad_constructor_arguments_raise(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_bad_functional_arguments_raise():
    x = tensor(np.zeros((1, 3, 5, 5)))
    w = tensor(np.zeros((8, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"bias must have shape \(8,\)"):
        conv2d(x, w, tensor(np.zeros(7)))
    with pytest.raises(TypeError, match=r"input \(float32\) and parameters \(weight float64"):
        conv2d(tensor(np.zeros((1, 3, 5, 5), np.float32)), w)
    with pytest.raises(ValueError, match="output_padding must be smaller than either stride"):
        conv_transpose2d(
            tensor(np.zeros((1, 4, 5, 5))), tensor(np.zeros((4, 2, 3, 3))), None, 2, 0, 2
        )
    with pytest.raises(TypeError, match="expected an nnlib Tensor"):
        conv2d(np.zeros((1, 3, 5, 5)), w)
    with pytest.raises(TypeError, match="weight and bias must be nnlib Tensors"):
        conv2d(x, np.zeros((8, 3, 3, 3)))


# ------------------------------------------------------------------------- a LeNet-style model
def _lenet(library):
    return library.Sequential(
        library.Conv2d(1, 4, 3, padding=1),
        library.ReLU(),
        library.MaxPool2d(2),
        library.Conv2d(4, 6, 3),
        library.ReLU(),
        library.MaxPool2d(2),
        library.Flatten(),
        library.Linear(6 * 1 * 1, 10),
    )


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_lenet_trained_from_torchs_weights_gives_torchs_losses(device, optimizer):
    torch.manual_seed(0)
    theirs = _lenet(torch.nn).to(device=device, dtype=torch.float64)
    ours = Sequential(
        Conv2d(1, 4, 3, padding=1),
        ReLU(),
        MaxPool2d(2),
        Conv2d(4, 6, 3),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(6, 10),
    ).double()
    copy_parameters(theirs, ours)
    rng = np.random.default_rng(12)
    x = rng.standard_normal((16, 1, 8, 8))
    y = rng.integers(0, 10, size=16)
    kwargs = dict(lr=0.1, momentum=0.9) if optimizer == "SGD" else dict(lr=0.01)
    ours_opt = getattr(optim, optimizer)(ours.parameters(), **kwargs)
    theirs_opt = getattr(torch.optim, optimizer)(theirs.parameters(), **kwargs)
    xt, yt = torch.tensor(x, device=device), torch.tensor(y, device=device)
    ours_losses, theirs_losses = [], []
    for _ in range(4):
        ours_opt.zero_grad()
        loss = cross_entropy(ours(tensor(x)), tensor(y))
        loss.backward()
        ours_opt.step()
        ours_losses.append(loss.item())
        theirs_opt.zero_grad()
        loss = TF.cross_entropy(theirs(xt), yt)
        loss.backward()
        theirs_opt.step()
        theirs_losses.append(loss.item())
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=1e-10)
    assert ours_losses[-1] < ours_losses[0]
    assert_close(ours[0].weight, theirs[0].weight, np.float64, "first conv weight after training")


def test_facades_export_the_chapter_6_names():
    import nnlib.nn as nn
    import nnlib.nn.functional as F

    for name in ("Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool2d",
                 "AdaptiveAvgPool2d", "Flatten", "Unflatten"):  # fmt: skip
        assert hasattr(nn, name) and name in nn.__all__, name
    for name in ("conv1d", "conv2d", "conv_transpose2d", "unfold", "fold", "pad", "max_pool1d",
                 "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"):  # fmt: skip
        assert hasattr(F, name) and name in F.__all__, name
    assert to_numpy(nnlib.tensor([1.0])).shape == (1,)


@pytest.mark.parametrize("nd", [1, 2])
def test_changing_the_weight_in_place_before_backward_raises(nd):
    x = tensor(np.ones((1, 2) + (5,) * nd), requires_grad=True)
    w = tensor(np.ones((3, 2) + (2,) * nd), requires_grad=True)
    out = (conv1d if nd == 1 else conv2d)(x, w).sum()
    with nnlib.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()
