"""Train the failure model on a fleet's device-days: on one machine in batches, or with lightgbm.dask.

The run keeps today's method: `evaluation.device_time_split` (by device, then by time, with an embargo),
the threshold and calibrator on the validation devices, `held_out_metrics` on the test devices beside
the rule baseline, the quality gates, and a registry version with the same artifact files and metadata
as `retrain` writes (no snapshot model: the fleet run trains the history model only). It is registered,
never promoted: promotion stays an explicit step (scripts/models.py).

Memory (`fleet.rows`): every row's keys (device, day: int32), split masks and label are held, ~11
bytes a device-day; the features are read part by part, into LightGBM through `lgb.Sequence` on one
machine (float32 as stored), or as a dask DataFrame on a cluster (`DaskLGBMClassifier`, `.to_local()`
for the registry). The metrics are read again after training, once: for the fingerprint and for the
test rows (the rule baseline and the test figures are computed on a dataset of the test rows only).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow.parquet as pq
from numpy.typing import NDArray

from device_intelligence.evaluation import Split, device_time_split
from device_intelligence.failure import held_out_metrics
from device_intelligence.failure import model as failure_model
from device_intelligence.failure.model import BoosterParams, FailureModel
from device_intelligence.fleet.device_days import derive_part, generated_parts, window_start
from device_intelligence.fleet.rows import (
    FleetDataError,
    FleetRows,
    fingerprint_and_test_part,
    labels,
    load_rows,
)
from device_intelligence.retraining import gate_report
from device_intelligence.telemetry_features import FEATURE_NAMES
from device_intelligence.version_records import (
    RegistrationOutcome,
    common_metadata,
    failure_metadata,
)
from homeiq_shared.fleet_cluster import Progress, gather_in_order
from homeiq_shared.fleet_layout import DEVICE_DAYS, SUMMARY_FILE, table_parts
from homeiq_shared.model_registry import ModelRegistry

__all__ = [
    "FleetDataError",
    "FleetRows",
    "FleetTrainOptions",
    "load_rows",
    "train_device_days",
    "train_fleet",
]

DASK_ROUNDS = 300  # lightgbm.dask has no early stopping here: a fixed number of rounds, recorded
BATCH_ROWS = 65_536


@dataclass(frozen=True)
class FleetTrainOptions:
    """How a fleet run trains: seed, label horizon, engine, rounds (None: early stopping, local only)."""

    seed: int = 42
    horizon_days: int = 7
    engine: Literal["local", "dask"] = "local"
    rounds: int | None = None
    params: BoosterParams = field(default_factory=BoosterParams)


def derive_device_days(client: Any, data: Path, progress: Progress | None = None) -> list[Path]:
    """Derive the device-days of every generated part on the cluster into `<data>/device_days` (replaced)."""
    summary_path = data / SUMMARY_FILE
    if not summary_path.is_file():
        raise FleetDataError(f"{data} is not a fleet dataset (no {SUMMARY_FILE})")
    start, days = window_start(json.loads(summary_path.read_bytes()))
    keys = generated_parts(data)
    if not keys:
        raise FleetDataError(f"{data} has no event parts")
    staging = data / f".{DEVICE_DAYS}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    futures = client.map(
        derive_part, [str(data)] * len(keys), [k[0] for k in keys], [k[1] for k in keys],
        start=start, days=days, out_root=str(staging), pure=False, retries=1,
    )  # fmt: skip
    gather_in_order(client, futures, "device-days", lambda r: f"(+{r['rows']:,} rows)", progress)
    final = data / DEVICE_DAYS
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging / DEVICE_DAYS, final)
    shutil.rmtree(staging, ignore_errors=True)
    return table_parts(data, DEVICE_DAYS)


def _features(path: Path, rows: NDArray[np.int64]) -> NDArray[np.float32]:
    """The selected rows' features of one part, float32 as stored (LightGBM reads them as doubles, exactly)."""
    table = pq.read_table(path, columns=list(FEATURE_NAMES)).take(rows)
    out = np.empty((table.num_rows, len(FEATURE_NAMES)), dtype=np.float32)
    for j, name in enumerate(FEATURE_NAMES):
        out[:, j] = table[name].to_numpy()
    return out


