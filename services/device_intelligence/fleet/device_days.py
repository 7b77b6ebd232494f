"""Device-days of a generated fleet: each home's HA events turned into daily telemetry, as for a real home.

The daily rows come from `ingest.ha_telemetry.accumulate` (the code that turns a real home's HA events
into telemetry), with the home's device registry (entity -> device) and its ground-truth failure
episodes as the confirmed failures (`repository.load_dataset` keeps a device's rows before its first
failure, so does this). Rolling features are computed per part (a home never spans two parts) with
the serving code's `compute_features`, and stored as float32 beside the keys and the ground truth.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from device_intelligence.ingest.ha_telemetry import DAY_SECONDS, accumulate, daily_rows
from device_intelligence.telemetry import METRIC_NAMES, TelemetryDataset
from device_intelligence.telemetry_features import FEATURE_NAMES, compute_features
from homeiq_shared.fleet_layout import COMPRESSION, DEVICE_DAYS, part_key, part_path, table_parts

KEY_COLUMNS = ("home_id", "device_id", "day", "failure_day", "failure_kind", "episode_start")


def _day(ts: Any, start_day: int) -> int:
    return int(ts.timestamp() // DAY_SECONDS) - start_day


def _home_rows(events: pa.Table, registry: dict[str, str], until: float) -> list[dict[str, Any]]:
    """Daily telemetry rows of one home's events (`ha_telemetry.daily_rows` form)."""
    fired = events["time_fired"].cast(pa.int64()).to_numpy() / 1e6
    rows = [
        {
            "event_type": "state_changed",
            "entity_id": entity,
            "time_fired": t,
            "state": state,
            "attributes": {"device_class": dc} if dc else None,
        }
        for entity, t, state, dc in zip(
            events["entity_id"].to_pylist(), fired.tolist(), events["state"].to_pylist(),
            events["device_class"].to_pylist(), strict=True,
        )
        if entity in registry
    ]  # fmt: skip
    return daily_rows(accumulate(rows, registry, until).items())


def part_dataset(
    root: Path, home_type: str, shard: int, start: date, days: int
) -> tuple[TelemetryDataset, np.ndarray]:
    """The device-days of one generated part (rows sorted by device, day), ground truth from its labels,
    and each device's home id."""
    start_day = (start - date(1970, 1, 1)).days
    until = float((start_day + days) * DAY_SECONDS)
    ev = pq.read_table(
        part_path(root, "events", home_type, shard),
        columns=["home_id", "event_type", "entity_id", "time_fired", "state", "device_class"],
        filters=[("event_type", "=", "state_changed")],
    )
    devices = pq.read_table(part_path(root, "devices", home_type, shard)).to_pylist()
    episodes = pq.read_table(part_path(root, "failure_episodes", home_type, shard)).to_pylist()
    registries: dict[str, dict[str, str]] = {}
    for d in devices:
        if d["device_id"]:
            registries.setdefault(d["home_id"], {})[d["entity_id"]] = d["device_id"]
    first_failure: dict[str, dict[str, Any]] = {}
    for ep in sorted(episodes, key=lambda e: e["failure_time"]):
        first_failure.setdefault(ep["device_id"], ep)
    daily: list[dict[str, Any]] = []
    homes = ev["home_id"].to_numpy(zero_copy_only=False)
    for home_id in dict.fromkeys(homes.tolist()):
        registry = registries.get(home_id, {})
        daily += [
            r | {"home_id": home_id}
            for r in _home_rows(ev.filter(pa.array(homes == home_id)), registry, until)
        ]
    meta = {}
    for d in devices:
        if d["device_id"] and d["device_id"] not in meta:
            meta[d["device_id"]] = d
    ids = np.array(sorted({r["device_id"] for r in daily}), dtype=str)
    index = {d: i for i, d in enumerate(ids.tolist())}
    fday = np.full(ids.size, -1, dtype=np.int64)
    kind = np.full(ids.size, "", dtype=object)
    estart = np.full(ids.size, -1, dtype=np.int64)
    for device, ep in first_failure.items():
        i = index.get(device)
        if i is not None:
            fday[i], kind[i] = _day(ep["failure_time"], start_day), ep["kind"]
            estart[i] = max(0, _day(ep["start"], start_day))
    row_device = np.array([index[r["device_id"]] for r in daily], dtype=np.int64)
    row_day = np.array([(date.fromisoformat(r["date"]) - start).days for r in daily], dtype=np.int64)
    values = np.array([[r["metrics"][m] for m in METRIC_NAMES] for r in daily], dtype=np.float64)
    keep = (fday[row_device] < 0) | (row_day < fday[row_device])
    order = np.lexsort((row_day[keep], row_device[keep]))
    home_of = {r["device_id"]: r["home_id"] for r in daily}
    dataset = TelemetryDataset(
        device_ids=ids,
        category=np.array([meta[d]["category"] for d in ids.tolist()], dtype=str),
        power=np.array([meta[d]["power_source"] for d in ids.tolist()], dtype=str),
        protocol=np.array([meta[d]["protocol"] for d in ids.tolist()], dtype=str),
        failure_day=fday,
        failure_kind=np.array([str(k) for k in kind], dtype=str),
        episode_start=estart,
        row_device=row_device[keep][order],
        row_day=row_day[keep][order],
        values=values.reshape(-1, len(METRIC_NAMES))[keep][order],
        start_date=start,
        info={"source": "fleet parquet", "part": f"{home_type}/{shard}"},
    )
    return dataset, np.array([home_of[d] for d in ids.tolist()], dtype=str)


