"""Training-data fingerprints are stable and change with any difference in content or layout."""

from __future__ import annotations

import numpy as np

from homeiq_shared.fingerprint import fingerprint_arrays, fingerprint_json


def test_array_fingerprint_is_stable_and_content_sensitive() -> None:
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    y = np.array([0, 1, 0])
    base = fingerprint_arrays(x, y)

    assert base == fingerprint_arrays(x.copy(), y.copy())
    assert base == fingerprint_arrays(np.asfortranarray(x), y)  # memory layout does not matter
    changed = x.copy()
    changed[2, 3] += 1e-9
    assert fingerprint_arrays(changed, y) != base
    assert fingerprint_arrays(x.reshape(4, 3), y) != base  # same bytes, other shape
    assert fingerprint_arrays(x.astype(np.float32), y) != base  # other dtype
    assert fingerprint_arrays(y, x) != base  # order matters
    assert fingerprint_arrays(x) != base


def test_object_arrays_are_hashed_by_value() -> None:
    labels = np.array(["apartment", "house"], dtype=object)
    same = np.array(["apart" + "ment", "house"], dtype=object)
    assert fingerprint_arrays(labels) == fingerprint_arrays(same)
    assert fingerprint_arrays(labels) != fingerprint_arrays(np.array(["house", "apartment"], dtype=object))


def test_json_fingerprint_ignores_key_order_and_accepts_numpy_values() -> None:
    a = {"rows": np.int64(10), "homes": ["h1", "h2"], "seed": 42}
    b = {"seed": 42, "homes": ["h1", "h2"], "rows": 10}
    assert fingerprint_json(a) == fingerprint_json(b)
    assert fingerprint_json(a) != fingerprint_json({**b, "rows": 11})
