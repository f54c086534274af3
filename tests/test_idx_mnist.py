"""nnlib.datasets.idx and nnlib.datasets.mnist, without touching the network.

The tests write small IDX files themselves and point the loaders at a temporary
cache with matching checksums; downloads go through a fake ``urlopen``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib.datasets.mnist as mnist
from nnlib.datasets.idx import IDX_DTYPES, parse_idx, read_idx, to_idx_bytes, write_idx
from nnlib.datasets.mnist import FILES, SHA256, load_fashion_mnist, load_mnist
from nnlib.tensor import Tensor


def idx_by_hand(code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file built from the spec, independently of ``to_idx_bytes``."""
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", n) for n in shape) + payload


# ---------------------------------------------------------------- IDX parsing


def test_parse_uint8_images_3d():
    pixels = bytes(range(2 * 3 * 4))
    array = parse_idx(idx_by_hand(0x08, (2, 3, 4), pixels))
    assert array.dtype == np.uint8 and array.shape == (2, 3, 4)
    np.testing.assert_array_equal(array.ravel(), np.arange(24))


def test_parse_int32_labels_1d_big_endian():
    values = [1, -2, 70000, -(2**31)]
    array = parse_idx(idx_by_hand(0x0C, (4,), struct.pack(">4i", *values)))
    assert array.dtype == np.int32 and array.dtype.isnative
    assert array.tolist() == values


def test_parse_float64_and_int16():
    floats = parse_idx(idx_by_hand(0x0E, (2, 1), struct.pack(">2d", 0.5, -1e300)))
    assert floats.dtype == np.float64 and floats.ravel().tolist() == [0.5, -1e300]
    shorts = parse_idx(idx_by_hand(0x0B, (1,), struct.pack(">h", -300)))
    assert shorts.dtype == np.int16 and shorts.tolist() == [-300]


@pytest.mark.parametrize("compress", [False, True])
def test_read_plain_and_gzip_files(tmp_path, compress):
    images = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8)
    path = tmp_path / ("images.idx" + (".gz" if compress else ""))
    write_idx(images, path)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") is compress
    np.testing.assert_array_equal(read_idx(path), images)


@settings(max_examples=30, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from([np.dtype(d.name) for d in IDX_DTYPES.values()]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
        elements={"allow_nan": False},
    )
)
def test_round_trip_every_dtype(array):
    result = parse_idx(to_idx_bytes(array))
    assert result.dtype == array.dtype and result.shape == array.shape
    np.testing.assert_array_equal(result, array)


def test_wrong_magic():
    with pytest.raises(ValueError, match="not an IDX file: the magic number 01020803"):
        parse_idx(bytes([1, 2, 8, 3]) + bytes(100))


def test_unknown_dtype_code():
    with pytest.raises(ValueError, match="unknown IDX dtype code 0x0A"):
        parse_idx(idx_by_hand(0x0A, (1,), b"\x00"))


def test_truncated_header_and_data():
    with pytest.raises(ValueError, match="too short for an IDX header: 3 bytes"):
        parse_idx(b"\x00\x00\x08")
    with pytest.raises(ValueError, match="declares 3 dimensions and needs 16 bytes, got 8"):
        parse_idx(idx_by_hand(0x08, (5, 4, 4), b"")[:8])
    with pytest.raises(
        ValueError, match=r"truncated: shape \(5, 4, 4\) of uint8 needs 96 bytes, got 95"
    ):
        parse_idx(idx_by_hand(0x08, (5, 4, 4), bytes(79)))
    with pytest.raises(ValueError, match="int32 needs 16 bytes, got 14"):
        parse_idx(idx_by_hand(0x0C, (2,), bytes(6)))


def test_trailing_bytes():
    with pytest.raises(
        ValueError, match="3 trailing bytes: shape \\(2,\\) of uint8 needs 10 bytes, got 13"
    ):
        parse_idx(idx_by_hand(0x08, (2,), bytes(5)))


