"""Property tests: random broadcastable shapes, random dims and random slices agree with torch."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, basic_indices, mutually_broadcastable_shapes

from nnlib import ops
from tests._torch_compare import check_parity

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # `device` is a plain string
)

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a**b, lambda a, b: a**b),
    "maximum": (ops.maximum, torch.maximum),
    "where": (lambda a, b: ops.where(a > 1, a, b), lambda a, b: torch.where(a > 1, a, b)),
}


def _arrays(shapes, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 2.0, shape).astype(dtype) for shape in shapes]


@SETTINGS
@given(
    name=st.sampled_from(sorted(BINARY)),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_binary_ops_broadcast_like_torch(name, shapes, seed, dtype, device):
    ours, theirs = BINARY[name]
    check_parity(ours, theirs, _arrays(shapes.input_shapes, seed, dtype), device, seed)


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_batched_matmul_like_torch(shapes, seed, device):
    # Append the matrix dims to broadcastable batch shapes: (*a, n, k) @ (*b, k, m).
    a_batch, b_batch = shapes.input_shapes
    rng = np.random.default_rng(seed)
    n, k, m = rng.integers(1, 4, size=3)
    a_shape = (*a_batch[:-1], n, k) if len(a_batch) > 1 else (k,)
    b_shape = (*b_batch[:-1], k, m) if len(b_batch) > 1 else (k,)
    check_parity(
        lambda a, b: a @ b, lambda a, b: a @ b, _arrays([a_shape, b_shape], seed), device, seed
    )


@st.composite
def shape_and_dims(draw, max_dims=4):
    """A shape and a random ``dim`` argument: None, an int, or a tuple of distinct ints."""
    shape = draw(array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=4))
    ndim = len(shape)
    dims = draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
                lambda ds: tuple(d - ndim if i % 2 else d for i, d in enumerate(ds))
            ),
        )
    )
    return shape, dims


REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda t, d, k: t.sum(d, keepdim=k)),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), lambda t, d, k: t.mean(d, keepdim=k)),
    "var": (
        lambda t, d, k: t.var(d, keepdim=k, correction=0),
        lambda t, d, k: t.var(d, keepdim=k, correction=0),
    ),
    "logsumexp": (
        lambda t, d, k: ops.logsumexp(t, d, keepdim=k),
        lambda t, d, k: torch.logsumexp(t, d, keepdim=k),
    ),
}


@SETTINGS
@given(
    name=st.sampled_from(sorted(REDUCTIONS)),
    shape_dims=shape_and_dims(),
    keepdim=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_reductions_with_random_dim_and_keepdim(name, shape_dims, keepdim, seed, device):
    shape, dims = shape_dims
    if name == "logsumexp" and dims is None:
        dims = tuple(range(len(shape)))  # torch's logsumexp needs an explicit dim
    ours, theirs = REDUCTIONS[name]
    check_parity(
        lambda t: ours(t, dims, keepdim),
        lambda t: theirs(t, dims, keepdim),
        _arrays([shape], seed),
        device,
        seed,
    )


@SETTINGS
@given(
    name=st.sampled_from(["max", "min", "softmax", "log_softmax"]),
    shape_dims=shape_and_dims(),
    keepdim=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_dim_ops_with_random_dim(name, shape_dims, keepdim, seed, device):
    shape, dims = shape_dims
    dim = dims if isinstance(dims, int) else 0
    if name in ("max", "min"):

        def ours(t):
            return getattr(t, name)(dim, keepdim=keepdim).values

        def theirs(t):
            return getattr(t, name)(dim, keepdim=keepdim).values
    else:

        def ours(t):
            return getattr(t, name)(dim)

        def theirs(t):
            return getattr(t, name)(dim)

    check_parity(ours, theirs, _arrays([shape], seed), device, seed)


@st.composite
def shape_and_index(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    return shape, draw(basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))


@SETTINGS
@given(shape_index=shape_and_index(), seed=st.integers(0, 2**16))
def test_random_basic_slices_like_torch(shape_index, seed, device):
    shape, index = shape_index
    (array,) = _arrays([shape], seed)
    if array[index].size == 0 or any(
        isinstance(i, slice) and i.step is not None and i.step < 0
        for i in (index if isinstance(index, tuple) else (index,))
    ):
        return  # torch has no negative steps; empty results carry no gradient
    check_parity(lambda t: t[index] * 2, lambda t: t[index] * 2, [array], device, seed)


@SETTINGS
@given(
    shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_random_integer_array_indices_accumulate(shape, data, seed, device):
    picks = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=8))
    (array,) = _arrays([shape], seed)
    check_parity(
        lambda t: t[picks] ** 2,
        lambda t: t[torch.tensor(picks, device=t.device)] ** 2,
        [array],
        device,
        seed,
    )
