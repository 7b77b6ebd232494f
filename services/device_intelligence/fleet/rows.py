"""What a fleet training run holds per device-day, and what it reads again from the parts instead.

A fleet of 10^8 device-days must fit one machine, so the run never holds every row's 11 metrics (88
bytes a row as float64) nor its features (on disk, read part by part): it holds the keys the split and
the labels need (device index and day, int32), the split's row masks and the labels (1 byte each). The
rest is read again from the parts when it is needed:

- the training data's fingerprint (`retraining.dataset_fingerprint`: row keys, metrics, ground truth)
  is the same sha256, fed array by array and part by part (`StreamedFingerprint`);
- the rule baseline and the test figures need the test rows only: `test_part` is a dataset of those
  rows (metrics float64, as `repository.load_dataset` gives them) with a split whose test mask is all
  true. The figures only read the masked rows and the per-device ground truth, so they are the same as
  over the whole dataset (tests/fleet compares them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from numpy.typing import DTypeLike, NDArray

from device_intelligence.evaluation import Split
from device_intelligence.telemetry import METRIC_NAMES, TelemetryDataset, failure_labels
from device_intelligence.telemetry_features import FEATURE_SCHEMA_VERSION
from homeiq_shared.fingerprint import canonical_json

KEY_DTYPE = np.int32  # device index and day of every row: 8 bytes a row instead of 16
DEVICE_COLUMNS = ("device_id", "failure_day", "failure_kind", "episode_start", "category", "power_source",
                  "protocol")  # fmt: skip


class FleetDataError(ValueError):
    """A folder that is not a usable fleet dataset (no summary, no parts, no failure to learn from)."""


@dataclass
class FleetRows:
    """Every device-day of the fleet as keys only, with its parts (the metrics and features stay there).

    `dataset` is a `TelemetryDataset` whose `values` has no column: the split, the labels and the
    per-device ground truth read it; nothing may read its metrics (`metric_values` reads them from the parts).
    """

    dataset: TelemetryDataset
    parts: list[Path]
    part_rows: list[int]

    def part_slices(self) -> list[slice]:
        """The rows of each part in the dataset's order."""
        return _slices(self.part_rows)


def _slices(sizes: list[int]) -> list[slice]:
    ends = np.cumsum(sizes)
    return [slice(int(e - n), int(e)) for e, n in zip(ends, sizes, strict=True)]


def load_rows(parts: list[Path], start: date) -> FleetRows:
    """The keys of the device-day parts as one dataset (metrics and features left on disk).

    Devices never span parts; the per-row arrays are allocated once at their final size (from the
    parts' footers) and filled part by part.
    """
    sizes = [pq.read_metadata(path).num_rows for path in parts]
    if sum(sizes) == 0:
        raise FleetDataError("the fleet has no device-days")
    if sum(sizes) >= np.iinfo(KEY_DTYPE).max:
        raise FleetDataError(f"{sum(sizes):,} device-days: more than one run's row keys can index")
    row_device = np.empty(sum(sizes), dtype=KEY_DTYPE)
    row_day = np.empty(sum(sizes), dtype=KEY_DTYPE)
    devices: dict[str, list[NDArray[Any]]] = {name: [] for name in DEVICE_COLUMNS}
    offset = 0
    for path, rows in zip(parts, _slices(sizes), strict=True):
        t = pq.read_table(path, columns=["day", *DEVICE_COLUMNS])
        dev = t["device_id"].to_numpy(zero_copy_only=False)
        first = np.r_[True, dev[1:] != dev[:-1]] if dev.size else np.zeros(0, dtype=bool)
        for name, kept in devices.items():  # per device: its first row's values
            kept.append(t[name].to_numpy(zero_copy_only=False)[first])
        row_device[rows] = np.cumsum(first) - 1 + offset
        row_day[rows] = t["day"].to_numpy()
        offset += int(first.sum())
        del t, dev, first

    def joined(name: str) -> NDArray[Any]:
        return np.concatenate(devices[name])

    dataset = TelemetryDataset(
        device_ids=joined("device_id").astype(str), category=joined("category").astype(str),
        power=joined("power_source").astype(str), protocol=joined("protocol").astype(str),
        failure_day=joined("failure_day").astype(np.int64), failure_kind=joined("failure_kind").astype(str),
        episode_start=joined("episode_start").astype(np.int64), row_device=row_device, row_day=row_day,
        values=np.empty((row_day.size, 0)), start_date=start, info={"source": "fleet device-day parts"},
    )  # fmt: skip
    return FleetRows(dataset, parts, sizes)


