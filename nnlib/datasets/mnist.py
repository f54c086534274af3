"""MNIST and Fashion-MNIST: download once, check, cache, load.

Each data set is four gzip-compressed IDX files (see :mod:`nnlib.datasets.idx`):
training and test images, training and test labels. :func:`load_mnist` and
:func:`load_fashion_mnist` look for them in a cache folder; a missing file is
downloaded from a mirror (with nothing but :mod:`urllib.request`), written to a
temporary file, checked against its known SHA-256 and only then renamed into
place, so the cache never holds a partial or wrong file.

Where things are
----------------
* cache: ``<root>/mnist/`` and ``<root>/fashion-mnist/``; ``root`` is the
  argument, else the environment variable ``NNLIB_DATA``, else ``~/.cache/nnlib``.
  To work offline, put the four ``.gz`` files there by hand.
* mirror: the ``mirror`` argument (a base URL ending in ``/``), else the
  environment variable ``NNLIB_MNIST_MIRROR`` (``NNLIB_FASHION_MNIST_MIRROR``
  for Fashion-MNIST), else the public mirrors in :data:`MIRRORS`, tried in order.

Sources: MNIST by Y. LeCun, C. Cortes and C. J. C. Burges
(http://yann.lecun.com/exdb/mnist/); Fashion-MNIST by H. Xiao, K. Rasul and
R. Vollgraf (2017), Zalando Research, MIT licence
(https://github.com/zalandoresearch/fashion-mnist).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nnlib.datasets.idx import read_idx
from nnlib.tensor import Tensor, from_numpy

__all__ = [
    "FASHION_CLASSES",
    "FILES",
    "MIRRORS",
    "MIRROR_ENV",
    "SHA256",
    "data_root",
    "fetch_file",
    "load_fashion_mnist",
    "load_mnist",
]

#: Split -> (image file, label file); the same names for both data sets.
FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

#: Data set -> public base URLs, tried in order.
MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion-mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
}

#: Data set -> environment variable naming a mirror to use instead of :data:`MIRRORS`.
MIRROR_ENV: dict[str, str] = {
    "mnist": "NNLIB_MNIST_MIRROR",
    "fashion-mnist": "NNLIB_FASHION_MNIST_MIRROR",
}

#: Data set -> file name -> SHA-256 of the standard distribution's ``.gz`` file.
SHA256: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": (
            "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc"
        ),
        "train-labels-idx1-ubyte.gz": (
            "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf"
        ),
    },
}

#: Class names of Fashion-MNIST, indexed by label.
FASHION_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Seconds to wait for a mirror to answer.
TIMEOUT = 60

_CHUNK = 1 << 20


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``root``, else ``$NNLIB_DATA``, else ``~/.cache/nnlib``."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get("NNLIB_DATA"):
        return Path(os.environ["NNLIB_DATA"]).expanduser()
    return Path.home() / ".cache" / "nnlib"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(url: str, target: Path, sha256: str) -> None:
    """Download ``url`` to a temporary file next to ``target``, check it, rename it."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    temporary = Path(temporary)
    try:
        digest = hashlib.sha256()
        with (
            os.fdopen(handle, "wb") as file,
            urllib.request.urlopen(url, timeout=TIMEOUT) as answer,
        ):
            for chunk in iter(lambda: answer.read(_CHUNK), b""):
                digest.update(chunk)
                file.write(chunk)
        if digest.hexdigest() != sha256:
            raise ValueError(f"SHA-256 mismatch: got {digest.hexdigest()}, expected {sha256}")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def fetch_file(
    name: str,
    folder: Path,
    sha256: str,
    mirrors: tuple[str, ...],
    download: bool = True,
    mirror_env: str | None = None,
) -> Path:
    """Return ``folder / name``, downloading it from the first working mirror if missing.

    A cached file is checked against ``sha256`` too; a mismatch is an error
    (delete the file to download it again).

    Raises
    ------
    RuntimeError
        Checksum mismatch of the cached file, or no mirror gave the right file
        (offline, HTTP error, wrong checksum); the message names the URLs.
    FileNotFoundError
        The file is missing and ``download`` is False.
    """
    target = folder / name
    urls = [mirror + name for mirror in mirrors]
    if target.is_file():
        digest = _sha256_of(target)
        if digest != sha256:
            raise RuntimeError(
                f"checksum mismatch for cached file {target}: SHA-256 {digest}, expected "
                f"{sha256}; delete the file to download it again"
            )
        return target
    if not download:
        raise FileNotFoundError(
            f"{target} does not exist and download=False; download it from one of "
            f"{', '.join(urls)} and put it there"
        )
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    offline = True
    for url in urls:
        print(f"Downloading {url} to {target}", file=sys.stderr)
        try:
            _download(url, target, sha256)
            return target
        except (urllib.error.URLError, OSError, ValueError) as error:
            unreachable = isinstance(error, urllib.error.URLError) and not isinstance(
                error, urllib.error.HTTPError
            )
            offline = offline and unreachable
            failures.append(f"{url}: {error}")
    other_mirror = "the mirror= argument" + (f" or ${mirror_env}" if mirror_env else "")
    raise RuntimeError(
        f"could not download {name}{' (are you offline?)' if offline else ''}. Tried:\n  "
        + "\n  ".join(failures)
        + f"\nDownload the file by hand and put it at {target}, "
        f"or choose another mirror with {other_mirror}."
    )


