"""Anomaly detectors: exact fast scoring, injected stuck and drifting sensors found, real NAB failures ranked."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from device_intelligence.anomaly.model import fit_stream_detector
from device_intelligence.anomaly.sensor_streams import flagged_spans, inject, normal_stream, stream_features
from device_intelligence.serving import load_production, score_sensor
from homeiq_shared.model_registry import ModelRegistry

EXTERNAL = Path(__file__).resolve().parents[3] / ".." / "shared" / "external-data"


@pytest.fixture(scope="module")
def detector():  # type: ignore[no-untyped-def]
    return fit_stream_detector(np.random.default_rng(11), seed=11)


def test_packed_forest_scores_equal_scikit_learn(detector) -> None:  # type: ignore[no-untyped-def]
    x = detector.prepare(stream_features(normal_stream("temperature", 500, np.random.default_rng(0))))
    np.testing.assert_allclose(detector.packed.score(x), -detector.forest.score_samples(x), atol=1e-12)


@pytest.mark.parametrize("kind", ["temperature", "humidity", "power"])
@pytest.mark.parametrize(("fault", "min_found", "min_inside"), [("stuck", 0.9, 0.8), ("drift", 0.4, 0.02)])
def test_injected_stuck_and_drifting_sensors_are_found(  # type: ignore[no-untyped-def]
    detector, kind: str, fault: str, min_found: float, min_inside: float
) -> None:
    found, inside_rate, outside_rate = 0, [], []
    for seed in range(100, 120):
        rng = np.random.default_rng(seed)
        values, labels = inject(normal_stream(kind, 1500, rng), fault, rng)
        scores = detector.score(stream_features(values))
        flags = scores >= detector.threshold
        inside = np.flatnonzero(labels)
        found += any(s <= inside[-1] and e >= inside[0] for s, e, _ in flagged_spans(flags, scores))
        inside_rate.append(flags[labels == 1].mean())
        outside_rate.append(flags[labels == 0].mean())
    # A slow drift is only visible once it leaves the sensor's usual range, so fewer of its readings flag.
    assert found / 20 >= min_found
    assert np.mean(inside_rate) >= min_inside
    assert np.mean(inside_rate) > 3 * max(float(np.mean(outside_rate)), 1e-3)


def test_healthy_streams_raise_few_alarms(detector) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(99)
    for kind in ("temperature", "humidity", "power", "battery"):
        flags = detector.score(stream_features(normal_stream(kind, 1500, rng))) >= detector.threshold
        assert flags.mean() < 0.08, kind


def test_real_nab_failure_windows_score_higher(trained_registry: tuple[Path, object]) -> None:
    base = EXTERNAL / "nab-realKnownCause"
    if not base.exists():
        pytest.skip("../shared/external-data is not beside the checkout")
    models = load_production(ModelRegistry(trained_registry[0]))
    assert models is not None
    windows = json.loads((base / "combined_windows_subset.json").read_text())
    for name in ("ambient_temperature_system_failure.csv", "machine_temperature_system_failure.csv"):
        with (base / name).open() as handle:
            rows = list(csv.reader(handle))[1:]
        stamps = np.array([r[0] for r in rows])
        values = np.array([float(r[1]) for r in rows])
        labels = np.zeros(values.size, dtype=int)
        for start, end in windows[f"realKnownCause/{name}"]:
            labels[(stamps >= start[:19]) & (stamps <= end[:19])] = 1
        scores, flags, _ = score_sensor(models, values)
        # Real data (MIT, numenta/NAB): the failure windows must rank above normal operation.
        assert roc_auc_score(labels, scores) > 0.65, name
        assert flags[labels == 1].mean() >= flags[labels == 0].mean(), name
