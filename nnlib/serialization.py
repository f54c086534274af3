"""Save and load state dicts as ``.npz`` archives, without pickle.

``save(model.state_dict(), "model.npz")`` writes every tensor and array as its
own ``.npy`` entry of a zip archive (the ``.npz`` format of NumPy), named by its
key path with ``/`` between the levels (``"fc.weight"``, ``"state/0/exp_avg"``),
plus one JSON *manifest* that records the nesting (dicts, lists, tuples), the
kind of every leaf (tensor, array, NumPy scalar, int, float, str, bool, None) and
the dtype and shape of every array. ``load`` rebuilds the same object, bit for
bit: tensors come back as :class:`~nnlib.tensor.Tensor` (with their
``requires_grad``), arrays as arrays.

Why not pickle? Loading a pickle runs arbitrary code from the file; an ``.npz``
read with ``allow_pickle=False`` is only data. The archive is also readable
without nnlib: ``numpy.load("model.npz")["fc.weight"]``.

The file is written to a temporary file in the same folder and then renamed
over the target (``os.replace``, atomic), so a save that fails halfway never
leaves a broken file behind and keeps the old one intact.
"""

from __future__ import annotations

import json
import os
import uuid
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from nnlib.backend import CPU, Device, check_device, device_of, is_array, move
from nnlib.tensor import Tensor, _tensor_from_array

__all__ = ["load", "save"]

#: Name of the archive entry holding the JSON manifest.
MANIFEST = "__nnlib_manifest__"
#: Joins the key path of a leaf into its entry name; so it may not occur in a dict key.
SEPARATOR = "/"
FORMAT = "nnlib.serialization"
VERSION = 1


def _array_entry(
    array: np.ndarray, path: list[str], where: str, arrays: dict[str, np.ndarray]
) -> str:
    """Register ``array`` under the entry name made from ``path``; return that name."""
    if array.dtype.hasobject:
        raise TypeError(f"cannot save {where}: arrays of dtype object need pickle")
    name = SEPARATOR.join(path) or "root"
    if name in arrays or name == MANIFEST:
        raise ValueError(
            f"cannot save {where}: its entry name {name!r} is already taken "
            "(does a dict have both the keys 1 and '1'?)"
        )
    arrays[name] = array
    return name


def _encode(obj: Any, path: list[str], where: str, arrays: dict[str, np.ndarray]) -> dict:
    """Describe ``obj`` as a manifest node, collecting its arrays into ``arrays``."""
    if isinstance(obj, Tensor):
        array = np.asarray(move(obj._array, CPU))  # files hold CPU arrays, whatever the device
        return {
            "type": "tensor",
            "entry": _array_entry(array, path, where, arrays),
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "requires_grad": bool(obj.requires_grad),
            "device": str(obj.device),
        }
    if is_array(obj):  # a GPU array (optimizer state) is written from a host copy
        host = move(obj, CPU)
        return {
            "type": "ndarray",
            "entry": _array_entry(host, path, where, arrays),
            "dtype": host.dtype.str,
            "shape": list(host.shape),
            "device": str(device_of(obj)),
        }
    if isinstance(obj, np.generic):
        array = np.asarray(obj)
        entry = _array_entry(array, path, where, arrays)
        return {"type": "numpy_scalar", "entry": entry, "dtype": array.dtype.str, "shape": []}
    if obj is None:
        return {"type": "none"}
    if isinstance(obj, bool):
        return {"type": "bool", "value": obj}
    if isinstance(obj, int):
        return {"type": "int", "value": int(obj)}
    if isinstance(obj, float):
        return {"type": "float", "value": float(obj).hex()}  # exact, also for inf and nan
    if isinstance(obj, str):
        return {"type": "str", "value": obj}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, int) and not isinstance(key, bool):
                key_type = "int"
            elif isinstance(key, str):
                key_type = "str"
                if SEPARATOR in key:
                    raise ValueError(
                        f"cannot save {where}: key {key!r} contains {SEPARATOR!r}, "
                        "which separates the levels of a key path"
                    )
            else:
                raise TypeError(
                    f"cannot save {where}: dict keys must be str or int, "
                    f"got {type(key).__name__} ({key!r})"
                )
            node = _encode(value, [*path, str(key)], f"{where}[{key!r}]", arrays)
            items.append([key_type, str(key), node])
        ordered = isinstance(obj, OrderedDict)
        return {"type": "dict", "ordered": ordered, "items": items}
    if isinstance(obj, list | tuple):
        nodes = [
            _encode(value, [*path, str(i)], f"{where}[{i}]", arrays) for i, value in enumerate(obj)
        ]
        return {"type": "tuple" if isinstance(obj, tuple) else "list", "items": nodes}
    raise TypeError(
        f"cannot save {where}: unsupported type {type(obj).__name__}; save supports "
        "Tensor, numpy arrays and scalars, int, float, str, bool, None, and dicts, "
        "lists and tuples of them"
    )


