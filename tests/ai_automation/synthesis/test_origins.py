"""Who caused each generated change (HA's context) and the routines planted for the history path."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from ai_automation.synergies.history import changes_of, mine_habits
from homeiq_shared.ha_events import normalise_batch

from ..conftest import generated_homes

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """12 homes x 21 days; seed 11 plants habits in some of them."""
    return generated_homes(tmp_path_factory.mktemp("routines") / "ds", count=12, days=21, seed=11)


def _rows(home: dict[str, Any]) -> list[dict[str, Any]]:
    rows, problems = normalise_batch(home["events"], home["home_id"])
    assert problems == []
    return rows


def test_contexts_say_who_caused_a_change_as_ha_writes_them(homes: list[dict[str, Any]]) -> None:
    origins: Counter[str | None] = Counter()
    for home in homes:
        automated = {a for r in home["labels"]["routines"] if r["by"] == "automation" for a in r["actions"]}
        for event in home["events"]:
            if event["event_type"] != "state_changed":
                continue
            context = event["context"]
            assert event["new_state"]["context"] == context  # the state carries the event's context
            assert ULID.match(context["id"])
            if context["parent_id"] is not None:
                assert ULID.match(context["parent_id"])
                assert context["user_id"] is None
                assert event["entity_id"] in automated  # only what a motion automation drives
            if context["user_id"] is not None:
                assert re.fullmatch(r"[0-9a-f]{32}", context["user_id"])
                assert event["entity_id"].split(".")[0] in ("light", "switch")
        origins.update(row["origin"] for row in _rows(home))
    assert origins["system"] > origins["user"] > 0
    assert origins["automation"] > 0
    assert origins[None] == 0


def test_planted_habits_are_labelled_and_found_in_the_history_and_automated_routines_are_not(
    homes: list[dict[str, Any]],
) -> None:
    planted = found = 0
    for home in homes:
        routines = home["labels"]["routines"]
        by_hand = {
            (r["trigger"], r["actions"][0]) for r in routines if r["by"] == "user" and r["occurrences"] >= 10
        }
        automated = {(r["trigger"], a) for r in routines if r["by"] == "automation" for a in r["actions"]}
        habits = {(h.trigger_entity, h.action_entity) for h in mine_habits(changes_of(_rows(home)))}
        assert not habits & automated, home["home_id"]
        planted_any = {(r["trigger"], r["actions"][0]) for r in routines if r["by"] == "user"}
        assert habits <= planted_any, (home["home_id"], habits - planted_any)  # nothing but what was planted
        planted += len(by_hand)
        found += len(habits & by_hand)
    assert planted >= 2
    assert found == planted
