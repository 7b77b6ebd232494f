"""`scripts/import_home_assistant.py`: seeds both services' local storage, or posts to running services."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from homeiq_shared.ha_import_http import send_config_dir

ROOT = Path(__file__).resolve().parents[2]


def _run(config_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return _run_args(tmp_path, "--config-dir", str(config_dir))


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


def _run_args(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The script in a fresh interpreter, both services' local storage under `tmp_path`."""
    env = os.environ | {
        "AI_AUTOMATION_DATA_DIR": str(tmp_path / "ai"),
        "DEVICE_INTELLIGENCE_DATA_DIR": str(tmp_path / "di"),
        "COLUMNS": "200",
    }
    script = str(ROOT / "scripts" / "import_home_assistant.py")
    return subprocess.run(
        [sys.executable, script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_folders_without_anything_of_ha_exit_2_with_the_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    (other / ".storage").mkdir(parents=True)
    (other / "configuration.yaml").write_text("homeassistant:\n")
    for folder in (empty, other):
        result = _run_args(tmp_path, "--config-dir", str(folder))
        assert result.returncode == 2, result.stdout + result.stderr
        assert "neither home-assistant_v2.db nor .storage registries" in result.stdout
        assert "Traceback" not in result.stdout + result.stderr
    absent = _run_args(tmp_path, "--config-dir", str(tmp_path / "absent"))
    assert (absent.returncode, "does not exist" in absent.stdout) == (2, True)
    assert not (tmp_path / "ai").exists()  # refused before any storage was created


def test_an_old_database_or_a_git_lfs_pointer_exits_2_naming_it(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    with sqlite3.connect(old / "home-assistant_v2.db") as conn:
        conn.executescript(
            "CREATE TABLE schema_changes (change_id INTEGER PRIMARY KEY, schema_version INTEGER, changed TEXT);"
            "INSERT INTO schema_changes (schema_version, changed) VALUES (7, '2019-03-01');"
            "CREATE TABLE states (state_id INTEGER PRIMARY KEY, entity_id TEXT, state TEXT);"
        )
    conn.close()
    result = _run_args(tmp_path, "--config-dir", str(old))
    assert result.returncode == 2
    assert "schema v7 is older than the supported v30" in " ".join(result.stdout.split())
    lfs = tmp_path / "lfs"
    lfs.mkdir()
    (lfs / "home-assistant_v2.db").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n"
    )
    result = _run_args(tmp_path, "--config-dir", str(lfs))
    assert result.returncode == 2
    assert "Git LFS pointer" in result.stdout
    assert [p.name for p in old.iterdir()] == ["home-assistant_v2.db"]


def test_a_dead_service_url_exits_3_without_a_traceback(ha_config_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _run_args(tmp_path, "--config-dir", str(ha_config_dir), "--ai-url", f"http://127.0.0.1:{port}")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "cannot reach the service" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_newer_schema_is_imported_with_a_warning_naming_it(ha_config_dir: Path, tmp_path: Path) -> None:
    with sqlite3.connect(ha_config_dir / "home-assistant_v2.db") as conn:
        conn.execute("INSERT INTO schema_changes (schema_version, changed) VALUES (57, '2027-01-01')")
    conn.close()

    def service(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(200, json={"stored": len(body.get("events", [])), "duplicates": 0})

    totals = send_config_dir(ha_config_dir, "http://svc", "h", transport=httpx.MockTransport(service))
    assert totals["schema_version"] == 57
    assert "v57 is newer than the newest known v53" in totals["warnings"]
    result = _run_args(tmp_path, "--config-dir", str(ha_config_dir), "--ai-url", "http://127.0.0.1:9")
    assert "warning:" in result.stdout
    assert "v57" in result.stdout
