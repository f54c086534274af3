"""Read and write IDX files, the simple array format that MNIST is distributed in.

An IDX file is a header followed by the raw array, all big-endian:

========  =====================================================================
bytes     meaning
========  =====================================================================
0-1       zero
2         dtype code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
          0x0D float32, 0x0E float64
3         number of dimensions ``ndim``
4..       ``ndim`` sizes, each a big-endian uint32
then      the ``prod(sizes)`` values, big-endian, in C (row-major) order
========  =====================================================================

MNIST's image files are ``uint8`` with ``ndim = 3`` (N, 28, 28) and its label
files ``uint8`` with ``ndim = 1`` (N,). Files are often gzip-compressed
(``.gz``); :func:`read_idx` recognises that from the first bytes.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

__all__ = ["IDX_DTYPES", "parse_idx", "read_idx", "to_idx_bytes", "write_idx"]

#: IDX dtype code -> big-endian NumPy dtype of the stored values.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into an array.

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        How error messages call the data (e.g. its file name).

    Returns
    -------
    numpy.ndarray
        Shape as in the header, native byte order, dtype from the code
        (uint8, int8, int16, int32, float32 or float64).

    Raises
    ------
    ValueError
        Wrong magic number, unknown dtype code, truncated data or trailing bytes.
    """
    if len(data) < 4:
        raise ValueError(f"{name} is too short for an IDX header: {len(data)} bytes, need 4")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise ValueError(
            f"{name} is not an IDX file: the magic number {data[:4].hex()} "
            "does not start with two zero bytes"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.name})" for c, d in IDX_DTYPES.items())
        raise ValueError(f"{name} has unknown IDX dtype code 0x{code:02X}; known codes: {known}")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{name} is truncated: its header declares {ndim} dimensions and needs "
            f"{header_size} bytes, got {len(data)}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = IDX_DTYPES[code]
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) < expected:
        raise ValueError(
            f"{name} is truncated: shape {shape} of {dtype.name} needs {expected} bytes, "
            f"got {len(data)}"
        )
    if len(data) > expected:
        raise ValueError(
            f"{name} has {len(data) - expected} trailing bytes: shape {shape} of {dtype.name} "
            f"needs {expected} bytes, got {len(data)}"
        )
    values = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, plain or gzip-compressed, into an array (see :func:`parse_idx`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file {path} does not exist")
    data = path.read_bytes()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise ValueError(f"{path} is a damaged gzip file: {error}") from None
    return parse_idx(data, name=str(path))


def to_idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` (a dtype of :data:`IDX_DTYPES`, at most 255 dimensions) as IDX bytes."""
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        names = ", ".join(d.name for d in IDX_DTYPES.values())
        raise TypeError(f"IDX cannot store dtype {array.dtype}; supported: {names}")
    code = codes[native]
    dtype = IDX_DTYPES[code]
    if array.ndim > 255:
        raise ValueError(f"IDX stores at most 255 dimensions, got {array.ndim}")
    header = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=dtype).tobytes()


def write_idx(array: np.ndarray, path: str | os.PathLike, compress: bool | None = None) -> None:
    """Write ``array`` to an IDX file; gzip it when ``compress`` (default: path ends in ``.gz``)."""
    path = Path(path)
    data = to_idx_bytes(array)
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
