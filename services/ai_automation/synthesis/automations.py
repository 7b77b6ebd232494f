"""The home's non-device entities: sun, people, and the automations, scripts and scenes it runs.

They exist as entities in the home file so that every `automation_triggered`, `script_started`
and `scene_activated` event refers to a real entity, as it would in Home Assistant.
"""

from __future__ import annotations

import numpy as np

from ai_automation.synthesis.home_types import PERSON_NAMES
from ai_automation.synthesis.layout import HomeLayout, add_virtual, slugify

# (role, name, probability when its prerequisite behaviours exist, prerequisite behaviours)
_HOUSE_AUTOMATIONS = (
    ("leave_home", "Leaving Home", 0.65, ("light",)),
    ("arrive_home", "Welcome Home", 0.55, ("light",)),
    ("good_morning", "Good Morning", 0.4, ("light", "blind", "speaker")),
    ("good_night", "Good Night", 0.55, ("light", "lock", "alarm")),
    ("sunset_lights", "Sunset Lights", 0.45, ("light",)),
    ("climate_schedule", "Climate Schedule", 0.7, ("thermostat",)),
    ("vacuum_away", "Vacuum When Away", 0.75, ("vacuum",)),
    ("alarm_away", "Arm Alarm When Away", 0.8, ("alarm",)),
)
_SCRIPTS = (
    ("turn_on_lights", "Turn On Lights", ("light",)),
    ("turn_off_lights", "Turn Off Lights", ("light",)),
    ("set_climate", "Set Climate", ("thermostat",)),
    ("security_mode", "Security Mode", ("lock", "alarm", "camera")),
)
_SCENES = (
    ("movie_night", "Movie Night", ("tv",)),
    ("relax", "Relax", ("light",)),
    ("dinner", "Dinner", ("light",)),
    ("goodnight", "Goodnight", ("light",)),
    ("morning", "Morning", ("light",)),
)
WEBHOOK_SOURCES = ("ifttt", "zapier", "node_red", "tasker", "homey")


def add_virtual_entities(layout: HomeLayout, rng: np.random.Generator) -> None:
    """Add sun.sun, one person per occupant, and the automations, scripts and scenes this home has."""
    add_virtual(layout, "sun.sun", "sun", "Sun")
    names = rng.choice(len(PERSON_NAMES), size=layout.occupants, replace=False)
    for i in names:
        add_virtual(layout, f"person.{PERSON_NAMES[int(i)]}", "person", PERSON_NAMES[int(i)].title())
    present = {e.behaviour for e in layout.entities}
    lights_by_area: dict[int, list[int]] = {}
    motion_by_area: dict[int, int] = {}
    for i, e in enumerate(layout.entities):
        if e.behaviour == "light":
            lights_by_area.setdefault(e.area, []).append(i)
        elif e.behaviour == "motion":
            motion_by_area.setdefault(e.area, i)
    for area, motion in motion_by_area.items():
        if area in lights_by_area and rng.random() < 0.7:
            name = f"{layout.areas[area]['name']} Motion Lights"
            targets = (motion, *lights_by_area[area])
            add_virtual(
                layout, f"automation.{slugify(name)}", "automation", name, area, "motion_lights", targets
            )
    for role, name, prob, needs in _HOUSE_AUTOMATIONS:
        if present.intersection(needs) and rng.random() < prob:
            targets = tuple(layout.by_behaviour(*needs))
            add_virtual(layout, f"automation.{slugify(name)}", "automation", name, -1, role, targets)
    if rng.random() < 0.25:
        source = WEBHOOK_SOURCES[int(rng.integers(len(WEBHOOK_SOURCES)))]
        name = f"{source.replace('_', ' ').title()} Webhook"
        targets = tuple(layout.by_behaviour("light", "outlet", "switch", "speaker"))
        if targets:
            add_virtual(layout, f"automation.{slugify(name)}", "automation", name, -1, "webhook", targets)
    for role, name, needs in _SCRIPTS:
        if present.intersection(needs) and rng.random() < 0.6:
            add_virtual(
                layout, f"script.{role}", "script", name, -1, role, tuple(layout.by_behaviour(*needs))
            )
    living = next((i for i, k in enumerate(layout.area_kinds) if k in ("living_room", "main_room")), -1)
    for role, name, needs in _SCENES:
        if present.intersection(needs) and rng.random() < 0.45:
            add_virtual(
                layout, f"scene.{role}", "scene", name, living, role, tuple(layout.by_behaviour(*needs))
            )
