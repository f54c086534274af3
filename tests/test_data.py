"""nnlib.data: Dataset, TensorDataset, Subset, random_split, DataLoader, default_collate."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from nnlib.random import manual_seed
from nnlib.tensor import Tensor, from_numpy


def make_dataset(n: int = 10) -> TensorDataset:
    """Row ``i`` of x is ``[i, i + 0.5]``; label ``i`` is ``i % 3``."""
    x = np.stack([np.arange(n), np.arange(n) + 0.5], axis=1).astype(np.float32)
    y = np.arange(n, dtype=np.int64) % 3
    return TensorDataset(from_numpy(x), from_numpy(y))


def sample_ids(batches) -> list[int]:
    """The sample numbers (column 0 of x) of a sequence of ``(x, y)`` batches."""
    return [int(v) for xb, _ in batches for v in xb._array[:, 0]]


class Squares(Dataset):
    """A generic data set: sample ``i`` is ``(array [i, i*i] float64, int i, float i/2)``."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, index: int):
        return np.array([index, index * index], dtype=np.float64), index, index / 2

    def __len__(self) -> int:
        return self.n


# ---------------------------------------------------------------- TensorDataset, Subset


def test_tensor_dataset_samples_are_rows():
    data = make_dataset(5)
    assert len(data) == 5
    x, y = data[3]
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    np.testing.assert_array_equal(x._array, [3.0, 3.5])
    assert y.shape == () and y.item() == 0
    np.testing.assert_array_equal(data[-1][0]._array, [4.0, 4.5])


def test_tensor_dataset_accepts_arrays_and_keeps_dtype():
    data = TensorDataset(np.zeros((4, 2), dtype=np.float64), np.arange(4, dtype=np.int32))
    assert all(isinstance(t, Tensor) for t in data.tensors)
    assert [t.dtype for t in data.tensors] == [np.float64, np.int32]


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"same size in dimension 0.*\[4, 3\]"):
        TensorDataset(np.zeros((4, 2)), np.zeros(3))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((), ValueError, "at least one tensor"),
        (([1, 2, 3],), TypeError, "tensors or numpy arrays, got list"),
        ((np.array(1.0),), ValueError, "0-dimensional"),
    ],
)
def test_tensor_dataset_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        TensorDataset(*args)


def test_tensor_dataset_index_errors():
    data = make_dataset(4)
    with pytest.raises(IndexError, match="index 4 is out of range.*length 4"):
        data[4]
    with pytest.raises(TypeError, match="must be an int"):
        data[1.5]


def test_subset_views_dataset_in_order():
    data = make_dataset(6)
    subset = Subset(data, [4, 1, 5])
    assert len(subset) == 3
    assert [int(subset[i][0]._array[0]) for i in range(3)] == [4, 1, 5]
    with pytest.raises(IndexError, match="Subset index 6 is out of range"):
        Subset(data, [0, 6])
    with pytest.raises(TypeError, match="1-D sequence of ints"):
        Subset(data, [0.5, 1.0])
    assert len(Subset(data, [])) == 0


def test_base_dataset_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


# ---------------------------------------------------------------- random_split


def test_random_split_partitions_and_is_reproducible():
    data = make_dataset(20)
    parts = random_split(data, [12, 5, 3], generator=7)
    assert [len(p) for p in parts] == [12, 5, 3]
    ids = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(ids), np.arange(20))
    again = random_split(data, [12, 5, 3], generator=np.random.default_rng(7))
    for a, b in zip(parts, again, strict=True):
        np.testing.assert_array_equal(a.indices, b.indices)
    other = random_split(data, [12, 5, 3], generator=8)
    assert not np.array_equal(parts[0].indices, other[0].indices)


def test_random_split_default_generator_follows_manual_seed():
    data = make_dataset(30)
    manual_seed(3)
    first = random_split(data, [0.5, 0.5])
    manual_seed(3)
    second = random_split(data, [0.5, 0.5])
    np.testing.assert_array_equal(first[0].indices, second[0].indices)


@pytest.mark.filterwarnings("ignore:Length of split")  # torch warns about empty splits
@pytest.mark.parametrize("n", [1, 7, 10, 101, 1797])
@pytest.mark.parametrize(
    "fractions", [[0.8, 0.2], [0.6, 0.2, 0.2], [1 / 3] * 3, [0.7, 0.1, 0.1, 0.1]]
)
def test_random_split_fraction_sizes_match_torch(n, fractions):
    ours = [len(s) for s in random_split(range(n), fractions, generator=0)]
    theirs = [len(s) for s in tud.random_split(range(n), fractions)]
    assert ours == theirs
    assert sum(ours) == n


