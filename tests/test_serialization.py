"""nnlib.serialization: pickle-free, atomic save/load of state dicts."""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.backend import CPU, device_of, is_array, move
from nnlib.serialization import MANIFEST, load, save
from nnlib.tensor import Tensor, from_numpy, tensor


def assert_same(loaded, original, where="obj"):
    """Recursive equality that also checks types, key types, dtypes and exact bits."""
    assert type(loaded) is type(original), f"{where}: {type(loaded)} vs {type(original)}"
    if isinstance(original, Tensor):
        assert loaded.requires_grad == original.requires_grad, where
        assert loaded.device == original.device, where  # loads where it was saved from
        assert_same(loaded.detach().cpu().numpy(), original.detach().cpu().numpy(), where)
    elif isinstance(original, np.ndarray | np.generic):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, where
        assert np.asarray(loaded).tobytes() == np.asarray(original).tobytes(), where
    elif is_array(original):  # a GPU array (optimizer state): same device, same bits
        assert device_of(loaded) == device_of(original), where
        assert_same(move(loaded, CPU), move(original, CPU), where)
    elif isinstance(original, dict):
        assert list(loaded) == list(original), where  # same keys, key types and order
        for key in original:
            assert_same(loaded[key], original[key], f"{where}[{key!r}]")
    elif isinstance(original, list | tuple):
        assert len(loaded) == len(original), where
        for i, (a, b) in enumerate(zip(loaded, original, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(original, float):
        assert math.copysign(1, loaded) == math.copysign(1, original), where
        assert loaded == original or (math.isnan(loaded) and math.isnan(original)), where
    else:
        assert loaded == original, where


def optimizer_like_state() -> dict:
    rng = np.random.default_rng(0)
    return {
        "state": {
            0: {"step": 3, "exp_avg": from_numpy(rng.standard_normal((2, 3)).astype(np.float32))},
            1: {"step": np.int64(3), "exp_avg": rng.standard_normal(4)},
        },
        "param_groups": [
            {
                "lr": 0.1,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "params": [0, 1],
                "nesterov": False,
                "maximize": None,
                "name": "body",
            }
        ],
    }


def test_round_trip_of_a_model_state_dict(tmp_path):
    rng = np.random.default_rng(1)
    state = OrderedDict(
        [
            ("fc1.weight", from_numpy(rng.standard_normal((4, 3)).astype(np.float32))),
            ("fc1.bias", Tensor(rng.standard_normal(4), requires_grad=True)),
            ("bn.num_batches_tracked", from_numpy(np.array(7, dtype=np.int64))),
            ("mask", from_numpy(rng.random((2, 2)) > 0.5)),
            ("half", from_numpy(rng.standard_normal(3).astype(np.float16))),
            ("pixels", rng.integers(0, 256, (2, 5), dtype=np.uint8)),
            ("empty", from_numpy(np.zeros((0, 3), np.float32))),
        ]
    )
    path = tmp_path / "model.npz"
    save(state, path)
    loaded = load(path)
    assert isinstance(loaded, OrderedDict)
    assert_same(loaded, state)
    assert loaded["fc1.bias"].requires_grad and loaded["fc1.bias"].is_leaf


def test_round_trip_of_an_optimizer_state_dict(tmp_path):
    state = optimizer_like_state()
    save(state, tmp_path / "opt.npz")
    loaded = load(tmp_path / "opt.npz")
    assert_same(loaded, state)
    assert set(loaded["state"]) == {0, 1}  # int keys stay ints
    assert isinstance(loaded["param_groups"][0]["betas"], tuple)


def test_special_floats_and_big_ints_are_exact(tmp_path):
    values = [
        0.1,
        -0.0,
        float("inf"),
        -float("inf"),
        float("nan"),
        5e-324,
        1.7976931348623157e308,
        2**80,
        -(2**70),
        "",
        "ünïcode / text",
        True,
        None,
    ]
    save(values, tmp_path / "values.npz")
    assert_same(load(tmp_path / "values.npz"), values)


@settings(max_examples=30, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(["float32", "float64", "float16", "int8", "int32", "int64", "bool"]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    ),
    as_tensor=st.booleans(),
)
def test_arrays_round_trip_bit_exactly(tmp_path_factory, array, as_tensor):
    path = tmp_path_factory.mktemp("h") / "a.npz"
    value = from_numpy(array) if as_tensor else array
    save({"x": value, "nested": [value]}, path)
    assert_same(load(path), {"x": value, "nested": [value]})


def test_top_level_leaf_and_numpy_scalars(tmp_path):
    for obj in (from_numpy(np.arange(3.0)), np.float32(2.5), np.bool_(True), 4, "x", None, []):
        save(obj, tmp_path / "leaf.npz")
        assert_same(load(tmp_path / "leaf.npz"), obj)


def test_archive_is_plain_npz_readable_without_pickle(tmp_path):
    state = optimizer_like_state()
    save({"fc.weight": from_numpy(np.eye(2, dtype=np.float32)), "opt": state}, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["fc.weight"], np.eye(2))
        np.testing.assert_array_equal(archive["opt/state/1/exp_avg"], state["state"][1]["exp_avg"])
        manifest = json.loads(archive[MANIFEST].tobytes())
    assert manifest["format"] == "nnlib.serialization" and manifest["version"] == 1


def test_save_overwrites_atomically(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"a": 1}, path)
    save({"a": 2}, path)
    assert load(path) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]