def test_read_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.idx does not exist"):
        read_idx(tmp_path / "missing.idx")
    damaged = tmp_path / "damaged.idx.gz"
    damaged.write_bytes(gzip.compress(to_idx_bytes(np.zeros(100, np.uint8)))[:30])
    with pytest.raises(ValueError, match="damaged.idx.gz is a damaged gzip file"):
        read_idx(damaged)
    truncated = tmp_path / "truncated.idx"
    truncated.write_bytes(idx_by_hand(0x08, (10,), bytes(4)))
    with pytest.raises(ValueError, match="truncated.idx is truncated"):
        read_idx(truncated)


def test_to_idx_bytes_rejects_unsupported_dtype():
    with pytest.raises(TypeError, match="IDX cannot store dtype int64"):
        to_idx_bytes(np.zeros(3, np.int64))


# ---------------------------------------------------------------- MNIST loader

N_TRAIN, N_TEST = 6, 4


def fake_mnist_files(seed: int = 0) -> dict[str, bytes]:
    """Small gzip IDX files with MNIST's names, shapes and dtypes."""
    rng = np.random.default_rng(seed)
    files = {}
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        image_name, label_name = FILES[split]
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255
        files[image_name] = gzip.compress(to_idx_bytes(images), mtime=0)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        files[label_name] = gzip.compress(to_idx_bytes(labels), mtime=0)
    return files


def checksums_of(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def put_in_cache(root, files: dict[str, bytes], folder: str = "mnist") -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / folder / name).write_bytes(data)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to download fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the test tried to use the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture
def fake_server(monkeypatch):
    """A fake ``urlopen`` serving ``served[url]``; raises URLError for other URLs."""
    served: dict[str, bytes] = {}
    requested: list[str] = []

    def urlopen(url, timeout=None):
        requested.append(url)
        if url not in served:
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        return io.BytesIO(served[url])

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return served, requested


def test_known_checksum_table_is_complete():
    for dataset in ("mnist", "fashion-mnist"):
        names = {name for pair in FILES.values() for name in pair}
        assert set(SHA256[dataset]) == names
        for digest in SHA256[dataset].values():
            assert len(digest) == 64 and int(digest, 16) >= 0


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize(("split", "n"), [("train", N_TRAIN), ("test", N_TEST)])
def test_loads_cached_files_without_download(tmp_path, split, n):
    files = fake_mnist_files()
    put_in_cache(tmp_path, files)
    images, labels = load_mnist(split, root=tmp_path, checksums=checksums_of(files))
    assert images.shape == (n, 28, 28) and images.dtype == np.float32
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    image_name, label_name = FILES[split]
    raw = parse_idx(gzip.decompress(files[image_name]))
    np.testing.assert_array_equal(images, raw.astype(np.float32) / 255)
    np.testing.assert_array_equal(labels, parse_idx(gzip.decompress(files[label_name])))


@pytest.mark.usefixtures("no_network")
def test_root_from_environment_and_as_tensor(tmp_path, monkeypatch):
    files = fake_mnist_files()
    put_in_cache(tmp_path, files, folder="fashion-mnist")
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path))
    images, labels = load_fashion_mnist("test", checksums=checksums_of(files), as_tensor=True)
    assert isinstance(images, Tensor) and images.shape == (N_TEST, 28, 28)
    assert isinstance(labels, Tensor) and labels.dtype == np.int64


def test_default_root_is_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert mnist.data_root() == tmp_path / ".cache" / "nnlib"
    assert mnist.data_root("~/data") == tmp_path / "data"


@pytest.mark.usefixtures("no_network")
def test_cached_file_with_wrong_checksum_is_an_error(tmp_path):
    files = fake_mnist_files()
    put_in_cache(tmp_path, files)
    sums = checksums_of(files)
    sums["train-images-idx3-ubyte.gz"] = "f" * 64
    with pytest.raises(RuntimeError, match="checksum mismatch for cached file .*train-images"):
        load_mnist(root=tmp_path, checksums=sums)


@pytest.mark.usefixtures("no_network")
def test_real_checksums_reject_fake_files(tmp_path):
    put_in_cache(tmp_path, fake_mnist_files())
    with pytest.raises(RuntimeError, match=f"expected {SHA256['mnist'][FILES['train'][0]]}"):
        load_mnist(root=tmp_path)


