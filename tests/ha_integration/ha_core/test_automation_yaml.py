"""Every automation HomeIQ writes is one HA core loads and can run.

The services' Python (3.11) renders the corpus: every pattern of the library with every action domain it
allows (the generic "follow" with every action domain), the habit automations of every state a habit puts
back, and answers to requests in words. HA core (2025.x) then validates each one as its automation editor
does, loads them all with the `automation` integration (HA's built-in blueprints included), and checks
that every action they call is a service HA registers once the action's domain is set up (a
`cover.turn_on` parses but does nothing) and that no state trigger fires on attribute changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import REPO, services_python

CORPUS = textwrap.dedent(
    """
    import json
    import sys
    from ai_automation.ask.compose import suggest
    from ai_automation.synergies.home import entities_of
    from ai_automation.synergies.model import shipped
    from ai_automation.synergies.patterns import GENERIC, PATTERNS
    from ai_automation.synergies.render import automation, habit_automation, service_for_state, to_yaml
    from ai_automation.synergies.roles import ACTION_DOMAINS
    from ai_automation.synergies.services import HABIT_VERBS, SERVICES, SINGLE_ACTION, gives_a_number

    def entity(key, n):
        # a trigger group or kind of the library as an entity: presence, opening, sensor:humidity, timer...
        domain, _, cls = {"presence": "binary_sensor:motion", "opening": "binary_sensor:door"}.get(key, key).partition(":")
        record = {"entity_id": f"{domain}.t{n}", "area": "Hall", "device_id": f"d{n}"}
        return {**record, "device_class": cls} if cls else record

    # the phone's tracker belongs to the phone HA knows (its device id comes in argv), the rest to one device
    phone = sys.argv[1]
    actions = [{"entity_id": f"{d}.target", "area": "Hall", "device_id": phone if d == "device_tracker" else "dt"}
               for d in sorted(ACTION_DOMAINS | {"device_tracker"})]
    groups = sorted({g for p in PATTERNS for g in p.trigger_groups} | {"binary_sensor", "sensor:power", "sensor:timestamp"})
    triggers = [entity(g, n) for n, g in enumerate(groups)]
    home = {"home_id": "yaml", "areas": [{"name": "Hall"}], "devices": triggers + actions}
    ents = {e.entity_id: e for e in entities_of(home)}
    by_group = {g: ents[t["entity_id"]] for g, t in zip(groups, triggers)}
    out, skipped = [], []
    for pattern in (*PATTERNS, GENERIC):
        for group in sorted(pattern.trigger_groups) or groups:
            trigger = by_group[group]
            for domain in sorted(pattern.action_domains or ACTION_DOMAINS):
                action = ents[f"{domain}.target"]
                auto = automation(pattern, trigger, action, "test", f"syn-{pattern.name}-{group}-{domain}")
                if auto is None:
                    skipped.append({"pattern": pattern.name, "domain": domain, "number_trigger": gives_a_number(trigger)})
                else:
                    out.append({"source": f"{pattern.name} {trigger.entity_id} -> {domain}", "yaml": to_yaml(auto)})
    for domain, states in HABIT_VERBS.items():
        for state in [*states, "heat", "cool", "auto"]:
            service = service_for_state(ents[f"{domain}.target"], state)
            if service is not None:
                auto = habit_automation(by_group["presence"], "on", ents[f"{domain}.target"], service, "test", f"syn-habit-{domain}-{state}")
                out.append({"source": f"habit {domain} {state}", "yaml": to_yaml(auto)})
    model, rates = shipped()
    asks = {}
    for request in sys.argv[2:]:
        answer = suggest(request, home, model, rates=rates)
        asks[request] = {"grounded": answer.grounded, "explanation": answer.explanation}
        if answer.automation is not None:
            out.append({"source": f"ask {request!r}", "yaml": to_yaml(answer.automation)})
    services = sorted({*SERVICES.values(), *SINGLE_ACTION.values(), "climate.set_hvac_mode"})
    print(json.dumps({"automations": out, "skipped": skipped, "asks": asks, "services": services}))
    """
)
# Requests in words: each gets an automation (it is validated, loaded and checked with the rest) or a clear
# "no" (False: what HA cannot be told from the request alone).
ASKS = {
    "turn on the hall light when there is motion": True,
    "lock the door at 22:00": True,
    "close the cover at sunset": True,
    "notify me when the door opens": True,
    "start the vacuum at 10:00": True,
    "turn off the fan at 7:00": True,
    "set the number target at 22:00": False,  # set it to what?
}
# The integrations whose services the automations call, set up so HA registers them; the helpers with a
# `target` entity each, so the value-taking actions can run on them.
HELPERS: dict[str, dict[str, Any]] = {
    "input_number": {"target": {"min": 0, "max": 10_000, "step": 0.1}},
    "input_text": {"target": {"max": 255}},
    "input_select": {"target": {"options": ["a", "b"]}},
    "input_boolean": {"target": {}},
    "input_button": {"target": {}},
    "counter": {"target": {}},
    "timer": {"target": {}},
}
DOMAINS = (
    "homeassistant", "light", "switch", "fan", "cover", "lock", "valve", "vacuum", "media_player", "climate",
    "siren", "humidifier", "water_heater", "remote", "camera", "scene", "script", "button", "select", "number",
    "alarm_control_panel", "notify", "mobile_app",
)  # fmt: skip


def _corpus(tmp_path: Path, phone: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'shared'}{os.pathsep}{REPO / 'services'}"}
    done = subprocess.run(
        [services_python(), "-c", CORPUS, phone, *ASKS], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    corpus: dict[str, Any] = json.loads(done.stdout)
    return corpus


async def test_every_automation_homeiq_writes_validates_loads_and_calls_a_real_service(
    hass: HomeAssistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = MockConfigEntry(domain="mobile_app", title="Phone")
    app.add_to_hass(hass)
    phone = dr.async_get(hass).async_get_or_create(
        config_entry_id=app.entry_id, identifiers={("mobile_app", "p1")}
    )
    corpus = _corpus(tmp_path, phone.id)
    items = [(a["source"], yaml.safe_load(a["yaml"])) for a in corpus["automations"]]
    assert all(len(doc) == 1 for _, doc in items)  # a one-item list, as automations.yaml holds them
    # what is not written: an alarm panel (its code), a number from a trigger whose state is no number
    assert {(x["domain"], x["number_trigger"]) for x in corpus["skipped"]} == {
        ("alarm_control_panel", False), ("alarm_control_panel", True), ("number", False), ("input_number", False)
    }  # fmt: skip
    assert {r: a["grounded"] for r, a in corpus["asks"].items()} == ASKS, corpus["asks"]
    assert "to set it to" in corpus["asks"]["set the number target at 22:00"]["explanation"]
    patterns = {source.split()[0] for source, _ in items}
    assert len(items) > 700
    assert {"follow", "habit", "ask", "motion_light", "leaving_zone"} <= patterns

    hass.config.config_dir = str(tmp_path)  # HA copies its built-in blueprints here
    await async_get_blueprints(hass).async_populate()
    for domain in DOMAINS:
        assert await async_setup_component(hass, domain, {}), domain
    for domain, config in HELPERS.items():
        assert await async_setup_component(hass, domain, {domain: config}), domain
    await hass.async_block_till_done()

    invalid = []
    for source, (doc,) in items:
        try:
            await async_validate_config_item(hass, "automation", dict(doc))
        except Exception as err:  # the editor's own error, whatever its type, is the finding
            invalid.append(f"{source}: {err}")
    assert not invalid, invalid[:10]
    # a state trigger naming neither `to` nor `not_to` also fires when only an attribute changes
    chatty = [source for source, (doc,) in items for t in doc.get("triggers", [])
              if t["trigger"] == "state" and not {"to", "from", "not_to"} & set(t)]  # fmt: skip
    assert not chatty, chatty[:10]

    assert await async_setup_component(hass, "automation", {"automation": [doc for _, (doc,) in items]})
    await hass.async_block_till_done()
    loaded = hass.states.async_all("automation")
    assert len(loaded) == len(items)  # HA drops an automation it cannot load
    assert {s.state for s in loaded} == {"off"}  # never enabled automatically
    unknown = [name for name in corpus["services"] if not hass.services.has_service(*name.split("."))]
    assert not unknown, unknown  # every service of the tables, used by this corpus or not
    missing = [f"{source}: {a['action']}" for source, (doc,) in items for a in doc.get("actions", [])
               if not hass.services.has_service(*a["action"].split("."))]  # fmt: skip
    assert not missing, missing[:10]

    # The helpers' automations run: each sets, starts, presses or counts its helper from its trigger's state.
    by_id = {s.attributes["id"]: s.entity_id for s in loaded}
    runs = 0
    for _, (doc,) in items:
        actions = doc.get("actions", [])
        if not actions or actions[0]["target"]["entity_id"].partition(".")[0] not in HELPERS:
            continue
        for trigger in doc["triggers"]:
            if trigger["trigger"] != "event":
                hass.states.async_set(trigger["entity_id"], "42", {})  # a state every trigger kind may have
        await hass.services.async_call(
            "automation", "trigger", {"entity_id": by_id[doc["id"]]}, blocking=True
        )
        await hass.async_block_till_done()
        after = hass.states.get(actions[0]["target"]["entity_id"])
        if actions[0]["action"] in ("input_number.set_value", "input_text.set_value"):
            assert float(after.state) == 42, (doc["alias"], after.state)
        assert after is not None
        runs += 1
    assert runs > 50
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and "automation" in r.name]
    assert not errors, errors[:5]
