"""Build one home end to end (layout, household, events, context data) and write its JSON file.

Each home draws from its own generator, seeded by (seed, home index), so its bytes do not depend
on which worker builds it or in which order.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ai_automation.synthesis.automations import add_virtual_entities
from ai_automation.synthesis.device_failures import FailurePlan, plan_failures
from ai_automation.synthesis.event_encoding import ContextOrigin, encode_events, iso_strings, ulids
from ai_automation.synthesis.event_simulator import simulate_events
from ai_automation.synthesis.external_data import grid_series, location_weather
from ai_automation.synthesis.home_types import TYPE_PROFILES
from ai_automation.synthesis.household_calendar import household_calendar
from ai_automation.synthesis.household_rhythm import BIN_S, build_rhythm, time_grid
from ai_automation.synthesis.layout import HomeLayout, build_layout
from ai_automation.synthesis.origins import AUTOMATION, Origins
from ai_automation.synthesis.registry_entities import ORIGIN_STREAM, side_rng
from ai_automation.synthesis.sim_context import SimContext

US = 1_000_000


@dataclass(frozen=True)
class HomeJob:
    """What a worker needs to build one home (plain values, cheap to send to a process)."""

    index: int
    home_type: str
    seed: int
    start_s: int
    days: int
    generated_at: str
    generator_version: str
    weather: bool
    carbon: bool
    pricing: bool
    calendar: bool
    gzip: bool
    folder: str


def home_rng(seed: int, index: int) -> np.random.Generator:
    """The home's own generator: independent streams per (seed, home index)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def _labels(layout: HomeLayout, plan: FailurePlan) -> dict[str, Any]:
    episodes = []
    for ep in plan.episodes:
        start, failure = iso_strings(np.array([ep.start_us, ep.failure_us]), micros=True)
        end = iso_strings(np.array([ep.end_us]), micros=True)[0] if ep.end_us is not None else None
        episodes.append(
            {
                "entity_id": layout.entities[ep.entity].entity_id,
                "device_id": layout.device_ids[ep.device],
                "kind": ep.kind,
                "start": start,
                "failure_time": failure,
                "end": end,
            }
        )
    return {"home_type": layout.home_type, "failure_episodes": episodes}


@dataclass
class RenderedHome:
    """A home's file content (as parts to write in order) and its statistics.

    `header` (the document without events and external data), `event_chunks` (one JSON object per
    event, in order) and `external` are the pieces the fleet writer turns into tables without
    parsing the whole document again.
    """

    path: Path
    parts: list[bytes]
    stats: dict[str, Any]
    header: bytes = b"{}"
    event_chunks: list[bytes] = field(default_factory=list)
    external: bytes = b"{}"


def build_home(job: HomeJob) -> dict[str, Any]:
    """Simulate one home, write `home_NNN.json[.gz]` into the job's folder, return its statistics."""
    return store(render_home(job), overlap=True)