def _sequences(rows: FleetRows, mask: NDArray[np.bool_]) -> list[Any]:
    """One `lgb.Sequence` per part over its rows in `mask`; a part's features are read once per pass."""
    import lightgbm as lgb

    class PartRows(lgb.Sequence):  # type: ignore[misc]
        """The masked rows of one part, loaded on first access and kept until another part is read.

        Kept float32 as stored; handed to LightGBM as float64 (its row sample must be double), an exact
        widening, so the bins and the booster are those of float64 input.
        """

        cache: dict[str, NDArray[np.float32]] = {}  # noqa: RUF012  (one part at a time, shared on purpose)

        def __init__(self, path: Path, selected: NDArray[np.int64]) -> None:
            self.path, self.selected, self.batch_size = path, selected, BATCH_ROWS

        def _rows(self) -> NDArray[np.float32]:
            key = str(self.path)
            if key not in self.cache:
                self.cache.clear()
                self.cache[key] = _features(self.path, self.selected)
            return self.cache[key]

        def __getitem__(self, idx: Any) -> NDArray[np.float64]:
            out: NDArray[np.float64] = self._rows()[idx].astype(np.float64)
            return out

        def __len__(self) -> int:
            return int(self.selected.size)

    out = []
    for path, part in zip(rows.parts, rows.part_slices(), strict=True):
        selected = np.flatnonzero(mask[part])
        if selected.size:
            out.append(PartRows(path, selected))
    return out


