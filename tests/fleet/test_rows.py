"""A fleet run holds row keys only: its split, labels, fingerprint and test figures equal whole-array ones.

The reference reads every part whole (int64 keys, float64 metrics, as the run did before it streamed)
and calls the same functions on that dataset. Needs pyarrow (the [fleet] extra); no cluster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("lightgbm")

from device_intelligence.evaluation import device_time_split  # noqa: E402
from device_intelligence.failure import held_out_metrics  # noqa: E402
from device_intelligence.failure import model as failure_model  # noqa: E402
from device_intelligence.failure.model import FailureModel  # noqa: E402
from device_intelligence.fleet.device_days import device_days_table  # noqa: E402
from device_intelligence.fleet.rows import (  # noqa: E402
    StreamedFingerprint,
    fingerprint_and_test_part,
    labels,
    load_rows,
)
from device_intelligence.fleet.training import FleetTrainOptions, train_device_days  # noqa: E402
from device_intelligence.retraining import dataset_fingerprint  # noqa: E402
from device_intelligence.telemetry import METRIC_NAMES, TelemetryDataset, failure_labels  # noqa: E402
from device_intelligence.telemetry_features import FEATURE_NAMES  # noqa: E402
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet  # noqa: E402
from homeiq_shared.fingerprint import fingerprint_arrays  # noqa: E402
from homeiq_shared.fleet_layout import COMPRESSION, DEVICE_DAYS, part_path, table_parts  # noqa: E402
from homeiq_shared.model_registry import ModelRegistry  # noqa: E402

H = 7
OPTIONS = SimulationOptions(n_devices=150, days=90)


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three device-day parts of simulated devices (as bench/bench_fleet.py writes them)."""
    root = tmp_path_factory.mktemp("fleet")
    for shard in range(3):
        ds = simulate_fleet(OPTIONS, np.random.default_rng([3, shard]))
        ds.device_ids = np.array([f"p{shard}:{d}" for d in ds.device_ids])
        path = part_path(root, DEVICE_DAYS, "simulated", shard)
        path.parent.mkdir(parents=True)
        homes = np.full(ds.n_devices, f"home{shard}")
        pq.write_table(device_days_table(ds, homes), path, compression=COMPRESSION)
    return table_parts(root, DEVICE_DAYS)


def _whole(parts: list[Path]) -> tuple[TelemetryDataset, np.ndarray]:
    """Every part read whole into one dataset (int64 keys, float64 metrics) and the features."""
    import pyarrow as pa

    t = pa.concat_tables([pq.read_table(p) for p in parts])
    dev = t["device_id"].to_numpy(zero_copy_only=False)
    first = np.r_[True, dev[1:] != dev[:-1]]

    def per_device(name: str) -> np.ndarray:
        return t[name].to_numpy(zero_copy_only=False)[first]

    ds = TelemetryDataset(
        device_ids=per_device("device_id").astype(str), category=per_device("category").astype(str),
        power=per_device("power_source").astype(str), protocol=per_device("protocol").astype(str),
        failure_day=per_device("failure_day").astype(np.int64),
        failure_kind=per_device("failure_kind").astype(str),
        episode_start=per_device("episode_start").astype(np.int64),
        row_device=(np.cumsum(first) - 1).astype(np.int64), row_day=t["day"].to_numpy().astype(np.int64),
        values=np.column_stack([t[m].to_numpy() for m in METRIC_NAMES]).astype(np.float64),
        start_date=OPTIONS.start_date,
    )  # fmt: skip
    x = np.column_stack([t[f].to_numpy() for f in FEATURE_NAMES]).astype(np.float64)
    return ds, x


def _same(a: Any, b: Any) -> None:
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def test_streamed_fingerprint_is_fingerprint_arrays() -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 9, 50), rng.normal(size=(50, 11)), np.array([7, "v"], dtype=object)]
    streamed = StreamedFingerprint(len(arrays))
    streamed.begin(np.int64, (50,))
    for lo in range(0, 50, 17):  # chunk boundaries do not matter; int32 chunks are widened
        streamed.feed(arrays[0][lo : lo + 17].astype(np.int32))
    streamed.begin(np.float64, (50, 11))
    streamed.feed(arrays[1][:20])
    streamed.feed(arrays[1][20:])
    streamed.whole(arrays[2])
    assert streamed.hexdigest() == fingerprint_arrays(*arrays)


def test_keys_only_rows_give_the_whole_dataset_split_labels_fingerprint_and_test_figures(
    parts: list[Path],
) -> None:
    whole, _x = _whole(parts)
    rows = load_rows(parts, OPTIONS.start_date)
    ds = rows.dataset
    assert ds.values.shape == (whole.n_rows, 0)  # no metric held
    np.testing.assert_array_equal(ds.row_device, whole.row_device)
    np.testing.assert_array_equal(ds.row_day, whole.row_day)
    split = device_time_split(ds, H, np.random.default_rng(5))
    ref_split = device_time_split(whole, H, np.random.default_rng(5))
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(split, name), getattr(ref_split, name))
    assert split.method == ref_split.method
    y = labels(rows, H)
    np.testing.assert_array_equal(y, failure_labels(whole, H))

    fingerprint, test_ds, test_split = fingerprint_and_test_part(rows, split, H)
    assert fingerprint == dataset_fingerprint(whole, H)
    np.testing.assert_array_equal(test_ds.values, whole.values[ref_split.test])
    y_test = y[split.test]
    assert 0 < int(y_test.sum()) < y_test.size
    _same(
        held_out_metrics.baseline_metrics(test_ds, test_split, y_test, H),
        held_out_metrics.baseline_metrics(whole, ref_split, y_test, H),
    )


def test_a_local_fleet_run_records_what_the_whole_dataset_gives(parts: list[Path], tmp_path: Path) -> None:
    """The registered version's fingerprint and test figures, recomputed on the whole dataset."""
    result = train_device_days(
        None, parts, OPTIONS.start_date, tmp_path, FleetTrainOptions(horizon_days=H, rounds=15),
        {"source": "test"},
    )  # fmt: skip
    registry = ModelRegistry(tmp_path)
    meta = registry.metadata(failure_model.MODEL_NAME, result["version"])
    files = {
        n: registry.read_artifact(failure_model.MODEL_NAME, result["version"], n) for n in meta["artifacts"]
    }
    model = FailureModel.from_artifacts(files)
    whole, x = _whole(parts)
    assert meta["training_data"]["fingerprint"] == dataset_fingerprint(whole, H)
    rng = np.random.default_rng(FleetTrainOptions().seed)
    split_rng, _ = rng.spawn(2)
    split = device_time_split(whole, H, split_rng)
    y_test = failure_labels(whole, H)[split.test]
    p = model.predict(x[split.test])
    expected = held_out_metrics.model_metrics(whole, split, y_test, p, model.threshold, H, model.booster)
    _same({k: meta["metrics"][k] for k in expected}, expected)
    baseline = held_out_metrics.baseline_metrics(whole, split, y_test, H)
    _same({k: meta["rule_baseline"][k] for k in baseline}, baseline)
