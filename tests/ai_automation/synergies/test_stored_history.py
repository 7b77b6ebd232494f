"""A stored home's history read by one grouped query is the history its stored rows give, change for
change (times exact to the bit), and the habits mined from it are the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from ai_automation.synergies.history import history_of, mine_habits
from ai_automation.synergies.stored_history import stored_history
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from homeiq_shared.ha_events import recent_state_changes


def _generated_home(folder: Path) -> dict[str, Any]:
    options = GeneratorOptions(
        count=12, days=21, seed=11, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, folder)
    homes = [orjson.loads(p.read_bytes()) for p in sorted(folder.glob("home_*.json"))]
    # the home with the most planted habits (by hand), so the comparison covers real habits
    return max(
        homes, key=lambda h: sum(r["occurrences"] for r in h["labels"]["routines"] if r["by"] == "user")
    )


async def test_the_grouped_read_gives_the_rows_history(
    ai_settings: AiAutomationSettings, tmp_path: Path
) -> None:
    home = _generated_home(tmp_path / "ds")
    home_id = home["home_id"].replace("_", "-")
    app = create_app(ai_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=60) as client:
            events = home["events"]
            for start in range(0, len(events), 20_000):
                r = await client.post(
                    "/api/ha/events", json={"home_id": home_id, "events": events[start : start + 20_000]}
                )
                assert r.status_code == 200, r.text
        async with app.state.sessionmaker() as session:
            rows = await recent_state_changes(session, home_id, 30, 500_000)
            grouped = await stored_history(session, home_id, 30, 500_000)
            newest = await stored_history(session, home_id, 30, 1_000)
            assert (await stored_history(session, "no-such-home", 30, 10)).rows == 0
    expected = history_of(rows)
    assert len(grouped) == len(rows) > 0
    changes = lambda h: sorted(  # noqa: E731 (the same multiset of changes, whatever the order of ties)
        zip([h.entity_ids[i] for i in h.entity], [h.states[i] for i in h.state], h.time.tolist(), h.by_user.tolist(), strict=True)
    )  # fmt: skip
    assert changes(grouped) == changes(expected)
    assert grouped.time.tolist() == sorted(grouped.time.tolist())
    habits = mine_habits(grouped)
    assert habits == mine_habits(expected)
    assert habits, "the generated home should show a planted habit"
    assert len(newest) == 1_000  # the newest rows only
    assert newest.time.min() >= max(rows[-1_000]["time_fired"], 0.0)
