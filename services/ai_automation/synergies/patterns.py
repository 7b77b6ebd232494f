"""The typed pattern library: which trigger kind drives which action domain, how, and under what conditions.

A pattern names the trigger (an entity kind and the HA trigger that watches it), the action domain and
service, optional conditions (sun, time of day, someone home) and, when one fits, HA's built-in
blueprint (`homeassistant/motion_light.yaml`). The curated patterns (`curated=True`) are the
hand-written compatibility table; every other trigger/action pair gets the generic "follow" pattern,
so any pair the statistics or the home's history support can still be written as an automation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ai_automation.synergies.home import Entity
from ai_automation.synergies.services import action_call, aimed_at


class Condition(StrEnum):
    """Conditions a pattern adds to its automation."""

    SUN_DOWN = "sun_down"


ON, OFF = "{domain}.turn_on", "{domain}.turn_off"
"""A pattern's service when it depends on the action's domain: what turns it on / off there
(`services.action_call`: `cover.open_cover`, `lock.lock`, `timer.start`...)."""


@dataclass(frozen=True)
class TriggerSpec:
    """How the automation watches its trigger entity."""

    platform: str = "state"
    to: str | None = None
    from_: str | None = None
    above: float | None = None
    below: float | None = None
    for_seconds: int | None = None
    event_type: str | None = None


@dataclass(frozen=True)
class Pattern:
    """One trigger kind -> action domain rule of the library."""

    name: str
    trigger_groups: frozenset[str]
    action_domains: frozenset[str]
    trigger: TriggerSpec
    service: str
    summary: str
    data: Mapping[str, Any] = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()
    blueprint: str | None = None
    curated: bool = True

    def action_for(self, trigger: Entity, action: Entity) -> dict[str, Any] | None:
        """The automation's action on `action` (`action`, `target`, `data`), or None when HA has no service
        doing this pattern's verb to an entity of that domain."""
        if self.service in (ON, OFF):
            call = action_call(action.domain, "on" if self.service == ON else "off", trigger)
        else:
            call = {"action": self.service}
        return None if call is None else aimed_at(call, action.entity_id, self.data)


def _p(
    name: str,
    triggers: set[str],
    actions: set[str],
    trigger: TriggerSpec,
    service: str,
    summary: str,
    **kwargs: Any,
) -> Pattern:
    return Pattern(name, frozenset(triggers), frozenset(actions), trigger, service, summary, **kwargs)


