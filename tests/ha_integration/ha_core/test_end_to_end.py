"""End to end: HA core with the integration against both real services started locally.

A Zigbee plug's telemetry degrades over three weeks (battery draining, signal fading, dropping off the
network more and more often, answering slower), told to HA as `state_changed` events (the response time,
which HA does not know, by its hub to `/api/telemetry`). The integration forwards them and the
registries; device-intelligence derives the plug's daily telemetry and scores it; HA ends with the plug's
at-risk binary sensor on and a repair naming it. The services run with `.venv`'s Python (3.11), which
`make test-ha` passes as HOMEIQ_SERVICE_PYTHON.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import textwrap
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from homeassistant.components import persistent_notification
from homeassistant.const import CONF_API_KEY, EVENT_STATE_CHANGED, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homeiq.const import CONF_AI_URL, CONF_DEVICE_URL, DOMAIN
from custom_components.homeiq.notifications import notification_id

from .conftest import REPO, services_python

KEY = "e2e-key"
TRAIN = textwrap.dedent(
    """
    import sys
    from device_intelligence.retraining import RetrainOptions, retrain
    from homeiq_shared.model_registry import ModelRegistry
    registry = ModelRegistry(sys.argv[1])
    result = retrain(registry, RetrainOptions(synthetic_count=300, days=90, seed=7, horizon_days=7, trigger="cli"))
    if not result.promoted:  # too few devices for the gates: served explicitly, as an operator would
        registry.promote("failure_prediction", result.version, "e2e test: explicit promotion")
        registry.promote("anomaly_detection", result.anomaly_version, "e2e test: explicit promotion")
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            pytest.fail(f"{url} exited: {log.read_text()[-800:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                if json.load(answer)["status"] in ("healthy", "degraded"):
                    return
        except OSError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.1)  # the bounded wait between polls: returns early if it died
    pytest.fail(f"{url} did not answer /health within 60 s: {log.read_text()[-800:]}")