@pytest.mark.parametrize(
    ("lengths", "error", "match"),
    [
        ([5, 4], ValueError, r"sum to 9, but the data set has 10"),
        ([12, -2], ValueError, "non-negative"),
        ([0.5, 0.4], ValueError, "sum to 0.9"),
        ([1.5, -0.5], ValueError, r"lie in \[0, 1\]"),
        (["a", "b"], TypeError, "ints or fractions"),
        ([], ValueError, "at least one length"),
    ],
)
def test_random_split_bad_lengths(lengths, error, match):
    with pytest.raises(error, match=match):
        random_split(make_dataset(10), lengths)


def test_random_split_bad_generator():
    with pytest.raises(TypeError, match="generator must be None, an int seed"):
        random_split(make_dataset(4), [2, 2], generator="seed")


# ---------------------------------------------------------------- DataLoader


def test_unshuffled_batches_in_order_with_short_last_batch():
    batches = list(DataLoader(make_dataset(10), batch_size=4))
    assert [xb.shape for xb, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    assert sample_ids(batches) == list(range(10))
    xb, yb = batches[-1]
    assert xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(yb._array, [8 % 3, 9 % 3])


def test_drop_last_drops_the_short_batch():
    loader = DataLoader(make_dataset(10), batch_size=4, drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    assert sample_ids(batches) == list(range(8))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 45),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
)
def test_len_and_batch_sizes_match_torch(n, batch_size, drop_last, shuffle):
    data = make_dataset(n)
    ours = DataLoader(
        data, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=1
    )
    theirs = tud.DataLoader(range(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [len(xb) for xb, _ in ours] == [len(b) for b in theirs]
    ids = sample_ids(ours)
    assert len(ids) == len(set(ids))  # no sample twice
    if not drop_last:
        assert sorted(ids) == list(range(n))  # every sample exactly once


def test_shuffle_visits_every_sample_once_per_epoch_in_new_orders():
    loader = DataLoader(make_dataset(50), batch_size=8, shuffle=True, generator=0)
    epochs = [sample_ids(loader) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(50))
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs[0] != list(range(50))


def test_shuffle_order_is_reproducible_with_a_seed():
    def orders(generator):
        loader = DataLoader(make_dataset(30), batch_size=7, shuffle=True, generator=generator)
        return [sample_ids(loader) for _ in range(2)]

    assert orders(5) == orders(5)
    assert orders(np.random.default_rng(5)) == orders(np.random.default_rng(5))
    assert orders(5) != orders(6)


def test_default_generator_makes_runs_repeatable_with_manual_seed():
    def run():
        manual_seed(11)
        loader = DataLoader(make_dataset(30), batch_size=4, shuffle=True)
        return [sample_ids(loader) for _ in range(2)]

    first, second = run(), run()
    assert first == second
    assert first[0] != first[1]


def test_labels_stay_with_their_samples_when_shuffled():
    for xb, yb in DataLoader(make_dataset(25), batch_size=6, shuffle=True, generator=2):
        np.testing.assert_array_equal(xb._array[:, 0].astype(np.int64) % 3, yb._array)
        np.testing.assert_array_equal(xb._array[:, 1], xb._array[:, 0] + 0.5)


def test_fast_path_gives_the_same_batches_as_the_generic_path():
    data = make_dataset(23)
    fast = DataLoader(data, batch_size=5, shuffle=True, generator=4)
    generic = DataLoader(data, batch_size=5, shuffle=True, generator=4, collate_fn=default_collate)
    for (fx, fy), (gx, gy) in zip(fast, generic, strict=True):
        assert fx.dtype == gx.dtype and fy.dtype == gy.dtype
        np.testing.assert_array_equal(fx._array, gx._array)
        np.testing.assert_array_equal(fy._array, gy._array)


def test_fast_path_does_not_index_sample_by_sample(monkeypatch):
    data = make_dataset(12)
    calls = []
    original = Tensor.__getitem__

    def counting(self, index):
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(Tensor, "__getitem__", counting)
    batches = list(DataLoader(data, batch_size=5, shuffle=True, generator=0))
    assert len(batches) == 3 and calls == []
    list(DataLoader(data, batch_size=5, collate_fn=default_collate))  # the generic path
    assert len(calls) == 12 * 2  # one row of x and one of y per sample


def test_fast_path_through_subsets_matches_generic_path():
    data = make_dataset(40)
    train, _ = random_split(data, [0.75, 0.25], generator=0)
    inner = Subset(train, [3, 0, 7, 7, 12, 29])
    fast = list(DataLoader(inner, batch_size=4))
    generic = list(DataLoader(inner, batch_size=4, collate_fn=default_collate))
    expected = [int(train.indices[i]) for i in [3, 0, 7, 7, 12, 29]]
    assert sample_ids(fast) == sample_ids(generic) == expected


def test_subclass_overriding_getitem_is_respected():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    data = make_dataset(6)
    doubled = Doubled(*data.tensors)
    (xb, _), *_ = DataLoader(doubled, batch_size=6)
    np.testing.assert_array_equal(xb._array, data.tensors[0]._array * 2)


def test_generic_dataset_collates_like_torch():
    ours = list(DataLoader(Squares(7), batch_size=3))
    theirs = list(tud.DataLoader(Squares(7), batch_size=3))
    assert len(ours) == len(theirs) == 3
    for batch, reference in zip(ours, theirs, strict=True):
        assert isinstance(batch, tuple) and len(batch) == 3
        for ours_field, torch_field in zip(batch, reference, strict=True):
            assert isinstance(ours_field, Tensor)
            assert str(ours_field.dtype) == str(torch_field.dtype).removeprefix("torch.")
            np.testing.assert_array_equal(ours_field._array, torch_field.numpy())


def test_default_collate_structures():
    Point = namedtuple("Point", ["x", "y"])
    batch = default_collate(
        [
            {"img": np.ones((2, 2), np.float32), "name": "a", "pt": Point(1, True)},
            {"img": np.zeros((2, 2), np.float32), "name": "b", "pt": Point(2, False)},
        ]
    )
    assert batch["img"].shape == (2, 2, 2) and batch["img"].dtype == np.float32
    assert batch["name"] == ["a", "b"]
    assert isinstance(batch["pt"], Point)
    assert batch["pt"].x.dtype == np.int64 and batch["pt"].y.dtype == np.bool_
    listed = default_collate([[np.float32(1), 2], [np.float32(3), 4]])
    assert isinstance(listed, list) and listed[0].dtype == np.float32
    stacked = default_collate([from_numpy(np.ones(3)), from_numpy(np.zeros(3))])
    assert stacked.shape == (2, 3) and stacked.dtype == np.float64


@pytest.mark.parametrize(
    ("batch", "error", "match"),
    [
        ([np.zeros(2), np.zeros(3)], ValueError, r"different shapes.*\(2,\).*\(3,\)"),
        ([(1, 2), (1, 2, 3)], ValueError, "different lengths"),
        ([1, "a"], TypeError, "mixed types"),
        ([object(), object()], TypeError, "does not know how to batch samples of type object"),
        ([{"a": 1}, {"b": 1}], ValueError, "different keys"),
        ([], ValueError, "at least one sample"),
    ],
)
def test_default_collate_errors(batch, error, match):
    with pytest.raises(error, match=match):
        default_collate(batch)


def test_custom_collate_fn_receives_the_samples():
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return samples

    batches = list(DataLoader(make_dataset(5), batch_size=2, collate_fn=collate))
    assert seen == [2, 2, 1]
    assert isinstance(batches[0], list) and isinstance(batches[0][0], tuple)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 0}, ValueError, "batch_size must be a positive int, got 0"),
        ({"batch_size": -3}, ValueError, "positive int"),
        ({"batch_size": 2.0}, TypeError, "positive int, got 2.0"),
        ({"batch_size": True}, TypeError, "positive int"),
        ({"batch_size": None}, TypeError, "positive int"),
        ({"generator": 1.5}, TypeError, "generator must be"),
        ({"collate_fn": 3}, TypeError, "collate_fn must be callable"),
    ],
)
def test_dataloader_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(make_dataset(4), **kwargs)


def test_dataloader_rejects_empty_and_non_datasets():
    with pytest.raises(ValueError, match="empty data set"):
        DataLoader(Subset(make_dataset(3), []))
    with pytest.raises(TypeError, match="map-style data set"):
        DataLoader(iter([1, 2]))


def test_batches_match_torch_dataloader_values(device):
    x = np.random.default_rng(0).standard_normal((17, 3)).astype(np.float32)
    y = np.arange(17, dtype=np.int64)
    ours = DataLoader(TensorDataset(from_numpy(x), from_numpy(y)), batch_size=5)
    torch_data = tud.TensorDataset(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device))
    theirs = tud.DataLoader(torch_data, batch_size=5)
    for (xb, yb), (tx, ty) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(xb._array, tx.cpu().numpy())
        np.testing.assert_array_equal(yb._array, ty.cpu().numpy())


def test_repr_mentions_settings():
    text = repr(DataLoader(make_dataset(4), batch_size=2, shuffle=True))
    assert "TensorDataset of 4" in text and "batch_size=2" in text and "shuffle=True" in text
