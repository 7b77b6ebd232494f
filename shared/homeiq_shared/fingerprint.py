"""Training-data fingerprints: stable sha256 digests of numpy arrays and JSON-able objects."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def json_default(value: Any) -> Any:
    """`json.dumps` default: numpy scalars and arrays, dates, paths and sets as plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def canonical_json(obj: Any) -> bytes:
    """Canonical UTF-8 JSON (sorted keys, no spaces) of `obj`; numpy values become Python values."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=json_default
    ).encode("utf-8")


def fingerprint_json(obj: Any) -> str:
    """Hex sha256 of the canonical JSON of `obj` (key order does not matter)."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def fingerprint_arrays(*arrays: ArrayLike) -> str:
    """Hex sha256 over the dtype, shape and bytes of each array, in order."""
    digest = hashlib.sha256()
    digest.update(f"arrays:{len(arrays)};".encode())
    for raw in arrays:
        array = np.asarray(raw)
        if array.dtype.kind == "O":
            # Object arrays hold pointers; hash their values instead.
            payload = canonical_json(array.tolist())
            header = f"object;{array.shape};{len(payload)};"
        else:
            array = np.ascontiguousarray(array)
            payload = array.tobytes()
            header = f"{array.dtype.str};{array.shape};{len(payload)};"
        digest.update(header.encode())
        digest.update(payload)
    return digest.hexdigest()