def _load(
    dataset: str,
    split: str,
    root: str | os.PathLike | None,
    mirror: str | None,
    download: bool,
    checksums: Mapping[str, str] | None,
    as_tensor: bool,
) -> tuple[np.ndarray, np.ndarray] | tuple[Tensor, Tensor]:
    if split not in FILES:
        raise ValueError(f"split must be one of {sorted(FILES)}, got {split!r}")
    mirror = mirror or os.environ.get(MIRROR_ENV[dataset]) or None
    if mirror is not None and not mirror.endswith("/"):
        mirror += "/"
    mirrors = (mirror,) if mirror is not None else MIRRORS[dataset]
    known = {**SHA256[dataset], **(checksums or {})}
    folder = data_root(root) / dataset
    image_file, label_file = (
        fetch_file(name, folder, known[name], mirrors, download, MIRROR_ENV[dataset])
        for name in FILES[split]
    )
    images, labels = read_idx(image_file), read_idx(label_file)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{image_file} should hold uint8 images of shape (N, H, W), "
            f"got {images.dtype} of shape {images.shape}"
        )
    if labels.shape != images.shape[:1]:
        raise ValueError(
            f"{label_file} should hold {images.shape[0]} labels (one per image), "
            f"got shape {labels.shape}"
        )
    images = images.astype(np.float32) / np.float32(255)
    labels = labels.astype(np.int64)
    if as_tensor:
        return from_numpy(images), from_numpy(labels)
    return images, labels


def load_mnist(
    split: str = "train",
    root: str | os.PathLike | None = None,
    mirror: str | None = None,
    download: bool = True,
    checksums: Mapping[str, str] | None = None,
    as_tensor: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[Tensor, Tensor]:
    """Load the MNIST handwritten digits (downloading them on first use).

    Parameters
    ----------
    split : {"train", "test"}
        60000 training or 10000 test images.
    root : path, optional
        Cache folder (files go to ``root/mnist/``); default ``$NNLIB_DATA`` or
        ``~/.cache/nnlib``.
    mirror : str, optional
        Base URL to download from; default ``$NNLIB_MNIST_MIRROR`` or :data:`MIRRORS`.
    download : bool, default True
        Download missing files; with ``False`` a missing file is an error.
    checksums : mapping of file name to SHA-256, optional
        Override entries of :data:`SHA256` (for other copies of the files).
    as_tensor : bool, default False
        Return nnlib tensors instead of NumPy arrays.

    Returns
    -------
    images : float32, shape (N, 28, 28), values in [0, 1]
    labels : int64, shape (N,), values 0..9
    """
    return _load("mnist", split, root, mirror, download, checksums, as_tensor)


def load_fashion_mnist(
    split: str = "train",
    root: str | os.PathLike | None = None,
    mirror: str | None = None,
    download: bool = True,
    checksums: Mapping[str, str] | None = None,
    as_tensor: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[Tensor, Tensor]:
    """Load Fashion-MNIST (Zalando article images; same shapes and classes count as MNIST).

    Arguments and returns as :func:`load_mnist`; files are cached in
    ``root/fashion-mnist/`` and the mirror variable is ``NNLIB_FASHION_MNIST_MIRROR``.
    Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot (see :data:`FASHION_CLASSES`).
    """
    return _load("fashion-mnist", split, root, mirror, download, checksums, as_tensor)