_SWITCHABLE = {"light", "switch", "fan", "input_boolean", "siren", "humidifier", "water_heater"}
PATTERNS: tuple[Pattern, ...] = (
    _p("motion_light", {"presence"}, {"light"}, TriggerSpec(to="on"), "light.turn_on",
       "Turn on {action} when {trigger} detects someone", conditions=(Condition.SUN_DOWN,),
       blueprint="homeassistant/motion_light.yaml"),
    _p("presence_on", {"presence"}, {"switch", "fan", "media_player", "input_boolean"}, TriggerSpec(to="on"),
       ON, "Turn on {action} when {trigger} detects someone"),
    _p("opening_light", {"opening"}, {"light"}, TriggerSpec(to="on"), "light.turn_on",
       "Turn on {action} when {trigger} opens", conditions=(Condition.SUN_DOWN,)),
    _p("door_lock", {"opening"}, {"lock"}, TriggerSpec(to="off", for_seconds=300), "lock.lock",
       "Lock {action} when {trigger} has been closed for 5 minutes"),
    _p("window_climate", {"opening"}, {"climate"}, TriggerSpec(to="on", for_seconds=120),
       "climate.set_hvac_mode", "Pause {action} while {trigger} is open", data={"hvac_mode": "off"}),
    _p("opening_switch", {"opening"}, {"switch", "cover"}, TriggerSpec(to="on"), ON,
       "Turn on {action} when {trigger} opens"),
    _p("heat_fan", {"sensor:temperature"}, {"fan", "switch", "climate"}, TriggerSpec("numeric_state", above=26),
       ON, "Turn on {action} when {trigger} rises above 26"),
    _p("humid_fan", {"sensor:humidity"}, {"fan", "switch", "climate"}, TriggerSpec("numeric_state", above=70),
       ON, "Turn on {action} when {trigger} rises above 70 %"),
    _p("dark_light", {"sensor:illuminance"}, {"light", "switch"}, TriggerSpec("numeric_state", below=20),
       ON, "Turn on {action} when {trigger} falls below 20 lx"),
    _p("dark_cover", {"sensor:illuminance"}, {"cover"}, TriggerSpec("numeric_state", below=20),
       "cover.close_cover", "Close {action} when {trigger} falls below 20 lx"),
    _p("tv_dim", {"media_player:tv", "media_player"}, {"light"}, TriggerSpec(to="playing"), "light.turn_on",
       "Dim {action} when {trigger} starts playing", data={"brightness_pct": 30}, conditions=(Condition.SUN_DOWN,)),
    _p("media_follow", {"media_player:tv", "media_player", "media_player:speaker", "media_player:receiver"},
       {"media_player"}, TriggerSpec(to="on"), "media_player.turn_on", "Turn on {action} when {trigger} turns on"),
    _p("mode_change", {"input_select", "select"}, _SWITCHABLE | {"media_player", "climate", "input_select", "scene", "script", "cover"},
       TriggerSpec(), ON, "Act on {action} when {trigger} changes mode"),
    _p("helper_on", {"input_boolean"}, _SWITCHABLE | {"media_player", "climate", "lock", "alarm_control_panel", "script", "scene", "automation"},
       TriggerSpec(to="on"), ON, "Turn on {action} when {trigger} is switched on"),
    _p("timer_done", {"timer"}, _SWITCHABLE | {"timer", "media_player"}, TriggerSpec("event", event_type="timer.finished"),
       OFF, "Turn off {action} when {trigger} finishes"),
    _p("light_follow", {"light", "switch"}, {"light", "switch"}, TriggerSpec(to="on"), ON,
       "Turn on {action} together with {trigger}"),
    _p("unlock_light", {"lock"}, {"light"}, TriggerSpec(to="unlocked"), "light.turn_on",
       "Turn on {action} when {trigger} is unlocked", conditions=(Condition.SUN_DOWN,)),
    _p("power_done", {"sensor:power"}, {"input_boolean", "switch", "notify"}, TriggerSpec("numeric_state", below=5, for_seconds=300),
       OFF, "Turn off {action} when {trigger} drops below 5 W for 5 minutes"),
    _p("smoke_alarm", {"binary_sensor:smoke", "binary_sensor:gas", "binary_sensor:carbon_monoxide"},
       {"siren", "light", "switch"}, TriggerSpec(to="on"), ON, "Turn on {action} when {trigger} alarms"),
    _p("leaving_zone", {"person"}, {"device_tracker"}, TriggerSpec(from_="home"), "mobile_app.notify",
       "Notify the phone of {action} when {trigger} leaves home",
       blueprint="homeassistant/notify_leaving_zone.yaml"),
    _p("leak_valve", {"binary_sensor:moisture"}, {"valve", "switch"}, TriggerSpec(to="on"), OFF,
       "Shut {action} when {trigger} detects water"),
)  # fmt: skip

GENERIC = Pattern(
    "follow", frozenset(), frozenset(), TriggerSpec(), ON,
    "Act on {action} when {trigger} changes", curated=False,
)  # fmt: skip
_BY_PAIR: dict[tuple[str, str], Pattern] = {}
for _pattern in PATTERNS:
    for _group in _pattern.trigger_groups:
        for _domain in _pattern.action_domains:
            _BY_PAIR.setdefault((_group, _domain), _pattern)


def match(trigger: Entity, action: Entity) -> Pattern:
    """The library's pattern for a pair: by trigger group (`presence`), then trigger kind, then domain;
    the generic "follow" pattern when none is curated."""
    for key in (trigger.group, trigger.kind, trigger.domain):
        pattern = _BY_PAIR.get((key, action.domain))
        if pattern is not None:
            return pattern
    return GENERIC


def is_curated(trigger: Entity, action: Entity) -> bool:
    """Whether the hand-written table covers the pair."""
    return match(trigger, action).curated
