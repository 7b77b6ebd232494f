"""Home-type benchmark: training on 1,000 homes, /predict latency over loopback HTTP, a 1,000-home batch,
and the honest metrics of both tasks beside their baselines (plus the allenporter reference homes).

Writes bench/results/home_type.json (with a `table` for bench/run_all.py).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

from ai_automation.home_type.dataset import build_feature_table, home_paths, read_home
from ai_automation.home_type.evaluation import majority_baseline
from ai_automation.home_type.features import COMPOSITION, FEATURE_NAMES, extract_features, group_columns
from ai_automation.home_type.metrics import (
    OneRuleBaseline,
    classification_metrics,
    task_label,
)
from ai_automation.home_type.model import HomeTypeModel
from ai_automation.home_type.reference_homes import load_reference_homes
from ai_automation.home_type.training import (
    FEATURE_CACHE_DIR,
    TrainingOutcome,
    TrainingRequest,
    train_home_type,
)
from ai_automation.synthesis.generator import GENERATOR_VERSION, GeneratorOptions, generate_dataset
from results_file import machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "home_type.json"
CACHE = Path(tempfile.gettempdir()) / "homeiq-bench"
ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "external-data" / "ha-datasets-allenporter"
SEED = 42
HOMES, DAYS = 1000, 7
PREDICT_PROCESSES = 3


def _generator_digest() -> str:
    """A digest of the code and tables the generator runs (its package and the shared modules): a cached
    dataset is reused only by the very generator that wrote it, not by any build of the same version."""
    import hashlib

    import ai_automation.synthesis
    import homeiq_shared

    digest = hashlib.sha256()
    for package in (ai_automation.synthesis, homeiq_shared):
        root = Path(package.__file__).parent
        for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".json"}):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cached_dataset(count: int, days: int, seed: int) -> Path:
    """Generate once and reuse (the benchmark measures training, not generation)."""
    folder = CACHE / f"homes_{count}x{days}_seed{seed}_v{GENERATOR_VERSION}_{_generator_digest()}"
    if (folder / "summary.json").exists():
        return folder
    options = GeneratorOptions(
        count=count,
        days=days,
        seed=seed,
        weather=False,
        carbon=False,
        pricing=False,
        calendar=False,
        workers=2,
    )
    generate_dataset(options, folder, overwrite=True)
    return folder


def _summary(outcome: TrainingOutcome) -> dict[str, Any]:
    r = outcome.results
    base = r["baselines"]
    return {
        "classes": r["classes"],
        "split_method": r["split_method"],
        "holdout": {k: r[k] for k in ("accuracy", "precision", "recall", "f1_score", "macro_f1")},
        "holdout_homes": {"train": r["training_homes"], "test": r["test_homes"]},
        "cv_accuracy_mean": r["cv_accuracy_mean"],
        "cv_accuracy_std": r["cv_accuracy_std"],
        "cv_macro_f1": r["cross_validation"]["macro_f1"],
        "cv_pooled": r["cross_validation"]["pooled_out_of_fold"],
        "cv_per_class": r["cross_validation"]["per_class"],
        "cv_confusion_matrix": r["cross_validation"]["confusion_matrix"],
        "composition_only": r["composition_only"],
        "baselines": {
            name: {
                "rule": b["rule"],
                "holdout_macro_f1": b["macro_f1"],
                "holdout_accuracy": b["accuracy"],
                "cv_accuracy": b["cv"]["accuracy"],
                "cv_macro_f1": b["cv"]["macro_f1"],
                "model_minus_baseline_cv_macro_f1": b["cv"]["model_minus_baseline_macro_f1"],
            }
            for name, b in base.items()
        },
        "top_feature_importances": r["top_feature_importances"][:5],
        "gates": {"verdict": r["gates"]["verdict"], "message": r["gates"]["message"]},
    }


def _read_pass(dataset: Path) -> float:
    """Read every home file once (the OS page cache then holds them, as it would after generation)."""
    t = time.perf_counter()
    for path in home_paths(dataset):
        path.read_bytes()
    return time.perf_counter() - t


def bench_training(dataset: Path, models_dir: Path) -> tuple[dict[str, Any], dict[str, TrainingOutcome]]:
    """Training from cold: the CLI in a fresh process, without a feature cache; then in-process, cached.

    CLI wall = interpreter start + imports + parsing all 1,000 home files (2 worker processes) + group
    CV with baselines + holdout fit + skops artifact + registration. The feature cache is removed
    before each CLI run so both tasks parse every file.
    """
    out: dict[str, Any] = {
        "homes": HOMES,
        "dataset_bytes": sum(p.stat().st_size for p in home_paths(dataset)),
        "read_pass_seconds": round(_read_pass(dataset), 2),
    }
    script = ROOT / "scripts" / "train_home_type_classifier.py"
    for task in ("full", "binary"):
        shutil.rmtree(models_dir / FEATURE_CACHE_DIR, ignore_errors=True)
        stem = models_dir.parent / "cli" / f"home_type_{task}.pkl"
        argv = [sys.executable, str(script), "--synthetic-homes", str(dataset), "--output", str(stem)]
        t = time.perf_counter()
        done = subprocess.run(
            [*argv, "--models-dir", str(models_dir), "--task", task, "--seed", str(SEED)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t
        if done.returncode not in (0, 1):  # 1 = a quality gate failed, still a finished training
            raise RuntimeError(f"training CLI failed ({done.returncode}): {done.stderr[-2000:]}")
        out[f"cli_cold_{task}_seconds"] = round(wall, 2)
    outcomes = {}
    for task in ("full", "binary"):
        t = time.perf_counter()
        outcome = train_home_type(
            TrainingRequest(dataset=dataset, models_dir=models_dir, task=task, seed=SEED)
        )
        wall = time.perf_counter() - t
        outcomes[task] = outcome
        out[task] = {
            "wall_seconds_with_cached_features": round(wall, 2),
            "version": outcome.version,
            "metrics": _summary(outcome),
        }
    return out, outcomes


def bench_reference(outcomes: dict[str, TrainingOutcome], dataset: Path, models_dir: Path) -> dict[str, Any]:
    """The composition-only models on allenporter's real-ish homes (types mapped where clear)."""
    if not REFERENCE.is_dir():
        return {"skipped": f"{REFERENCE} not present"}
    refs = load_reference_homes(REFERENCE)
    table = build_feature_table(dataset, cache_dir=models_dir / FEATURE_CACHE_DIR)
    comp = group_columns([COMPOSITION])
    result: dict[str, Any] = {
        "homes": len(refs),
        "source": "allenporter/home-assistant-datasets devices-v2 + v3",
    }
    for task, outcome in outcomes.items():
        model: HomeTypeModel = outcome.model
        for subset, chosen in (
            ("clear_types", [r for r in refs if r.home_type is not None and not r.approximate]),
            ("clear_and_approximate_types", [r for r in refs if r.home_type is not None]),
            ("all_homes", refs if task == "binary" else []),
        ):
            if not chosen:
                continue
            truth = [r.binary_label if task == "binary" else str(r.home_type) for r in chosen]
            rows = [extract_features(r.home) for r in chosen]
            preds = [p.home_type for p in model.predict_rows(rows)]
            x = np.vstack([row.values for row in rows])[:, comp]
            train_y_names = [task_label(t, task) for t in table.home_types]
            classes = sorted(set(train_y_names))
            y_codes = np.searchsorted(classes, train_y_names)
            x_train = table.X[:, comp]
            majority = majority_baseline().fit(x_train, y_codes)
            rule = OneRuleBaseline().fit(x_train, y_codes)
            labels = sorted(set(classes) | set(truth))
            entry = {
                "n": len(chosen),
                "true_distribution": {c: truth.count(c) for c in sorted(set(truth))},
                "model": _brief(classification_metrics(truth, preds, labels)),
                "majority_baseline": _brief(
                    classification_metrics(truth, [classes[int(c)] for c in majority.predict(x)], labels)
                ),
                "best_rule_baseline": {
                    "rule": rule.describe([FEATURE_NAMES[i] for i in comp], classes),
                    **_brief(
                        classification_metrics(truth, [classes[int(c)] for c in rule.predict(x)], labels)
                    ),
                },
            }
            result[f"{task}/{subset}"] = entry
    return result


