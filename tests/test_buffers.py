"""Reused memory (nnlib.buffers): blocks come back only when it is safe."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import nnlib
from nnlib import buffers, nn
from nnlib.backend import use_pretend_gpu

LIKE = np.zeros(1)


@pytest.fixture(autouse=True)
def fresh_cache():
    buffers.empty_cache()
    yield
    buffers.empty_cache()


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def test_scratch_reuses_its_block_and_grows():
    first = buffers.scratch("a", (4, 5), np.float64, LIKE)
    again = buffers.scratch("a", (2, 3), np.float32, LIKE)
    assert _address(first) == _address(again)
    assert again.shape == (2, 3) and again.dtype == np.float32
    other = buffers.scratch("b", (4, 5), np.float64, LIKE)
    assert not np.shares_memory(first, other)
    bigger = buffers.scratch("a", (100, 100), np.float64, LIKE)
    assert bigger.shape == (100, 100) and bigger.flags.writeable


def test_recycled_memory_is_not_handed_out_while_in_use():
    first = buffers.recycled("x", (8, 8), np.float64, LIKE)
    first[...] = 1.0
    second = buffers.recycled("x", (8, 8), np.float64, LIKE)
    assert not np.shares_memory(first, second)
    second[...] = 2.0
    np.testing.assert_array_equal(first, 1.0)


def test_a_view_keeps_recycled_memory_in_use():
    view = buffers.recycled("x", (8, 8), np.float64, LIKE)[2:4].T
    for _ in range(3):
        assert not np.shares_memory(view, buffers.recycled("x", (8, 8), np.float64, LIKE))
    kept = buffers._kept("recycled")["x"]
    assert len(kept) == 2  # the view's block, and one reused by the three requests
    del view
    buffers.recycled("x", (8, 8), np.float64, LIKE)
    assert len(kept) == 2  # a free block served the request: nothing new was allocated


def test_recycled_memory_comes_back_once_released():
    first = buffers.recycled("x", (16, 16), np.float32, LIKE)
    address = _address(first)
    del first
    again = buffers.recycled("x", (16, 16), np.float32, LIKE)
    assert _address(again) == address


def test_recycled_keeps_a_bounded_number_of_blocks(monkeypatch):
    monkeypatch.setattr(buffers, "KEPT_PER_NAME", 2)
    held = [buffers.recycled("x", (4,), np.float64, LIKE) for _ in range(3)]
    assert len({_address(a) for a in held}) == 3
    kept = buffers._kept("recycled")["x"]
    assert len(kept) == 2
    del held
    # A larger request when the list is full replaces the smallest free block.
    big = buffers.recycled("x", (64,), np.float64, LIKE)
    assert len(kept) == 2 and any(block is big.base for block in kept)


def test_large_blocks_are_not_kept(monkeypatch):
    monkeypatch.setattr(buffers, "MAX_KEPT_BYTES", 1024)
    a = buffers.scratch("s", (1024,), np.float64, LIKE)
    b = buffers.scratch("s", (1024,), np.float64, LIKE)
    assert not np.shares_memory(a, b)
    c = buffers.recycled("r", (1024,), np.float64, LIKE)
    del c
    assert buffers._kept("recycled").get("r", []) == []


def test_each_thread_has_its_own_blocks():
    mine = buffers.scratch("t", (10,), np.float64, LIKE)
    theirs = []
    worker = threading.Thread(
        target=lambda: theirs.append(buffers.scratch("t", (10,), np.float64, LIKE))
    )
    worker.start()
    worker.join()
    assert not np.shares_memory(mine, theirs[0])


def test_on_another_device_the_arrays_are_fresh():
    with use_pretend_gpu():
        like = nnlib.zeros(1, device="cuda")._array
        xp = nnlib.backend.array_module(like)
        for make in (buffers.scratch, buffers.recycled):
            a, b = make("g", (3,), np.float32, like), make("g", (3,), np.float32, like)
            assert isinstance(a, xp.ndarray) and a is not b


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_a_second_step_does_not_disturb_the_first_graph(mode):
    """Two forward passes alive at once (the first graph not yet backpropagated, its output
    held): the second pass must not reuse the first one's saved buffers or output."""
    rng = np.random.default_rng(0)
    model = getattr(nn, mode)(3, 5, num_layers=2).double()
    x1 = nnlib.tensor(rng.standard_normal((7, 2, 3)), requires_grad=True)
    x2 = nnlib.tensor(rng.standard_normal((7, 2, 3)), requires_grad=True)

    def grads_of(x):
        model.zero_grad()
        out = model(x)[0]
        out.sum().backward()
        return out.detach().cpu().numpy().copy(), x.grad.cpu().numpy().copy()

    expected_out, expected_grad = grads_of(x1)
    x1.grad = None
    model.zero_grad()
    out1 = model(x1)[0]
    out2 = model(x2)[0]  # while the first graph and output are alive
    np.testing.assert_array_equal(out1.detach().cpu().numpy(), expected_out)
    out1.sum().backward()
    np.testing.assert_array_equal(x1.grad.cpu().numpy(), expected_grad)
    out2.sum().backward()
