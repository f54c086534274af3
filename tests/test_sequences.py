"""``nnlib.datasets.sequences``: the adding problem and the copy task."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.datasets.sequences import make_adding_problem, make_copy_task


@given(n=st.integers(1, 40), seq_len=st.integers(2, 60), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_adding_problem_structure(n: int, seq_len: int, seed: int) -> None:
    X, y = make_adding_problem(n, seq_len, seed=seed)
    assert X.shape == (n, seq_len, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.float64
    values, markers = X[..., 0], X[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) <= {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    half = seq_len // 2
    assert np.all(markers[:, :half].sum(axis=1) == 1), "one marker in the first half"
    assert np.all(markers[:, half:].sum(axis=1) == 1), "one marker in the second half"
    np.testing.assert_array_equal((values * markers).sum(axis=1), y)


def test_adding_problem_is_seeded_and_matches_its_statistics() -> None:
    X1, y1 = make_adding_problem(5000, 30, seed=3)
    X2, y2 = make_adding_problem(5000, 30, seed=3)
    X3, _ = make_adding_problem(5000, 30, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    # the target is the sum of two U(0, 1): mean 1, variance 1/6 (the baseline MSE)
    assert abs(y1.mean() - 1.0) < 0.02
    assert abs(y1.var() - 1 / 6) < 0.01


@given(
    n=st.integers(1, 20),
    n_symbols=st.integers(1, 12),
    copy_len=st.integers(1, 8),
    delay=st.integers(0, 15),
    seed=st.integers(0, 1000),
)
@settings(max_examples=40, deadline=None)
def test_copy_task_structure(n, n_symbols, copy_len, delay, seed) -> None:
    x, t = make_copy_task(n, n_symbols, copy_len, delay, seed=seed)
    total = 2 * copy_len + delay
    assert x.shape == t.shape == (n, total)
    assert x.dtype == t.dtype == np.int64
    assert np.all((x[:, :copy_len] >= 1) & (x[:, :copy_len] <= n_symbols))
    assert np.all(x[:, copy_len + delay] == n_symbols + 1), "the delimiter"
    rest = np.delete(x, list(range(copy_len)) + [copy_len + delay], axis=1)
    assert np.all(rest == 0), "blanks everywhere else"
    np.testing.assert_array_equal(t[:, -copy_len:], x[:, :copy_len])
    assert np.all(t[:, : total - copy_len] == 0)
    x2, _ = make_copy_task(n, n_symbols, copy_len, delay, seed=seed)
    np.testing.assert_array_equal(x, x2)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: make_adding_problem(0), ValueError, "n_samples must be at least 1"),
        (lambda: make_adding_problem(5, seq_len=1), ValueError, "seq_len must be at least 2"),
        (lambda: make_adding_problem(5, seq_len=2.5), TypeError, "seq_len must be an integer"),
        (lambda: make_adding_problem(True), TypeError, "n_samples must be an integer"),
        (lambda: make_copy_task(5, n_symbols=0), ValueError, "n_symbols must be at least 1"),
        (lambda: make_copy_task(5, delay=-1), ValueError, "delay must be at least 0"),
        (lambda: make_copy_task(5, copy_len=0), ValueError, "copy_len must be at least 1"),
    ],
)
def test_bad_arguments_are_named(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
