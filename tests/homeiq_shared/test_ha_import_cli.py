"""`scripts/import_home_assistant.py`: seeds both services' local storage, or posts to running services."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from homeiq_shared.ha_import_http import send_config_dir

ROOT = Path(__file__).resolve().parents[2]


def _run(config_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "AI_AUTOMATION_DATA_DIR": str(tmp_path / "ai"),
        "DEVICE_INTELLIGENCE_DATA_DIR": str(tmp_path / "di"),
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "import_home_assistant.py"), "--config-dir", str(config_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_local_import_seeds_both_services_once(ha_config_dir: Path, tmp_path: Path) -> None:
    first = _run(ha_config_dir, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "stored_new" in first.stdout
    ai_db, di_db = tmp_path / "ai" / "ai_automation.db", tmp_path / "di" / "device_intelligence.db"
    stored = _count(ai_db, "ha_events")
    assert stored == _count(di_db, "ha_events") > 0
    telemetry = _count(di_db, "telemetry_readings")
    assert telemetry > 0
    second = _run(ha_config_dir, tmp_path)
    assert second.returncode == 0, second.stderr
    assert _count(ai_db, "ha_events") == stored
    assert _count(di_db, "telemetry_readings") == telemetry


def test_missing_folder_exits_2(tmp_path: Path) -> None:
    result = _run(tmp_path / "absent", tmp_path)
    assert result.returncode == 2
    assert "not a folder" in result.stdout


def test_http_mode_posts_snapshot_then_event_batches(ha_config_dir: Path) -> None:
    seen: list[tuple[str, int]] = []

    def service(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path == "/api/ha/snapshot":
            seen.append(("snapshot", len(body["devices"])))
            return httpx.Response(200, json={})
        seen.append(("events", len(body["events"])))
        assert request.headers["X-HomeIQ-API-Key"] == "k"
        return httpx.Response(200, json={"stored": len(body["events"]), "duplicates": 0})

    totals = send_config_dir(
        ha_config_dir,
        "http://svc",
        "home",
        api_key="k",
        batch_size=200,
        transport=httpx.MockTransport(service),
    )
    assert seen[0] == ("snapshot", 3)
    assert all(kind == "events" and n <= 200 for kind, n in seen[1:])
    assert totals["sent"] == totals["stored"] == sum(n for _, n in seen[1:])
    assert totals["skipped_malformed"] == 0