def test_download_writes_checked_files(tmp_path, fake_server):
    served, requested = fake_server
    files = fake_mnist_files()
    mirror = "https://example.org/mnist/"
    served.update({mirror + name: data for name, data in files.items()})
    images, _ = load_mnist("test", root=tmp_path, mirror=mirror, checksums=checksums_of(files))
    assert images.shape == (N_TEST, 28, 28)
    assert requested == [mirror + name for name in FILES["test"]]
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(FILES["test"])
    load_mnist("test", root=tmp_path, mirror=mirror, checksums=checksums_of(files))
    assert len(requested) == 2  # the second call is a cache hit


def test_mirror_from_environment_without_trailing_slash(tmp_path, fake_server, monkeypatch):
    served, requested = fake_server
    files = fake_mnist_files()
    served.update({"http://local/m/" + name: data for name, data in files.items()})
    monkeypatch.setenv("NNLIB_MNIST_MIRROR", "http://local/m")
    load_mnist("train", root=tmp_path, checksums=checksums_of(files))
    assert requested == ["http://local/m/" + name for name in FILES["train"]]


def test_bad_mirror_falls_back_to_the_next(tmp_path, fake_server, monkeypatch):
    served, requested = fake_server
    files = fake_mnist_files()
    monkeypatch.setitem(mnist.MIRRORS, "mnist", ("https://bad/", "https://good/"))
    for name, data in files.items():
        served["https://bad/" + name] = b"<html>not found</html>"
        served["https://good/" + name] = data
    load_mnist("test", root=tmp_path, checksums=checksums_of(files))
    assert requested[:2] == ["https://bad/" + FILES["test"][0], "https://good/" + FILES["test"][0]]
    assert not list((tmp_path / "mnist").glob("*.part"))


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, fake_server):
    served, _ = fake_server
    files = fake_mnist_files()
    for name in files:
        served["https://m/" + name] = b"tampered"
    with pytest.raises(RuntimeError, match="SHA-256 mismatch"):
        load_mnist("test", root=tmp_path, mirror="https://m/", checksums=checksums_of(files))
    assert list((tmp_path / "mnist").iterdir()) == []


def test_offline_error_names_url_and_where_to_put_the_file(tmp_path, fake_server):
    with pytest.raises(RuntimeError) as info:
        load_mnist("train", root=tmp_path)
    message = str(info.value)
    assert "are you offline?" in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz" in message
    assert "Temporary failure in name resolution" in message
    assert str(tmp_path / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert "NNLIB_MNIST_MIRROR" in message
    assert list((tmp_path / "mnist").iterdir()) == []


@pytest.mark.usefixtures("no_network")
def test_download_false_with_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz does not exist"):
        load_mnist("test", root=tmp_path, download=False)


@pytest.mark.usefixtures("no_network")
def test_bad_split(tmp_path):
    with pytest.raises(ValueError, match="split must be one of \\['test', 'train'\\], got 'val'"):
        load_mnist("val", root=tmp_path)


@pytest.mark.usefixtures("no_network")
def test_label_count_mismatch(tmp_path):
    files = fake_mnist_files()
    files["t10k-labels-idx1-ubyte.gz"] = gzip.compress(to_idx_bytes(np.zeros(3, np.uint8)))
    put_in_cache(tmp_path, files)
    with pytest.raises(ValueError, match=f"should hold {N_TEST} labels .* got shape \\(3,\\)"):
        load_mnist("test", root=tmp_path, checksums=checksums_of(files))


def test_http_error_is_not_reported_as_offline(tmp_path, monkeypatch):
    def not_found(url, timeout=None):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", not_found)
    with pytest.raises(RuntimeError, match="HTTP Error 404") as info:
        load_mnist("test", root=tmp_path, mirror="https://m/")
    assert "offline" not in str(info.value)
    assert "https://m/t10k-images-idx3-ubyte.gz" in str(info.value)
