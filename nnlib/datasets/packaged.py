"""Data files that ship inside the ``nnlib`` package, read and checked against their SHA-256.

The digits (chapter 4) and the book's prose (chapter 7) live under ``nnlib/datasets/data/``. A
damaged or edited copy would change every result quietly, so each file is read whole and its
digest compared with the one the loader expects before anything is parsed.
"""

from __future__ import annotations

import hashlib
from importlib import resources

__all__ = ["read_packaged_file"]


def read_packaged_file(filename: str, sha256: str, what: str, tool: str) -> bytes:
    """The bytes of ``nnlib/datasets/data/<filename>``, after checking their SHA-256.

    Parameters
    ----------
    filename : str
        The file's name under ``nnlib/datasets/data/``.
    sha256 : str
        The expected hex digest.
    what : str
        How error messages name the file (``"digits data file"``).
    tool : str
        The script that regenerates it, named in error messages.

    Raises
    ------
    FileNotFoundError
        If the file is missing from the installed package.
    RuntimeError
        If its SHA-256 differs from ``sha256``.
    """
    source = resources.files("nnlib.datasets").joinpath("data", filename)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"the {what} {source} is missing from the nnlib package; reinstall nnlib or run {tool}"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise RuntimeError(
            f"the {what} {source} is damaged: its SHA-256 is {digest}, "
            f"expected {sha256}; reinstall nnlib or run {tool}"
        )
    return data
