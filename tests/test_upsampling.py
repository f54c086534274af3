"""nn.Upsample and F.interpolate(mode="nearest") against torch: values, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib import nn
from nnlib.gradcheck import gradcheck
from nnlib.nn import functional as F
from tests._torch_compare import check_parity

CASES = [
    ((2, 3, 5), {"scale_factor": 2}),
    ((2, 3, 5), {"size": 7}),
    ((2, 3, 5, 4), {"scale_factor": 2}),
    ((2, 3, 5, 4), {"scale_factor": 1.7}),
    ((2, 3, 5, 4), {"scale_factor": (1.5, 3)}),
    ((2, 3, 5, 4), {"scale_factor": (1.5, 2.5), "recompute_scale_factor": True}),
    ((2, 3, 5, 4), {"size": (8, 7)}),
    ((2, 3, 5, 4), {"size": 3}),  # downsampling
    ((1, 2, 3, 4, 2), {"scale_factor": 2}),
    ((1, 2, 3, 4, 2), {"size": (5, 3, 3)}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "kwargs"), CASES)
def test_interpolate_nearest_matches_torch(device: str, shape, kwargs, dtype) -> None:
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    check_parity(
        lambda a: F.interpolate(a, **kwargs),
        lambda a: torch.nn.functional.interpolate(a, **kwargs),
        [x],
        device,
    )


@pytest.mark.parametrize(("shape", "kwargs"), CASES[:5])
def test_upsample_module_matches_torch(device: str, shape, kwargs) -> None:
    kwargs = {k: v for k, v in kwargs.items() if k != "recompute_scale_factor"}
    ours, theirs = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == {} and list(ours.parameters()) == []
    x = np.random.default_rng(1).standard_normal(shape)
    check_parity(ours, theirs, [x], device)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 9),
    m=st.integers(1, 9),
    factor=st.floats(0.3, 4.0, allow_nan=False),
    use_size=st.booleans(),
)
def test_nearest_indices_match_torch_for_any_size(n, m, factor, use_size) -> None:
    x = np.arange(n, dtype=np.float32).reshape(1, 1, n)
    kwargs = {"size": m} if use_size else {"scale_factor": factor}
    if not use_size and int(n * factor) < 1:
        return
    ours = F.interpolate(nnlib.tensor(x), **kwargs).cpu().numpy()
    theirs = torch.nn.functional.interpolate(torch.tensor(x), **kwargs).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_gradcheck_interpolate() -> None:
    x = nnlib.tensor(np.random.default_rng(2).standard_normal((1, 2, 3, 3)), requires_grad=True)
    assert gradcheck(lambda a: F.interpolate(a, scale_factor=(2, 1.5)), (x,))
    assert gradcheck(lambda a: F.interpolate(a, size=(2, 5)), (x,))


def test_repeated_pixels_add_their_gradients() -> None:
    x = nnlib.ones(1, 1, 2, 2, requires_grad=True)
    F.interpolate(x, scale_factor=3).sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), np.full((1, 1, 2, 2), 9.0))


ERRORS = [
    ((1, 1, 3, 3), {}),
    ((1, 1, 3, 3), {"size": 4, "scale_factor": 2}),
    ((1, 1, 3, 3), {"scale_factor": 2, "align_corners": True}),
    ((1, 1, 3, 3), {"size": (2,)}),
    ((1, 1, 3, 3), {"scale_factor": (2, 2, 2)}),
    ((1, 1, 3, 3), {"scale_factor": 2, "antialias": True}),
    ((1, 1, 3, 3), {"scale_factor": 0.1}),
    ((3, 3), {"scale_factor": 2}),
    ((1, 1, 3, 3, 3, 3), {"scale_factor": 2}),
]


@pytest.mark.parametrize(("shape", "kwargs"), ERRORS)
def test_errors_like_torch(shape, kwargs) -> None:
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.interpolate(torch.zeros(shape), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        F.interpolate(nnlib.zeros(*shape), **kwargs)
    assert str(ours.value)  # a message, naming the problem


def test_other_modes_are_not_implemented() -> None:
    with pytest.raises(NotImplementedError, match="bilinear"):
        F.interpolate(nnlib.zeros(1, 1, 2, 2), scale_factor=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="not one of torch's modes"):
        F.interpolate(nnlib.zeros(1, 1, 2, 2), scale_factor=2, mode="cubic")
    with pytest.raises(TypeError, match="Tensor"):
        F.interpolate(np.zeros((1, 1, 2, 2)), scale_factor=2)
