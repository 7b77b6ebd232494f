"""A stored home's history read by one grouped query is the history its stored rows give, change for
change (times exact to the bit), and the habits mined from it are the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
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


def _changes(h: Any) -> list[tuple[str, str, float, bool]]:
    return sorted(
        zip([h.entity_ids[i] for i in h.entity], [h.states[i] for i in h.state], h.time.tolist(),
            h.by_user.tolist(), strict=True)
    )  # fmt: skip


async def test_a_cached_read_takes_only_the_new_rows_and_gives_the_whole_windows_history(
    ai_settings: AiAutomationSettings, tmp_path: Path, monkeypatch: Any
) -> None:
    """The cache keeps a home's last read: the next one groups only what was stored after it, drops what
    left the 30 days, and equals a read of the whole window; a row deleted or stored late inside the span
    already read makes it read the whole window again."""
    import ai_automation.synergies.stored_history as stored
    from ai_automation.synergies.cache import Lru
    from homeiq_shared.ha_events import purge_older_than

    grouped_rows: list[int] = []
    grouped: dict[str, int] = {}
    groups = stored._groups

    async def counting(session: Any, where: list[Any]) -> list[Any]:
        out = await groups(session, where)
        grouped_rows.append(sum(int(g[3]) for g in out))
        return out

    monkeypatch.setattr(stored, "_groups", counting)
    home = _generated_home(tmp_path / "ds")
    home_id = home["home_id"].replace("_", "-")
    events = sorted(home["events"], key=lambda e: e["time_fired"])
    first, rest = events[: len(events) * 3 // 4], events[len(events) * 3 // 4 :]
    late_one = next(  # a light's change from the middle of the span, held back to be stored late
        e
        for e in events[len(events) // 2 :]
        if e["event_type"] == "state_changed" and e["entity_id"].startswith("light.")
    )
    cache: Lru[str, stored.StoredWindow] = Lru(2)
    app = create_app(ai_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=60) as client:

            async def send(batch: list[dict[str, Any]]) -> None:
                for start in range(0, len(batch), 20_000):
                    body = {"home_id": home_id, "events": batch[start : start + 20_000]}
                    assert (await client.post("/api/ha/events", json=body)).status_code == 200

            async def read(days: int = 30) -> tuple[Any, Any]:
                """The whole window read, and the cached read; `grouped` the rows each of them grouped."""
                async with app.state.sessionmaker() as session:
                    first = len(grouped_rows)
                    whole = await stored.stored_history(session, home_id, days, 500_000)
                    second = len(grouped_rows)
                    cached = await stored.stored_history(session, home_id, days, 500_000, cache)
                grouped["whole"] = sum(grouped_rows[first:second])
                grouped["cached"] = sum(grouped_rows[second:])
                return whole, cached

            await send([e for e in first if e is not late_one])
            whole, cached = await read()
            assert grouped["cached"] == grouped["whole"] > 0  # nothing cached yet: the whole window
            assert _changes(cached) == _changes(whole)

            await send(rest)
            whole, cached = await read()
            assert 0 < grouped["cached"] < grouped["whole"] / 2  # only the rows stored since
            assert len(cached) == len(whole)
            assert _changes(cached) == _changes(whole)
            assert cached.time.tolist() == sorted(cached.time.tolist())
            assert mine_habits(cached) == mine_habits(whole)

            whole, cached = await read()  # nothing new: only the newest instant's rows are read again
            newest = max(e["time_fired"] for e in events if e["event_type"] == "state_changed")
            at_newest = np.abs(whole.time - _utc(newest).timestamp()) < 1e-6
            assert grouped["cached"] == int(at_newest.sum()) < 10
            assert _changes(cached) == _changes(whole)

            # another change of that very instant, stored after the read (a batch ended between them)
            twin = next(
                e
                for e in reversed(events)
                if e["time_fired"] == newest and e["event_type"] == "state_changed"
            )
            await send([{**twin, "context": {**twin.get("context", {}), "id": "same-instant"}}])
            whole, cached = await read()
            assert grouped["cached"] < 10  # moved on, not read whole
            assert len(cached) == len(whole)
            assert _changes(cached) == _changes(whole)

            whole, cached = await read(days=7)  # a shorter window: what left it is dropped
            assert grouped["cached"] == 0
            assert _changes(cached) == _changes(whole)
            whole, cached = await read()  # and a longer one again: the whole window
            assert grouped["cached"] == grouped["whole"]
            assert _changes(cached) == _changes(whole)

            await send([late_one])  # stored late, inside the span read: the whole window again
            whole, cached = await read()
            assert grouped["cached"] == grouped["whole"]
            assert _changes(cached) == _changes(whole)

            async with app.state.sessionmaker() as session:  # rows deleted: the whole window again
                newest = max(e["time_fired"] for e in events)
                assert await purge_older_than(session, 10, now=_utc(newest)) > 0
            whole, cached = await read()
            assert grouped["cached"] == grouped["whole"]
            assert _changes(cached) == _changes(whole)
            assert len(cached) == len(whole)


def _utc(value: Any) -> Any:
    from datetime import UTC, datetime

    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value)).astimezone(UTC)