def predict_rows(booster: Any, rows: FleetRows, mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """The booster's raw score of the rows in `mask` (dataset order), reading one part at a time."""
    scores = []
    for path, part in zip(rows.parts, rows.part_slices(), strict=True):
        selected = np.flatnonzero(mask[part])
        if selected.size:
            scores.append(
                np.asarray(booster.predict(_features(path, selected), num_threads=1), dtype=np.float64)
            )
    return np.concatenate(scores) if scores else np.zeros(0)


def train_local(
    rows: FleetRows, split: Split, y: NDArray[np.int8], options: FleetTrainOptions, seed: int
) -> Any:
    """One machine: LightGBM datasets built in batches from the parts (`lgb.Sequence`), early stopping on val."""
    import lightgbm as lgb

    train_set = lgb.Dataset(
        _sequences(rows, split.train),
        label=y[split.train],
        feature_name=list(FEATURE_NAMES),
        free_raw_data=True,
    )
    valid_set = None
    if options.rounds is None and int(y[split.val].sum()) > 0:
        valid_set = lgb.Dataset(_sequences(rows, split.val), label=y[split.val], reference=train_set)
    return failure_model.fit_datasets(
        train_set, valid_set, options.params, seed, num_boost_round=options.rounds
    )


def _train_part(frame: Any, train_devices: frozenset[str], last_day: int, h: int) -> Any:
    """The training rows of one dask partition with their label as column `label`.

    The rows and the label are `device_time_split`'s train part and `telemetry.failure_labels`, applied
    per partition (the dask workers never hold the whole dataset).
    """
    keep = frame["device_id"].isin(train_devices).to_numpy() & (frame["day"].to_numpy() < last_day)
    ahead = frame["failure_day"].to_numpy() - frame["day"].to_numpy()
    out = frame.loc[keep, list(FEATURE_NAMES)]
    label = ((frame["failure_day"].to_numpy() >= 0) & (ahead >= 1) & (ahead <= h)).astype(np.int8)[keep]
    return out.assign(label=label)


def train_dask(client: Any, rows: FleetRows, split: Split, options: FleetTrainOptions, seed: int) -> Any:
    """A cluster: `DaskLGBMClassifier` fitted on the dask DataFrame of the training rows, `.to_local()` booster."""
    import dask.dataframe as dd
    from lightgbm.dask import DaskLGBMClassifier

    ds = rows.dataset
    train_devices = frozenset(ds.device_ids[split.train_devices].tolist())
    last_day = split.cutoff_day - options.horizon_days  # device_time_split's embargo
    frame = dd.read_parquet(
        [str(p) for p in rows.parts], columns=["device_id", "day", "failure_day", *FEATURE_NAMES]
    )
    meta = frame._meta[list(FEATURE_NAMES)].assign(label=np.zeros(0, dtype=np.int8))
    train = frame.map_partitions(
        _train_part, train_devices, last_day, options.horizon_days, meta=meta
    ).persist()
    params = options.params.lgb_params(seed)
    for key in ("metric", "num_threads"):  # dask sets each worker's threads itself
        params.pop(key)
    classifier = DaskLGBMClassifier(client=client, n_estimators=options.rounds or DASK_ROUNDS, **params)
    classifier.fit(train[list(FEATURE_NAMES)], train["label"])
    return classifier.to_local().booster_


def train_fleet(
    client: Any, data: Path, models_dir: Path, options: FleetTrainOptions, progress: Progress | None = None
) -> dict[str, Any]:
    """Derive device-days from the generated homes, then `train_device_days` on them. The result."""
    t0 = time.perf_counter()
    parts = derive_device_days(client, data, progress)
    derived = round(time.perf_counter() - t0, 3)
    start, _days = window_start(json.loads((data / SUMMARY_FILE).read_bytes()))
    source = {
        "source": "fleet: device-days derived from generated homes' HA events",
        "fleet_folder": str(data),
    }
    result = train_device_days(
        client, parts, date.fromisoformat(start), models_dir, options, source, progress
    )
    result["seconds"] = {"device_days": derived} | result["seconds"]
    return result


def train_device_days(
    client: Any,
    parts: list[Path],
    start: date,
    models_dir: Path,
    options: FleetTrainOptions,
    source: dict[str, Any],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Split, train (local, or dask on `client`), evaluate on the test devices and register; the result.

    `parts` are device-day Parquet parts (`device_days.device_days_table`); `source` is recorded with
    the version's training data. The local engine needs no client.
    """
    say = progress or (lambda _m: None)
    t1 = time.perf_counter()
    say(f"reading the row keys of {len(parts):,} device-day parts")
    rows = load_rows(parts, start)
    ds = rows.dataset
    t_load = time.perf_counter()
    h = options.horizon_days
    rng = np.random.default_rng(options.seed)
    split_rng, seed_rng = rng.spawn(2)
    say(f"splitting {ds.n_rows:,} device-days of {ds.n_devices:,} devices")
    split = device_time_split(ds, h, split_rng)
    y = labels(rows, h)
    if int(y[split.train].sum()) == 0:
        raise FleetDataError(
            "no failure falls inside the training part: more homes or days are needed "
            f"({ds.n_devices:,} devices, {ds.n_rows:,} device-days)"
        )
    seed = int(seed_rng.integers(2**31 - 1))
    say(f"training LightGBM ({options.engine}) on {int(split.train.sum()):,} of {ds.n_rows:,} device-days")
    if options.engine == "dask":
        booster = train_dask(client, rows, split, options, seed)
    else:
        booster = train_local(rows, split, y, options, seed)
    t2 = time.perf_counter()
    say("evaluating on the validation and test devices")
    raw_val = predict_rows(booster, rows, split.val)
    calibrator, threshold = failure_model.operating_point(raw_val, y[split.val])
    model = FailureModel(booster, threshold, h, calibrator=calibrator)
    raw_test = predict_rows(booster, rows, split.test)
    p_test = calibrator.apply(raw_test)
    y_test = y[split.test]
    say("fingerprinting the rows and reading the test rows' metrics")
    fingerprint, test_ds, test_split = fingerprint_and_test_part(rows, split, h)
    say("test figures of the model and the rule baseline")
    metrics = held_out_metrics.model_metrics(test_ds, test_split, y_test, p_test, threshold, h, booster)
    metrics |= held_out_metrics.calibration_figures(y_test, raw_test, p_test, calibrator, threshold)
    baseline = held_out_metrics.baseline_metrics(test_ds, test_split, y_test, h)
    del test_ds, test_split
    gates = gate_report(metrics, baseline, {})
    t3 = time.perf_counter()
    data_rows = {
        "total": ds.n_rows, "train": int(split.train.sum()), "validation": int(split.val.sum()),
        "test": int(split.test.sum()), "train_positives": int(y[split.train].sum()),
        "test_positives": int(y_test.sum()), "devices": ds.n_devices,
        "failing_devices": int((ds.failure_day >= 0).sum()),
    }  # fmt: skip
    data_info = {
        "source": ds.info["source"], **source, "parts": len(parts),
        "fingerprint": fingerprint, "rows": data_rows, "start_date": start.isoformat(),
        "days": int(ds.row_day.max()) + 1, "seed": options.seed,
    }  # fmt: skip
    reason = "registered by scripts/fleet.py train (fleet runs are never promoted automatically)"
    outcome = RegistrationOutcome(
        promote=False, reason=reason, prod_version=None, prod_metrics=None, gates=gates, mode="full"
    )
    hyper = failure_model.params_dict(options.params) | {
        "engine": options.engine,
        "rounds": options.rounds or (DASK_ROUNDS if options.engine == "dask" else "early stopping"),
    }
    meta = failure_metadata(
        common_metadata("cli", h, split.method, data_info, outcome), model, metrics, baseline, hyper, outcome
    )
    version = ModelRegistry(models_dir).register(failure_model.MODEL_NAME, model.to_artifacts(), meta)
    seconds = {
        "loading": round(t_load - t1, 3),
        "training": round(t2 - t_load, 3),
        "evaluation": round(t3 - t2, 3),
    }
    say(
        f"registered {failure_model.MODEL_NAME} {version.version}: gates {'PASSED' if gates.passed else 'FAILED'}"
    )
    keys = ("pr_auc", "accuracy", "precision", "recall", "f1_score")
    return {
        "version": version.version,
        "engine": options.engine,
        "split_method": split.method,
        "metrics": {k: metrics.get(k) for k in keys},
        "baseline": {k: baseline.get(k) for k in keys},
        "gates": gates.to_dict(),
        "rows": data_rows,
        "trees": booster.num_trees(),
        "seconds": seconds,
    }