@pytest.fixture
def services(socket_enabled: None, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Train a small device-intelligence model pair, then start both services on free loopback ports."""
    python = services_python()
    # this checkout's services, whatever checkout .venv's editable install points at
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'shared'}{os.pathsep}{REPO / 'services'}"}
    subprocess.run(
        [python, "-c", TRAIN, str(tmp_path / "di-models")], check=True, env=env, cwd=tmp_path, timeout=300
    )
    procs: list[subprocess.Popen[bytes]] = []
    urls = []
    for module, prefix, models in (
        ("ai_automation", "AI_AUTOMATION", tmp_path / "ai-models"),
        ("device_intelligence", "DEVICE_INTELLIGENCE", tmp_path / "di-models"),
    ):
        port = _free_port()
        service_env = env | {f"{prefix}_API_KEY": KEY, f"{prefix}_DATA_DIR": str(tmp_path / module),
                             f"{prefix}_MODELS_DIR": str(models), f"{prefix}_TRAINING_ENABLED": "false"}  # fmt: skip
        log = tmp_path / f"{module}.log"
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [python, "-m", module, "--host", "127.0.0.1", "--port", str(port)],
                    env=service_env,
                    cwd=tmp_path,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        urls.append(f"http://127.0.0.1:{port}")
        _wait_healthy(urls[-1], procs[-1], log)
    try:
        yield urls[0], urls[1]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _fire(
    hass: HomeAssistant, entity_id: str, old: str, new: str, when: datetime, attrs: dict[str, str]
) -> None:
    data = {
        "entity_id": entity_id,
        "old_state": State(entity_id, old, attrs, last_changed=when, last_updated=when),
        "new_state": State(entity_id, new, attrs, last_changed=when, last_updated=when),
    }
    hass.bus.async_fire(EVENT_STATE_CHANGED, data, time_fired=when.timestamp())


async def test_a_degrading_plug_ends_at_risk_with_a_repair(
    hass: HomeAssistant, services: tuple[str, str]
) -> None:
    ai_url, di_url = services
    zha = MockConfigEntry(domain="zha", title="Zigbee")
    zha.add_to_hass(hass)
    plug = dr.async_get(hass).async_get_or_create(
        config_entry_id=zha.entry_id, identifiers={("zha", "00:11:22:33")}, name="Hall plug"
    )
    entities = er.async_get(hass)
    for domain, object_id in (
        ("switch", "hall_plug"),
        ("sensor", "hall_plug_battery"),
        ("sensor", "hall_plug_rssi"),
    ):
        entities.async_get_or_create(domain, "zha", object_id, suggested_object_id=object_id,
                                     config_entry=zha, device_id=plug.id)  # fmt: skip
    # A hallway with a motion sensor and a light nothing automates yet: a synergy to suggest.
    hallway = ar.async_get(hass).async_create("Hallway")
    for domain, object_id, device_class in (
        ("binary_sensor", "hall_motion", "motion"),
        ("light", "hall", None),
    ):
        entities.async_get_or_create(domain, "zha", object_id, suggested_object_id=object_id, config_entry=zha,
                                     original_device_class=device_class)  # fmt: skip
        entities.async_update_entity(f"{domain}.{object_id}", area_id=hallway.id)

    entry = MockConfigEntry(
        domain=DOMAIN, data={CONF_AI_URL: ai_url, CONF_DEVICE_URL: di_url, CONF_API_KEY: KEY}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    runtime = entry.runtime_data
    assert runtime.device_coordinator.last_update_success
    assert not runtime.device_coordinator.data.risks  # nothing known of the plug yet

    # Three weeks of a plug failing: battery 95 % -> 2 %, signal -60 -> -97 dBm, more and more drops.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    battery, rssi = {"device_class": "battery"}, {"device_class": "signal_strength"}
    for day in range(21):
        start = today - timedelta(days=20 - day) + timedelta(hours=1)
        worse = day / 20
        _fire(hass, "sensor.hall_plug_battery", "0", f"{95 - 93 * worse**1.5:.0f}", start, battery)
        for hour in range(4):
            _fire(
                hass,
                "sensor.hall_plug_rssi",
                "0",
                f"{-60 - 37 * worse:.0f}",
                start + timedelta(hours=5 * hour),
                rssi,
            )
        for drop in range(int(10 * worse**2)):
            down = start + timedelta(hours=1, minutes=20 * drop)
            _fire(hass, "switch.hall_plug", "on", STATE_UNAVAILABLE, down, {})
            _fire(hass, "switch.hall_plug", STATE_UNAVAILABLE, "on", down + timedelta(minutes=8 + drop), {})
    await hass.async_block_till_done()
    # HA reports no response time; the plug's hub does (as a Zigbee coordinator's diagnostics would), straight
    # to the service. Without it the small test model does not flag the plug (see the README's closing note).
    hub = [{"device_id": plug.id, "timestamp": (today - timedelta(days=20 - d, hours=-12)).isoformat(),
            "metrics": {"response_time": 120 * (1 + 3 * d / 20)}} for d in range(21)]  # fmt: skip
    session = async_get_clientsession(hass)
    async with session.post(
        f"{di_url}/api/telemetry", json={"readings": hub}, headers={"X-HomeIQ-API-Key": KEY}
    ) as answer:
        assert answer.status == 200, await answer.text()
    await runtime.forwarder.flush(force=True)  # what the 10 s timer does
    for queue in runtime.forwarder.queues.values():
        assert queue.last_error is None, queue.last_error
        assert not queue.pending
        assert queue.sent_events > 100
    await runtime.device_coordinator.async_refresh()  # what the 5 min poll does
    await hass.async_block_till_done()

    risk = runtime.device_coordinator.data.risks[plug.id]
    assert risk.history_days_used > 7
    at_risk = hass.states.get("binary_sensor.hall_plug_at_risk_of_failure")
    assert at_risk is not None, risk
    assert at_risk.state == STATE_ON, risk
    probability = hass.states.get("sensor.hall_plug_failure_probability")
    assert float(probability.state) == pytest.approx(risk.failure_probability)
    assert er.async_get(hass).async_get(at_risk.entity_id).device_id == plug.id
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"device_failure_{entry.entry_id}_{plug.id}")
    assert issue is not None
    assert issue.translation_placeholders["device"] == "Hall plug"
    # ai-automation has no home-type model in this test: HA says so as a repair, not as an error
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"no_model_{entry.entry_id}_ai_automation") is not None

    # Suggestions: the hallway's motion -> light, with its YAML in a notification; accepted from HA.
    suggestions = runtime.ai_coordinator.data.suggestions
    assert suggestions, "ai-automation suggested nothing for the hallway"
    hall = next(s for s in suggestions if s.action_entities == ["light.hall"])
    assert hall.trigger_entities == ["binary_sensor.hall_motion"]
    assert "light.hall" in hall.automation_yaml
    count = hass.states.get("sensor.homeiq_ai_automation_automation_suggestions")
    assert int(count.state) == len(suggestions)
    note = persistent_notification._async_get_or_create_notifications(hass)[notification_id(entry.entry_id)]
    assert f"suggestion_id: {hall.suggestion_id}" in note["message"]
    await hass.services.async_call(
        DOMAIN, "feedback", {"suggestion_id": hall.suggestion_id, "verdict": "dismiss"}, blocking=True
    )
    await hass.async_block_till_done()
    assert hall.suggestion_id not in {s.suggestion_id for s in runtime.ai_coordinator.data.suggestions}
    async with session.get(f"{ai_url}/api/synergies", params={"home_id": "default"}) as answer:
        stored = {s["id"]: s["feedback"] for s in (await answer.json())["suggestions"]}
    assert stored[hall.suggestion_id] == "dismissed"

    # Asked in words: the real service grounds it in this home's entities; the owner accepts it.
    asked = await hass.services.async_call(
        DOMAIN, "suggest", {"request": "turn on the hallway light when there is motion"},
        blocking=True, return_response=True,
    )  # fmt: skip
    assert asked is not None
    assert asked["grounded"] is True, asked
    assert asked["trigger_entities"] == ["binary_sensor.hall_motion"]
    assert asked["action_entities"] == ["light.hall"]
    await hass.services.async_call(
        DOMAIN, "feedback", {"suggestion_id": asked["suggestion_id"], "verdict": "accept"}, blocking=True
    )

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