def labels(rows: FleetRows, horizon_days: int) -> NDArray[np.int8]:
    """`telemetry.failure_labels` of every row, computed part by part (no whole-fleet int64 temporaries)."""
    ds = rows.dataset
    out = np.empty(ds.n_rows, dtype=np.int8)
    for part in rows.part_slices():
        chunk = dataclasses.replace(ds, row_device=ds.row_device[part], row_day=ds.row_day[part])
        out[part] = failure_labels(chunk, horizon_days)
    return out


def metric_values(path: Path) -> NDArray[np.float64]:
    """The 11 metrics of one part's rows, float64 as `repository.load_dataset` holds them (stored float32)."""
    t = pq.read_table(path, columns=list(METRIC_NAMES))
    out = np.empty((t.num_rows, len(METRIC_NAMES)), dtype=np.float64)
    for j, name in enumerate(METRIC_NAMES):
        out[:, j] = t[name].to_numpy()
    return out


class StreamedFingerprint:
    """`homeiq_shared.fingerprint.fingerprint_arrays`, fed in pieces: each array is announced by its dtype
    and shape, then its bytes follow in row order, part by part; no array is ever copied whole."""

    def __init__(self, arrays: int) -> None:
        self._digest = hashlib.sha256(f"arrays:{arrays};".encode())
        self._dtype: np.dtype[Any] = np.dtype(np.float64)

    def begin(self, dtype: DTypeLike, shape: tuple[int, ...]) -> None:
        """Start the next array: `dtype` and `shape` of the whole array."""
        self._dtype = np.dtype(dtype)
        shape = tuple(int(n) for n in shape)
        self._digest.update(f"{self._dtype.str};{shape};{self._dtype.itemsize * math.prod(shape)};".encode())

    def feed(self, rows: NDArray[Any]) -> None:
        """The next rows of the current array (cast to its dtype)."""
        self._digest.update(np.ascontiguousarray(rows, dtype=self._dtype).data)

    def whole(self, array: NDArray[Any]) -> None:
        """A whole (small) array, as `fingerprint_arrays` hashes it."""
        if array.dtype.kind == "O":
            payload = canonical_json(array.tolist())
            self._digest.update(f"object;{array.shape};{len(payload)};".encode())
            self._digest.update(payload)
        else:
            self.begin(array.dtype, array.shape)
            self.feed(array)

    def hexdigest(self) -> str:
        """The digest so far (hex)."""
        return self._digest.hexdigest()


def fingerprint_and_test_part(
    rows: FleetRows, split: Split, horizon_days: int
) -> tuple[str, TelemetryDataset, Split]:
    """`retraining.dataset_fingerprint` of the fleet's rows and the test part (`test_part`), in one pass
    over the parts' metrics.

    The fingerprint hashes the rows as `repository.load_dataset` would hold them (int64 keys, float64
    metrics, int64 failure days), so a fleet and the same rows loaded otherwise share it.
    """
    ds = rows.dataset
    n = ds.n_rows
    digest = StreamedFingerprint(5)
    for keys in (ds.row_device, ds.row_day):
        digest.begin(np.int64, (n,))
        for part in rows.part_slices():
            digest.feed(keys[part])
    digest.begin(np.float64, (n, len(METRIC_NAMES)))
    test_values = np.empty((int(split.test.sum()), len(METRIC_NAMES)), dtype=np.float64)
    filled = 0
    for path, part in zip(rows.parts, rows.part_slices(), strict=True):
        values = metric_values(path)
        if values.shape[0] != part.stop - part.start:
            raise FleetDataError(f"{path} changed while the run read it")
        digest.feed(values)
        chosen = values[split.test[part]]
        test_values[filled : filled + chosen.shape[0]] = chosen
        filled += chosen.shape[0]
        del values, chosen
    digest.whole(ds.failure_day)
    digest.whole(np.array([horizon_days, FEATURE_SCHEMA_VERSION], dtype=object))
    return (digest.hexdigest(), *test_part(ds, split, test_values))


def test_part(
    ds: TelemetryDataset, split: Split, test_values: NDArray[np.float64]
) -> tuple[TelemetryDataset, Split]:
    """The test rows of `ds` (with their metrics `test_values`) as a dataset of their own, and the split
    on it: every row is a test row; cutoff, method and device parts are the fleet's."""
    test = split.test
    part = dataclasses.replace(
        ds,
        row_device=ds.row_device[test].astype(np.int64),
        row_day=ds.row_day[test].astype(np.int64),
        values=test_values,
    )
    none = np.zeros(part.n_rows, dtype=bool)
    return part, dataclasses.replace(split, train=none, val=none, test=np.ones(part.n_rows, dtype=bool))