def device_days_table(dataset: TelemetryDataset, device_home: np.ndarray) -> pa.Table:
    """One row per device-day: keys, ground truth, device facts and the features (float32, FEATURE_NAMES).

    `device_home` names each device's home (the key scoring and splitting by home use).
    """
    dev = dataset.row_device
    ids = dataset.device_ids[dev]
    homes = device_home[dev]
    x = compute_features(dev, dataset.row_day, dataset.values).astype(np.float32)
    columns: dict[str, Any] = {
        "home_id": pa.array(homes.tolist(), pa.string()),
        "device_id": pa.array(ids.tolist(), pa.string()),
        "day": pa.array(dataset.row_day, pa.int32()),
        "failure_day": pa.array(dataset.failure_day[dev], pa.int32()),
        "failure_kind": pa.array(dataset.failure_kind[dev].tolist(), pa.string()),
        "episode_start": pa.array(dataset.episode_start[dev], pa.int32()),
        "category": pa.array(dataset.category[dev].tolist(), pa.string()),
        "power_source": pa.array(dataset.power[dev].tolist(), pa.string()),
        "protocol": pa.array(dataset.protocol[dev].tolist(), pa.string()),
    }
    columns |= {name: pa.array(x[:, j]) for j, name in enumerate(FEATURE_NAMES)}
    return pa.table(columns)


def derive_part(
    root: str, home_type: str, shard: int, start: str, days: int, out_root: str
) -> dict[str, Any]:
    """Derive and write the device-days part of one generated part; its path, rows, devices and failures."""
    dataset, device_home = part_dataset(Path(root), home_type, shard, date.fromisoformat(start), days)
    path = part_path(Path(out_root), DEVICE_DAYS, home_type, shard)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(device_days_table(dataset, device_home), path, compression=COMPRESSION)
    return {
        "path": str(path),
        "rows": dataset.n_rows,
        "devices": dataset.n_devices,
        "failing_devices": int((dataset.failure_day >= 0).sum()),
    }


def generated_parts(root: Path) -> list[tuple[str, int]]:
    """(home_type, shard) of every generated part (from the events table)."""
    return [part_key(p, root) for p in table_parts(root, "events")]


def window_start(summary: dict[str, Any]) -> tuple[str, int]:
    """The fleet's first simulated day (ISO) and its number of days, from summary.json."""
    args = summary["arguments"]
    return str(args["start_date"]), int(args["days"])
