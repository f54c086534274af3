"""``nnlib.text`` (tokenizer, truncated-BPTT windows, sampling) and ``nnlib.datasets.text``."""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlib
from nnlib.datasets.text import BOOK_TEXT_SHA256, load_book_text
from nnlib.text import CharTokenizer, batchify, bptt_batches, sample_with_temperature


def test_book_text_loads_and_is_checked() -> None:
    text = load_book_text()
    assert text.startswith("# 1. Perceptrons")
    assert 50_000 < len(text) < 200_000
    assert all(ch == "\n" or 32 <= ord(ch) < 127 for ch in set(text))
    for title in ["# 2. Backpropagation", "# 5. Overfitting and regularization"]:
        assert title in text
    for leftover in ["$$", "```", "{cite}", "colab.research"]:
        assert leftover not in text
    data = resources.files("nnlib.datasets").joinpath("data", "nnfp_prose.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == BOOK_TEXT_SHA256


def test_damaged_book_text_is_refused(monkeypatch) -> None:
    import nnlib.datasets.text as module

    monkeypatch.setattr(module, "BOOK_TEXT_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="damaged: its SHA-256"):
        load_book_text()


@given(st.text(alphabet=st.characters(codec="ascii"), min_size=1, max_size=200))
@settings(max_examples=60, deadline=None)
def test_tokenizer_round_trip(text: str) -> None:
    tok = CharTokenizer(text)
    ids = tok.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert tok.decode(ids) == text
    assert tok.chars == sorted(set(text)) and len(tok) == tok.vocab_size == len(set(text))
    assert ids.min() >= 0 and ids.max() < tok.vocab_size


def test_tokenizer_errors_and_tensors() -> None:
    tok = CharTokenizer("abc")
    assert repr(tok) == "CharTokenizer(vocab_size=3)"
    assert tok.decode(nnlib.tensor([2, 1, 0])) == "cba"
    assert tok.decode(torch.tensor([0, 0])) == "aa"
    with pytest.raises(KeyError, match="'z' is not in the tokenizer's vocabulary of 3"):
        tok.encode("abz")
    with pytest.raises(IndexError, match=r"id 3 is outside the vocabulary \(0 .. 2\)"):
        tok.decode([0, 3])
    with pytest.raises(ValueError, match="non-empty string"):
        CharTokenizer("")


@given(n=st.integers(2, 300), batch_size=st.integers(1, 10), seq_len=st.integers(1, 40))
@settings(max_examples=60, deadline=None)
def test_batchify_and_bptt_windows_continue_each_row(n, batch_size, seq_len) -> None:
    ids = np.arange(n) * 7 % 11
    if n // batch_size < 2:
        with pytest.raises(ValueError, match="too short"):
            batchify(ids, batch_size)
        return
    rows = batchify(ids, batch_size)
    length = n // batch_size
    assert rows.shape == (batch_size, length)
    np.testing.assert_array_equal(rows.reshape(-1), ids[: batch_size * length])
    windows = list(bptt_batches(rows, seq_len))
    inputs = np.concatenate([x for x, _ in windows], axis=1)
    targets = np.concatenate([t for _, t in windows], axis=1)
    # together the windows read every row once, and each target is the next input
    np.testing.assert_array_equal(inputs, rows[:, :-1])
    np.testing.assert_array_equal(targets, rows[:, 1:])
    assert all(x.shape == t.shape and x.shape[1] <= seq_len for x, t in windows)
    assert all(x.shape[1] == seq_len for x, _ in windows[:-1])


def test_batching_errors() -> None:
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        batchify(np.arange(10), 0)
    with pytest.raises(ValueError, match="1-D stream"):
        batchify(np.zeros((2, 5)), 1)
    with pytest.raises(ValueError, match="seq_len must be a positive integer"):
        list(bptt_batches(np.zeros((2, 5)), 0))
    with pytest.raises(ValueError, match=r"shape \(batch_size, L\)"):
        list(bptt_batches(np.zeros(5), 2))


def test_sampling_follows_the_tempered_softmax() -> None:
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    rng = np.random.default_rng(0)
    n = 40_000
    for temperature in [0.5, 1.0, 2.0]:
        drawn = sample_with_temperature(np.tile(logits, (n, 1)), temperature, generator=rng)
        assert drawn.shape == (n,) and drawn.dtype == np.int64
        expected = torch.softmax(torch.tensor(logits) / temperature, dim=0).numpy()
        frequencies = np.bincount(drawn, minlength=4) / n
        # four standard errors of a binomial proportion
        assert np.all(np.abs(frequencies - expected) < 4 * np.sqrt(expected / n) + 1e-3)


def test_sampling_temperature_zero_is_greedy_and_seeds_reproduce() -> None:
    logits = nnlib.tensor([[0.0, 3.0, 3.0], [5.0, 1.0, 0.0]])
    np.testing.assert_array_equal(sample_with_temperature(logits, 0), [1, 0])
    one = sample_with_temperature([1.0, 2.0, 0.5], 1.0, generator=7)
    assert one.shape == () and one == sample_with_temperature([1.0, 2.0, 0.5], 1.0, generator=7)
    nnlib.manual_seed(3)
    first = sample_with_temperature(np.zeros((50, 5)))
    nnlib.manual_seed(3)
    np.testing.assert_array_equal(first, sample_with_temperature(np.zeros((50, 5))))
    # huge logits do not overflow
    assert sample_with_temperature([1e308, -1e308], 0.5, generator=0) == 0


def test_sampling_and_decoding_take_gpu_tensors_and_arrays() -> None:
    """Logits and ids on a GPU are copied to the host (here on the pretend GPU): same draws."""
    from nnlib.backend import use_pretend_gpu

    logits = np.random.default_rng(0).standard_normal((20, 6))
    on_host = sample_with_temperature(logits, 0.8, generator=5)
    tok = CharTokenizer("abcdef")
    with use_pretend_gpu():
        on_gpu = nnlib.tensor(logits, device="cuda")
        np.testing.assert_array_equal(sample_with_temperature(on_gpu, 0.8, generator=5), on_host)
        np.testing.assert_array_equal(
            sample_with_temperature(on_gpu._array, 0.8, generator=5), on_host
        )
        assert tok.decode(nnlib.tensor([5, 0, 2], device="cuda")) == "fac"
        assert tok.decode(nnlib.tensor([1, 1], device="cuda")._array) == "bb"


def test_sampling_errors() -> None:
    with pytest.raises(ValueError, match="temperature must be a non-negative number"):
        sample_with_temperature([0.0, 1.0], -1.0)
    with pytest.raises(ValueError, match=r"shape \(C,\) or \(N, C\)"):
        sample_with_temperature(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="logits contain NaN"):
        sample_with_temperature([0.0, np.nan])