def _brief(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "accuracy": round(m["accuracy"], 3),
        "macro_f1": round(m["macro_f1"], 3),
        "per_class_f1": {c: round(v["f1"], 3) for c, v in m["per_class"].items() if v["support"]},
        "confusion_matrix": m["confusion_matrix"],
        "labels": list(m["per_class"]),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_ms(header: str) -> float:
    """The service's own time from its `Server-Timing` header (body read + predict)."""
    return sum(float(part.split("dur=")[1]) for part in header.split(",") if "dur=" in part)


@contextmanager
def _served(models_dir: Path, data_dir: Path) -> Iterator[httpx.Client]:
    """A fresh ai-automation process on a free port, answering once its production model is loaded."""
    port = _free_port()
    env = os.environ | {
        "AI_AUTOMATION_MODELS_DIR": str(models_dir),
        "AI_AUTOMATION_DATA_DIR": str(data_dir),
        "AI_AUTOMATION_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "ai_automation", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=data_dir,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(300):
                try:
                    if client.get("/api/home-type/model-info").json()["model_info"]["is_loaded"]:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            yield client
    finally:
        server.terminate()
        server.wait(timeout=10)


def bench_http(models_dir: Path, data_dir: Path, dataset: Path) -> dict[str, Any]:
    """POST /api/home-type/predict: one 30-day home (p50/p99) and 1,000 composition-only homes per request."""
    # the median-sized and the largest of nine 30-day homes, each exactly as generated (HA state
    # objects and all) and cut to the 3 event fields the features read
    nine = [orjson.loads(p.read_bytes()) for p in home_paths(cached_dataset(9, 30, SEED + 1))]
    nine.sort(key=lambda h: len(h["events"]))
    home, largest = nine[4], nine[-1]
    single = orjson.dumps({"home": home})

    def compact_body(h: dict[str, Any]) -> bytes:
        events = [{k: e[k] for k in ("entity_id", "timestamp", "event_type")} for e in h["events"]]
        return orjson.dumps(
            {"home": {**{k: h[k] for k in ("areas", "devices", "timezone")}, "events": events}}
        )

    compact, compact_largest = compact_body(home), compact_body(largest)
    fields = ("entity_id", "timestamp", "event_type")
    columns = {k: [e[k] for e in home["events"]] for k in fields}
    columnar = orjson.dumps(
        {"home": {**{k: home[k] for k in ("areas", "devices", "timezone")}, "events": columns}}
    )
    unix = [dt.datetime.fromisoformat(t).timestamp() for t in columns["timestamp"]]
    columnar_unix = orjson.dumps(
        {
            "home": {
                **{k: home[k] for k in ("areas", "devices", "timezone")},
                "events": {**columns, "timestamp": unix},
            }
        }
    )
    composition = [{**read_home(p), "events": []} for p in home_paths(dataset)[:1000]]
    batch = orjson.dumps({"homes": composition})
    bodies = {
        "file": single,
        "compact": compact,
        "largest": compact_largest,
        "columnar": columnar,
        "columnar_unix": columnar_unix,
    }
    headers = {"content-type": "application/json"}
    latencies: dict[str, list[float]] = {name: [] for name in bodies}
    service_ms: dict[str, list[float]] = {name: [] for name in bodies}
    per_process_p50: dict[str, list[float]] = {name: [] for name in bodies}
    shutil.rmtree(models_dir / FEATURE_CACHE_DIR, ignore_errors=True)
    # Latency varies more between server processes (and minutes of machine load) than within one:
    # three fresh processes, 60 interleaved rounds each, pooled; each process's p50 is kept too.
    for process in range(PREDICT_PROCESSES):
        with _served(models_dir, data_dir) as client:
            for _ in range(30):
                client.post("/api/home-type/predict", content=single, headers=headers).raise_for_status()
            run: dict[str, list[float]] = {name: [] for name in bodies}
            for _ in range(60):
                for name, body in bodies.items():
                    t = time.perf_counter()
                    answer = client.post("/api/home-type/predict", content=body, headers=headers)
                    run[name].append((time.perf_counter() - t) * 1000)
                    answer.raise_for_status()
                    service_ms[name].append(_server_ms(answer.headers["server-timing"]))
            for name, values in run.items():
                latencies[name].extend(values)
                per_process_p50[name].append(round(statistics.median(values), 2))
            if process < PREDICT_PROCESSES - 1:
                continue
            batch_times = []
            for _ in range(5):
                t = time.perf_counter()
                response = client.post("/api/home-type/predict", content=batch, headers=headers)
                response.raise_for_status()
                batch_times.append(time.perf_counter() - t)
            assert len(response.json()["predictions"]) == len(composition)
            # training over HTTP: `full` with no feature cache (every file parsed), then `binary`
            train_s = {}
            for task in ("full", "binary"):
                t = time.perf_counter()
                answer = client.post(
                    "/api/home-type/train", json={"dataset_path": str(dataset), "task": task, "seed": SEED}
                )
                train_s[task] = round(time.perf_counter() - t, 2)
                answer.raise_for_status()

    def stats(values: list[float]) -> dict[str, float]:
        return {
            "p50_ms": round(statistics.median(values), 3),
            "p99_ms": round(statistics.quantiles(values, n=100)[98], 3),
        }

    service = {name: round(statistics.median(v), 3) for name, v in service_ms.items()}
    return {
        "server_processes": PREDICT_PROCESSES,
        "p50_ms_per_server_process": per_process_p50,
        "service_time_p50_ms": service,
        "train_over_http_seconds": {
            "full_no_feature_cache": train_s["full"],
            "binary_features_cached": train_s["binary"],
        },
        "largest_home_compact_events": {**stats(latencies["largest"]), "events": len(largest["events"])},
        "columnar_events": {**stats(latencies["columnar"]), "body_bytes": len(columnar)},
        "columnar_events_unix_seconds": {
            **stats(latencies["columnar_unix"]),
            "body_bytes": len(columnar_unix),
        },
        "single_home": {
            "choice": "median events of nine generated 30-day homes",
            "home_type": home["home_type"],
            "events": len(home["events"]),
            "days": 30,
            "file_body_bytes": len(single),
            "compact_body_bytes": len(compact),
        },
        "home_file_as_generated": stats(latencies["file"]),
        "compact_events": {
            **stats(latencies["compact"]),
            "event_fields": ["entity_id", "timestamp", "event_type"],
        },
        "predict_requests_each": len(latencies["file"]),
        "batch_homes": len(composition),
        "batch_body_bytes": len(batch),
        "batch_seconds_median": round(statistics.median(batch_times), 3),
        "batch_seconds_all": [round(t, 3) for t in batch_times],
    }


def main() -> int:
    """Run every part and write the results file."""
    dataset = cached_dataset(HOMES, DAYS, SEED)
    with tempfile.TemporaryDirectory() as tmp:
        models_dir, data_dir = Path(tmp) / "models", Path(tmp) / "data"
        data_dir.mkdir()
        training, outcomes = bench_training(dataset, models_dir)
        reference = bench_reference(outcomes, dataset, models_dir)
        http = bench_http(models_dir, data_dir, dataset)
    table = [
        {"figure": f"train full, {HOMES} homes x {DAYS} days, CLI in a fresh process, no feature cache (s)", "value": training["cli_cold_full_seconds"], "target": "< 10"},
        {"figure": "train binary, same, CLI, no feature cache (s)", "value": training["cli_cold_binary_seconds"], "target": "< 10"},
        {"figure": "train full over HTTP (POST /api/home-type/train), no feature cache (s)", "value": http["train_over_http_seconds"]["full_no_feature_cache"], "target": "< 10"},
        {"figure": "train full in-process, features cached (s)", "value": training["full"]["wall_seconds_with_cached_features"], "target": ""},
        {"figure": f"/api/home-type/predict p50, median 30-day home ({http['single_home']['events']:,} events), file as generated (ms)", "value": http["home_file_as_generated"]["p50_ms"], "target": ""},
        {"figure": "/api/home-type/predict p50, same home, events as objects of 3 fields, 3 server processes pooled (ms)", "value": http["compact_events"]["p50_ms"], "target": "< 10"},
        {"figure": "/api/home-type/predict p99, same home, events as objects of 3 fields (ms)", "value": http["compact_events"]["p99_ms"], "target": ""},
        {"figure": "same, p50 of each of the 3 server processes (ms)", "value": " / ".join(f"{v:g}" for v in http["p50_ms_per_server_process"]["compact"]), "target": ""},
        {"figure": "/api/home-type/predict p50, same home, columnar events (ms)", "value": http["columnar_events"]["p50_ms"], "target": "< 10"},
        {"figure": "/api/home-type/predict p99, same home, columnar events (ms)", "value": http["columnar_events"]["p99_ms"], "target": ""},
        {"figure": "same, p50 of each of the 3 server processes (ms)", "value": " / ".join(f"{v:g}" for v in http["p50_ms_per_server_process"]["columnar"]), "target": ""},
        {"figure": "/api/home-type/predict p50, same home, columnar events, UNIX-second timestamps (ms)", "value": http["columnar_events_unix_seconds"]["p50_ms"], "target": "< 10"},
        {"figure": f"/api/home-type/predict p50, largest of 9 homes ({http['largest_home_compact_events']['events']:,} events), objects (ms)", "value": http["largest_home_compact_events"]["p50_ms"], "target": ""},
        {"figure": "batch of 1,000 composition-only homes (s)", "value": http["batch_seconds_median"], "target": "< 1"},
        {"figure": "full task CV macro-F1 (model)", "value": round(training["full"]["metrics"]["cv_macro_f1"]["mean"], 3), "target": "> baselines"},
        {"figure": "full task CV macro-F1 (best rule)", "value": round(training["full"]["metrics"]["baselines"]["best_rule"]["cv_macro_f1"]["mean"], 3), "target": ""},
        {"figure": "binary task CV macro-F1 (model)", "value": round(training["binary"]["metrics"]["cv_macro_f1"]["mean"], 3), "target": "> baselines"},
        {"figure": "binary task CV macro-F1 (best rule)", "value": round(training["binary"]["metrics"]["baselines"]["best_rule"]["cv_macro_f1"]["mean"], 3), "target": ""},
    ]  # fmt: skip
    doc = {
        "benchmark": "home_type",
        "machine": machine(),
        "dataset": {"homes": HOMES, "days": DAYS, "seed": SEED, "path": str(dataset)},
        "training": training,
        "reference_homes": reference,
        "http": http,
        "table": table,
    }
    write_results(RESULTS, doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