class Background(threading.Thread):
    """Run one call in a thread; `outcome()` joins and returns its result or re-raises its error."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._call = call
        self._result: Any = None
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        """Thread body: remember the result or the exception."""
        try:
            self._result = self._call()
        except BaseException as exc:  # handed to the caller in outcome()
            self._error = exc

    def outcome(self) -> Any:
        """Wait for the call; its result, or its exception raised here."""
        self.join()
        if self._error is not None:
            raise self._error
        return self._result


def store(home: RenderedHome, overlap: bool = False) -> dict[str, Any]:
    """Write the file and hash it; with `overlap` the write runs in a thread while this one hashes."""
    digest = hashlib.sha256()
    with open(home.path, "wb", buffering=0) as out:
        if overlap:
            writer = Background(lambda: [out.write(p) for p in home.parts])
            for part in home.parts:
                digest.update(part)
            writer.outcome()
        else:
            for part in home.parts:
                digest.update(part)
                out.write(part)
    return {**home.stats, "sha256": digest.hexdigest(), "bytes": sum(len(p) for p in home.parts)}


def render_home(job: HomeJob) -> RenderedHome:
    """Simulate one home and encode its file, without writing it."""
    rng = home_rng(job.seed, job.index)
    layout = build_layout(job.index, job.home_type, rng)
    add_virtual_entities(layout, rng)
    loc = layout.location
    grid = time_grid(loc.timezone, loc.latitude, loc.longitude, job.start_s, job.days)
    rhythm = build_rhythm(layout, grid, rng)
    weather = location_weather(job.seed, loc.timezone, job.start_s, job.days)
    hours = job.start_s + 3600 * np.arange(weather.points)
    centres = grid.bin_start + BIN_S // 2
    start_us, end_us = job.start_s * US, (job.start_s + job.days * 86400) * US
    ctx = SimContext(
        layout=layout,
        grid=grid,
        rhythm=rhythm,
        rng=rng,
        failures=plan_failures(layout, start_us, end_us, rng),
        outdoor_temp=np.interp(centres, hours, weather.temperature),
        outdoor_rh=np.interp(centres, hours, weather.humidity),
        cloud=np.interp(centres, hours, weather.cloud),
        # who caused what, on a side stream: the home's own draws, so its events, stay the same
        origins=Origins(side_rng(rng, ORIGIN_STREAM)),
    )
    state_cols, other_cols = simulate_events(ctx)
    codes = ctx.origins.codes(state_cols[0], state_cols[1])
    caused = state_cols[0][codes == AUTOMATION] - 200_000  # the automation ran just before its change
    origin = ContextOrigin(
        codes, b"%032x" % int(ctx.origins.rng.integers(0, 2**63)), ulids(caused, ctx.origins.rng)
    )
    encoded = encode_events(
        [e.entity_id for e in layout.entities],
        ctx.states.strings,
        ctx.attrs.fragments,
        state_cols,
        other_cols,
        ctx.others.fragments,
        rng,
        origin,
    )
    carbon, n_carbon, prices, n_prices = grid_series(
        job.seed, loc.timezone, layout.tariff, job.start_s, job.days
    )
    names = [e.friendly_name for e in layout.entities if e.behaviour == "person"]
    calendar, n_calendar = (
        household_calendar(rhythm, names, job.start_s, job.days) if job.calendar else (b"[]", 0)
    )
    points = {
        "weather": weather.points if job.weather else 0,
        "carbon_intensity": n_carbon if job.carbon else 0,
        "pricing": n_prices if job.pricing else 0,
        "calendar": n_calendar,
    }
    external = b"".join(
        (
            b'{"weather":', weather.json if job.weather else b"[]",
            b',"carbon_intensity":', carbon if job.carbon else b"[]",
            b',"pricing":', prices if job.pricing else b"[]",
            b',"calendar":', calendar, b"}",
        )
    )  # fmt: skip
    header = {
        "home_id": layout.home_id,
        "home_type": layout.home_type,
        "size_category": layout.size_category,
        "home_index": job.index,
        "metadata": {
            "home": {
                "name": f"Home {job.index}",
                "type": layout.home_type,
                "size_category": layout.size_category,
                "description": TYPE_PROFILES[layout.home_type].description,
            }
        },
        "generated_at": job.generated_at,
        "timezone": loc.timezone,
        "location": {
            "country": loc.country,
            "climate_zone": loc.climate.name,
            "grid_region": loc.grid.name,
            "tariff": layout.tariff,
            "currency": loc.currency,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
        },
        "seed": job.seed,
        "generator_version": job.generator_version,
        "floors": layout.floors,
        "areas": layout.areas,
        "devices": layout.records,
        "labels": _labels(layout, ctx.failures) | {"routines": ctx.origins.routines},
    }
    head = orjson.dumps(header)
    parts = [head[:-1], b',"events":[', b",".join(encoded.chunks), b'],"external_data":', external, b"}"]
    name = f"home_{job.index:03d}.json"
    if job.gzip:
        parts = [gzip.compress(b"".join(parts), compresslevel=3, mtime=0)]
        name += ".gz"
    stats = {
        "name": name,
        "home_id": layout.home_id,
        "home_type": layout.home_type,
        "size_category": layout.size_category,
        "devices": len(layout.device_ids),
        "entities": len(layout.entities),
        "events": encoded.counts,
        "external_data_points": points,
        "failure_episodes": len(ctx.failures.episodes),
    }
    return RenderedHome(Path(job.folder) / name, parts, stats, head, encoded.chunks, external)


def deterministic_timestamp(start_s: int, days: int) -> str:
    """The dataset's `generated_at`: the end of the simulated window, so reruns stay byte-identical."""
    return datetime.fromtimestamp(start_s + days * 86400, UTC).isoformat()
