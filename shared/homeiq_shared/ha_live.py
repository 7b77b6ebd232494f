"""Pull a live Home Assistant on a schedule (off unless HA_URL and HA_TOKEN are set): registries and history.

The websocket API (`ha_websocket`) gives the area, floor, device and entity registries, stored as the
home's snapshot exactly as a config-folder import stores `.storage` (`ha_registries`).
`GET /api/states` lists the entities; `GET /api/history/period/<start>?filter_entity_id=...&end_time=...`
(with a long-lived token as `Authorization: Bearer`) gives, per entity, its state objects in time
order. Consecutive states of an entity become `state_changed` events (old state, new state) and go
through the same validation and idempotent storage as `POST /api/ha/events`, so overlapping pulls
add nothing. HA being unreachable is logged and retried at the next pull; it never blocks
`/train` or `/predict`. `status()` is what `/health` shows of the link (`contracts.health.HaLinkStatus`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from homeiq_shared.contracts.health import HaLinkStatus
from homeiq_shared.ha_events import StoreRows, normalise_batch, store_events
from homeiq_shared.ha_registries import snapshot_from_registries
from homeiq_shared.ha_snapshots import upsert_snapshot
from homeiq_shared.ha_websocket import HaWebsocketError, Registries, fetch_registries, websocket_url
from homeiq_shared.state_files import read_state, write_state

logger = logging.getLogger(__name__)

_ENTITIES_PER_REQUEST = 50
HA_LIVE_STATE_FILE = "ha_live_state.json"


@dataclass(frozen=True)
class LivePullConfig:
    """Where HA is, how often to pull, and how far back the first pull reaches."""

    url: str
    token: str
    home_id: str = "default"
    interval_minutes: int = 15
    first_lookback_hours: int = 24
    websocket: str | None = None
    """The websocket address (default: `url`'s, `ws(s)://.../api/websocket`)."""

    @property
    def websocket_address(self) -> str:
        """Where the registries are read."""
        return self.websocket or websocket_url(self.url)


def history_to_events(history: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """HA history (a list of state lists, one per entity) as `state_changed` events in HA's wire shape."""
    events = []
    for states in history:
        previous: dict[str, Any] | None = None
        for state in states:
            if not isinstance(state, dict) or "entity_id" not in state:
                continue
            when = state.get("last_updated") or state.get("last_changed")
            events.append(
                {
                    "event_type": "state_changed",
                    "time_fired": when,
                    "origin": "LOCAL",
                    "context": state.get("context") or {},
                    "data": {"entity_id": state["entity_id"], "old_state": previous, "new_state": state},
                }
            )
            previous = state
    return events


class HaRestClient:
    """The two HA REST calls the puller needs, with the long-lived token."""

    def __init__(self, url: str, token: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=30,
            transport=transport,
        )

    async def entity_ids(self) -> list[str]:
        """Every entity id HA currently has (`GET /api/states`)."""
        response = await self._client.get("/api/states")
        response.raise_for_status()
        return sorted({s["entity_id"] for s in response.json() if isinstance(s, dict) and "entity_id" in s})

    async def history(
        self, start: datetime, end: datetime, entity_ids: Sequence[str]
    ) -> list[list[dict[str, Any]]]:
        """State history of `entity_ids` between `start` and `end`, in chunks HA's URL length allows."""
        out: list[list[dict[str, Any]]] = []
        for i in range(0, len(entity_ids), _ENTITIES_PER_REQUEST):
            chunk = entity_ids[i : i + _ENTITIES_PER_REQUEST]
            response = await self._client.get(
                f"/api/history/period/{start.isoformat()}",
                params={"filter_entity_id": ",".join(chunk), "end_time": end.isoformat()},
            )
            response.raise_for_status()
            out.extend(response.json())
        return out

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()


class LivePuller:
    """Pulls HA's registries and history every `interval_minutes`, from where the last pull ended (kept in a state file)."""

    def __init__(
        self,
        config: LivePullConfig,
        sessionmaker: async_sessionmaker[AsyncSession],
        state_path: Path,
        store_rows: StoreRows = store_events,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._config = config
        self._sessions = sessionmaker
        self._state_path = state_path
        self._store_rows = store_rows
        self._client = HaRestClient(config.url, config.token, transport)
        self._task: asyncio.Task[None] | None = None
        self.attempted = asyncio.Event()
        """Set once a pull has been attempted (what a caller awaits instead of polling `last`)."""
        self.last: dict[str, Any] = self._read_state()

    def _read_state(self) -> dict[str, Any]:
        return read_state(self._state_path)

    def _write_state(self) -> None:
        write_state(self._state_path, self.last)

    async def _pull_registries(self) -> dict[str, int]:
        """The registries over the websocket, stored as the home's snapshot; their counts."""
        registries: Registries = await fetch_registries(self._config.websocket_address, self._config.token)
        snapshot = snapshot_from_registries(
            registries["floors"], registries["areas"], registries["devices"], registries["entities"]
        )
        async with self._sessions() as session:
            await upsert_snapshot(
                session, self._config.home_id, snapshot.areas, snapshot.devices, source="live"
            )
        return snapshot.counts

    async def pull_once(self, now: datetime | None = None) -> dict[str, Any]:
        """One pull: the registries, then the history from the end of the previous pull (or the first lookback) to `now`.

        A failing part is recorded (`error`, kept in `last_error`) and the other still runs; the
        history window only moves on when the history was read.
        """
        now = now or datetime.now(UTC)
        since_text = self.last.get("until")
        since = (
            datetime.fromisoformat(since_text)
            if since_text
            else now - timedelta(hours=self._config.first_lookback_hours)
        )
        result: dict[str, Any] = {"since": since.isoformat(), "until": now.isoformat(), "at": now.isoformat()}
        errors = []
        try:
            result["registries"] = await self._pull_registries()
        except HaWebsocketError as exc:
            errors.append(f"registries: {exc}")
        try:
            entity_ids = await self._client.entity_ids()
            history = await self._client.history(since, now, entity_ids)
        except (httpx.HTTPError, ValueError) as exc:
            errors.append(f"history: Home Assistant unreachable or refused: {exc}")
        else:
            rows, problems = normalise_batch(history_to_events(history), self._config.home_id)
            async with self._sessions() as session:
                stored = await self._store_rows(session, rows)
            result.update(entities=len(entity_ids), events=len(rows), stored=stored, skipped=len(problems))
            self.last["until"] = now.isoformat()
        if errors:
            result.update(status="error", error="; ".join(errors))
            logger.warning("live HA pull failed: %s", result["error"])
            self.last["last_error"] = result
        else:
            result["status"] = "ok"
            self.last["last_pull"] = result
        self.last["last_attempt"] = result
        self._write_state()
        self.attempted.set()
        return result

    def status(self) -> HaLinkStatus:
        """What `/health` shows of the link: the last pull, the last error, what HA holds."""
        good: dict[str, Any] = self.last.get("last_pull") or {}
        bad: dict[str, Any] = self.last.get("last_error") or {}
        attempt: dict[str, Any] = self.last.get("last_attempt") or {}
        registries: dict[str, int] = good.get("registries") or {}
        return HaLinkStatus(
            ok=attempt.get("status") == "ok",
            interval_minutes=self._config.interval_minutes,
            last_attempt=attempt.get("at") or attempt.get("until"),
            last_pull=good.get("at") or good.get("until"),
            last_error=bad.get("error"),
            last_error_at=bad.get("at") or bad.get("until"),
            entities=good.get("entities"),
            areas=registries.get("areas"),
            devices=registries.get("devices"),
            registry_entities=registries.get("entities"),
        )

    async def _loop(self) -> None:
        while True:
            await self.pull_once()
            await asyncio.sleep(self._config.interval_minutes * 60)

    def start(self) -> None:
        """Start pulling in the background (call inside the running event loop)."""
        self._task = asyncio.create_task(self._loop(), name="ha-live-pull")

    async def stop(self) -> None:
        """Stop the background pulls and close the client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()


def live_puller_from_settings(
    url: str | None,
    token: str | None,
    interval_minutes: int,
    sessionmaker: async_sessionmaker[AsyncSession],
    state_path: Path,
    store_rows: StoreRows = store_events,
) -> LivePuller | None:
    """A started puller when both HA_URL and HA_TOKEN are configured, else None (the feature is off)."""
    if not url or not token:
        return None
    puller = LivePuller(
        LivePullConfig(url=url, token=token, interval_minutes=interval_minutes),
        sessionmaker,
        state_path,
        store_rows,
    )
    puller.start()
    logger.info("pulling Home Assistant history from %s every %s min", url, interval_minutes)
    return puller