def failing_writer(file, array, **kwargs):
    file.write(b"half of an array")
    raise OSError("disk full")


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    old = {"w": from_numpy(np.arange(4.0))}
    save(old, path)
    before = path.read_bytes()
    monkeypatch.setattr(np.lib.format, "write_array", failing_writer)
    with pytest.raises(OSError, match="disk full"):
        save({"w": from_numpy(np.zeros(4))}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]  # no temporary file left
    assert_same(load(path), old)


def test_interrupted_first_save_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(np.lib.format, "write_array", failing_writer)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.zeros(3)}, tmp_path / "new.npz")
    assert list(tmp_path.iterdir()) == []


def test_unsupported_values_name_their_key_path(tmp_path):
    state = optimizer_like_state()
    state["state"][1]["closure"] = lambda: None
    with pytest.raises(
        TypeError, match=r"obj\['state'\]\[1\]\['closure'\]: unsupported type function"
    ):
        save(state, tmp_path / "x.npz")
    with pytest.raises(TypeError, match=r"obj\['a'\]\[0\]: unsupported type set"):
        save({"a": [{1, 2}]}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match=r"obj\['a'\]: arrays of dtype object need pickle"):
        save({"a": np.array([None, 1], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match=r"dict keys must be str or int, got tuple"):
        save({"a": {(1, 2): 3}}, tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == []  # nothing written for a bad object


def test_reserved_separator_and_colliding_keys(tmp_path):
    with pytest.raises(ValueError, match="key 'a/b' contains '/'"):
        save({"a/b": np.zeros(1)}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="entry name 'd/1' is already taken"):
        save({"d": {1: np.zeros(1), "1": np.ones(1)}}, tmp_path / "x.npz")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*nothing.npz"):
        load(tmp_path / "nothing.npz")


def test_not_a_zip(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello")
    with pytest.raises(ValueError, match="notes.npz is not an nnlib save file: it is not a zip"):
        load(path)


def test_zip_without_manifest(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.zeros(2))
    with pytest.raises(ValueError, match="has no manifest"):
        load(path)


def write_zip(path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def manifest_entry(text: str) -> bytes:
    return npy_bytes(np.frombuffer(text.encode(), dtype=np.uint8))


@pytest.mark.parametrize(
    ("manifest", "match"),
    [
        ("{not json", "manifest is not valid JSON"),
        ('{"format": "other", "version": 1, "root": {}}', "not an nnlib manifest"),
        ('{"format": "nnlib.serialization", "version": 99, "root": {}}', "version 99"),
        ('{"format": "nnlib.serialization", "version": 1, "root": {"type": "x"}}', "unknown node"),
        (
            '{"format": "nnlib.serialization", "version": 1, "root": {"type": "list"}}',
            "KeyError: 'items'",
        ),
        (
            '{"format": "nnlib.serialization", "version": 1, '
            '"root": {"type": "ndarray", "entry": "w", "dtype": "<f8", "shape": [2]}}',
            "entry 'w' of obj is missing",
        ),
    ],
)
def test_bad_manifests(tmp_path, manifest, match):
    path = tmp_path / "bad.npz"
    write_zip(path, {f"{MANIFEST}.npy": manifest_entry(manifest)})
    with pytest.raises(ValueError, match=match):
        load(path)


def test_entry_that_disagrees_with_manifest(tmp_path):
    path = tmp_path / "bad.npz"
    manifest = (
        '{"format": "nnlib.serialization", "version": 1, '
        '"root": {"type": "ndarray", "entry": "w", "dtype": "<f8", "shape": [2]}}'
    )
    write_zip(path, {f"{MANIFEST}.npy": manifest_entry(manifest), "w.npy": npy_bytes(np.zeros(3))})
    with pytest.raises(ValueError, match=r"entry 'w' of obj is <f8 of shape \(3,\)"):
        load(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": np.arange(1000.0), "b": np.arange(10.0)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="ckpt.npz is not an nnlib save file: it is not a zip"):
        load(path)


def test_corrupted_bytes_inside_an_entry(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": np.arange(1000.0)}, path)
    data = bytearray(path.read_bytes())
    start = data.index(b"NUMPY")
    data[start : start + 6] = b"XXXXXX"  # break the .npy header of the first entry
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged or not an nnlib save file"):
        load(path)


def test_real_module_and_optimizer_checkpoint(tmp_path):
    from nnlib.nn.linear import Linear
    from nnlib.optim.adam import Adam

    model = Linear(3, 2)
    optimizer = Adam(model.parameters(), lr=0.01)
    loss = (model(tensor(np.ones((4, 3), np.float32))) ** 2).sum()
    loss.backward()
    optimizer.step()
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 1}
    save(checkpoint, tmp_path / "ckpt.npz")
    loaded = load(tmp_path / "ckpt.npz")
    assert_same(loaded["model"], checkpoint["model"])
    assert_same(loaded["optimizer"], checkpoint["optimizer"])
    restored = Linear(3, 2)
    restored.load_state_dict(loaded["model"])
    np.testing.assert_array_equal(restored.weight._array, model.weight._array)