def _write_archive(file: BinaryIO, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as the ``.npy`` entries of an uncompressed zip (an ``.npz``)."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save a state dict (or any nesting of supported values) to ``path``.

    Parameters
    ----------
    obj
        Typically ``module.state_dict()`` or ``optimizer.state_dict()``: dicts
        (str or int keys; str keys may not contain ``"/"``), lists and tuples of
        tensors, NumPy arrays and scalars, ints, floats, strs, bools and None.
    path : str or path-like
        The file to write, used as given (``.npz`` is the natural suffix).

    Raises
    ------
    TypeError
        An unsupported type; the message names its key path, e.g. ``obj['state'][0]``.
    """
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, [], "obj", arrays)
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    arrays[MANIFEST] = np.frombuffer(manifest.encode("utf-8"), dtype=np.uint8)

    path = Path(path)
    if not path.parent.is_dir():
        raise RuntimeError(
            f"save: parent directory {str(path.parent)!r} does not exist, so {str(path)!r} "
            "cannot be written; create the folder first (os.makedirs(folder, exist_ok=True))"
        )
    if path.is_dir():
        raise IsADirectoryError(f"save: {str(path)!r} is a folder; give a file name")
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as file:
            _write_archive(file, arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class _Corrupt(Exception):
    """A problem inside the archive; :func:`load` turns it into a ``ValueError``."""


def _decode(node: Any, archive: Any, where: str, place: Any) -> Any:
    if not isinstance(node, dict):
        raise _Corrupt(f"node of {where} is not an object")
    kind = node.get("type")
    if kind in ("tensor", "ndarray", "numpy_scalar"):
        name = node.get("entry")
        if not isinstance(name, str) or name not in archive.files:
            raise _Corrupt(f"entry {name!r} of {where} is missing")
        array = archive[name]
        if array.dtype.str != node.get("dtype") or list(array.shape) != node.get("shape"):
            raise _Corrupt(
                f"entry {name!r} of {where} is {array.dtype.str} of shape {array.shape}, "
                f"the manifest says {node.get('dtype')} of shape {node.get('shape')}"
            )
        if kind == "tensor":
            device = place(str(node.get("device", "cpu")))
            tensor = _tensor_from_array(array if device == "cpu" else move(array, device))
            tensor.requires_grad = bool(node.get("requires_grad", False))
            return tensor
        if kind == "numpy_scalar":
            return array[()]
        device = place(str(node.get("device", "cpu")))
        return array if device == "cpu" else move(array, device)
    if kind == "none":
        return None
    if kind in ("bool", "int", "str"):
        value = node.get("value")
        if type(value) is not {"bool": bool, "int": int, "str": str}[kind]:
            raise _Corrupt(f"value of {where} is not a {kind}")
        return value
    if kind == "float":
        return float.fromhex(node["value"])
    if kind in ("list", "tuple"):
        values = [
            _decode(item, archive, f"{where}[{i}]", place) for i, item in enumerate(node["items"])
        ]
        return tuple(values) if kind == "tuple" else values
    if kind == "dict":
        result = OrderedDict() if node.get("ordered") else {}
        for key_type, key, item in node["items"]:
            key = int(key) if key_type == "int" else key
            result[key] = _decode(item, archive, f"{where}[{key!r}]", place)
        return result
    raise _Corrupt(f"unknown node type {kind!r} at {where}")


def _placement(map_location: Any) -> Any:
    """``saved device -> device to load on``, checked (torch's ``map_location`` rules)."""
    if isinstance(map_location, (str, Device)) or hasattr(map_location, "type"):
        target = check_device(str(map_location))
        return lambda saved: target
    mapping = {}
    if isinstance(map_location, dict):
        mapping = {str(k): str(v) for k, v in map_location.items()}

    def place(saved: str) -> Device:
        wanted = mapping.get(saved, saved)
        try:
            return check_device(wanted)
        except RuntimeError as error:
            raise RuntimeError(
                f"Attempting to deserialize a tensor saved on {saved} where nnlib cannot use "
                f"{wanted} ({error}); load with map_location='cpu'"
            ) from None

    return place


def load(
    path: str | os.PathLike,
    map_location: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
) -> Any:
    """Load what :func:`save` wrote to ``path``.

    Tensors load on the device they were saved from, unless ``map_location`` says otherwise:
    a device (``"cpu"``, ``"cuda:0"``) for all of them, or a dict such as ``{"cuda:0": "cpu"}``
    from saved to new device. Loading a GPU tensor where nnlib has no GPU raises, as in torch.
    ``weights_only`` and ``mmap`` are accepted for torch code; nnlib's format never unpickles
    code, so loading is always as safe as torch's ``weights_only=True``.

    Returns
    -------
    The saved object with the same nesting, key types, dtypes, shapes and values;
    tensors as :class:`~nnlib.tensor.Tensor` (``requires_grad`` restored), arrays
    as ``numpy.ndarray``, NumPy scalars as NumPy scalars.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        ``path`` is not an nnlib archive or is damaged (not a zip file, missing or
        bad manifest, missing or inconsistent entries).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not an nnlib save file: it is not a zip (.npz) archive")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if MANIFEST not in archive.files:
                raise _Corrupt("it has no manifest (was it written by nnlib.save?)")
            try:
                manifest = json.loads(archive[MANIFEST].tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise _Corrupt(f"its manifest is not valid JSON ({error})") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise _Corrupt("its manifest is not an nnlib manifest")
            if manifest.get("version") != VERSION:
                raise _Corrupt(
                    f"its format version {manifest.get('version')!r} is not supported "
                    f"(this nnlib reads version {VERSION})"
                )
            return _decode(manifest.get("root"), archive, "obj", _placement(map_location))
    except _Corrupt as error:
        raise ValueError(f"{path} is not a valid nnlib save file: {error}") from None
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        zipfile.BadZipFile,
        EOFError,
        OSError,
        zlib.error,
    ) as error:
        raise ValueError(
            f"{path} is damaged or not an nnlib save file: {type(error).__name__}: {error}"
        ) from None
