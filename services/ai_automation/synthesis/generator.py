"""Synthetic Home Assistant homes: the public entry point of the generator.

`generate_dataset(GeneratorOptions(...), folder)` writes one `home_NNN.json` per home (areas,
devices, HA events, weather, carbon intensity, prices, calendar, ground-truth labels) and a
`summary.json`, seeded and byte-reproducible, homes built in parallel processes if asked.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ai_automation.synthesis.dataset_writer import (
    OutputPathError,
    check_output,
    publish,
    staging_folder,
    write_json,
)
from ai_automation.synthesis.home_builder import (
    Background,
    HomeJob,
    build_home,
    deterministic_timestamp,
    render_home,
    store,
)
from ai_automation.synthesis.home_types import HOME_TYPES
from ai_automation.synthesis.layout import type_mix
from homeiq_shared.event_types import EVENT_TYPES

logger = logging.getLogger(__name__)

# 2.7: the weather's daily cycle follows the season and peaks earlier, the humidity falls as the day warms,
# less hourly jitter (fitted on half of the DWD test reference year, bench/bench_context_realism.py); a
# whole-home meter's cooking follows the household's day instead of fixed hours (BDEW H0 shape check);
# 2.6.1: dynamic prices move around the Belgian 2023 profile instead of below it (the renewables' mean cut
# added back), with the cuts fitted on half of that year (bench/bench_context_realism.py);
# 2.6: the registry declares its floors in some homes only, as real ones do (floor registry), and some
# registries hold no light at all;
# 2.5: a share of devices left in no area, as real registries leave them (2.5.1: the other hardware keeps
# its areas, events name the registry's area); 2.4: floor-level areas, config/diagnostic entities, other hardware
GENERATOR_VERSION = "2.7.0"
DEFAULT_SEED = 42
DEFAULT_START_DATE = date(2025, 10, 1)
MAX_HOMES = 100_000
MAX_DAYS = 3_660
_TUNED = False


class GeneratorInputError(ValueError):
    """Options or an output folder the generator cannot work with."""


@dataclass(frozen=True)
class GeneratorOptions:
    """What to generate: how many homes, how many days, from which seed and date, which context data."""

    count: int = 10
    days: int = 30
    seed: int = DEFAULT_SEED
    start_date: date = DEFAULT_START_DATE
    home_types: tuple[str, ...] | None = None
    weather: bool = True
    carbon: bool = True
    pricing: bool = True
    calendar: bool = True
    workers: int = 1
    gzip: bool = False

    def __post_init__(self) -> None:
        def bad(message: str) -> GeneratorInputError:
            """The exception for one invalid option."""
            return GeneratorInputError(message)

        if (
            isinstance(self.count, bool)
            or not isinstance(self.count, int)
            or not 1 <= self.count <= MAX_HOMES
        ):
            raise bad(f"count must be an integer from 1 to {MAX_HOMES}, got {self.count!r}")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or not 1 <= self.days <= MAX_DAYS:
            raise bad(f"days must be an integer from 1 to {MAX_DAYS}, got {self.days!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise bad(f"seed must be an integer from 0 to 2**32-1, got {self.seed!r}")
        if not isinstance(self.start_date, date) or isinstance(self.start_date, datetime):
            raise bad(f"start_date must be a date, got {self.start_date!r}")
        if not date(1971, 1, 1) <= self.start_date <= date(2200, 1, 1):
            raise bad(f"start_date must be between 1971 and 2200, got {self.start_date}")
        if self.home_types is not None:
            if not self.home_types:
                raise bad("home_types must name at least one home type")
            unknown = [t for t in self.home_types if t not in HOME_TYPES]
            if unknown:
                raise bad(
                    f"unknown home type(s) {', '.join(map(str, unknown))}; choose from {', '.join(HOME_TYPES)}"
                )
            object.__setattr__(self, "home_types", tuple(dict.fromkeys(self.home_types)))
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or not 1 <= self.workers <= 64:
            raise bad(f"workers must be an integer from 1 to 64, got {self.workers!r}")

    @property
    def start_s(self) -> int:
        """Window start: 00:00 UTC of `start_date`, in seconds since the epoch."""
        return int(
            datetime(self.start_date.year, self.start_date.month, self.start_date.day, tzinfo=UTC).timestamp()
        )

    def arguments(self) -> dict[str, Any]:
        """The options that shape the output (not `workers`: results do not depend on it)."""
        return {
            "count": self.count,
            "days": self.days,
            "seed": self.seed,
            "start_date": self.start_date.isoformat(),
            "home_types": list(self.home_types) if self.home_types else None,
            "weather": self.weather,
            "carbon": self.carbon,
            "pricing": self.pricing,
            "calendar": self.calendar,
            "gzip": self.gzip,
        }


def tune_allocator() -> None:
    """Let glibc keep freed memory for reuse instead of unmapping it.

    The generator allocates and frees many megabyte-sized buffers per home; with the default
    thresholds each one is a fresh mmap whose page faults cost more than the work (measured:
    copies 7x faster on this VM). Harmless elsewhere: a no-op without glibc.
    """
    global _TUNED
    if _TUNED or not sys.platform.startswith("linux"):
        return
    _TUNED = True
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 << 20)  # M_MMAP_THRESHOLD: buffers below 256 MB come from the heap
        libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD: keep up to 256 MB of freed heap for reuse
    except (OSError, AttributeError):
        logger.debug("mallopt not available; keeping the default allocator settings")


def home_jobs(options: GeneratorOptions, folder: Path) -> list[HomeJob]:
    """One job per home: its index, type (the seeded mix) and everything a worker needs to build it."""
    mix_rng = np.random.default_rng(np.random.SeedSequence(options.seed, spawn_key=(0,)))
    types = type_mix(options.count, options.home_types, mix_rng)
    generated_at = deterministic_timestamp(options.start_s, options.days)
    return [
        HomeJob(
            index=i + 1, home_type=types[i], seed=options.seed, start_s=options.start_s, days=options.days,
            generated_at=generated_at, generator_version=GENERATOR_VERSION, weather=options.weather,
            carbon=options.carbon, pricing=options.pricing, calendar=options.calendar, gzip=options.gzip,
            folder=str(folder),
        )
        for i in range(options.count)
    ]  # fmt: skip


def _run(jobs: list[HomeJob], workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1 or len(jobs) <= 1:
        # Pipeline: the next home is simulated while a thread hashes and writes the previous one.
        writer: Background | None = None
        for job in jobs:
            home = render_home(job)
            if writer is not None:
                yield writer.outcome()
            writer = Background(lambda h=home: store(h))  # type: ignore[misc]
        if writer is not None:
            yield writer.outcome()
        return
    from concurrent.futures import ProcessPoolExecutor  # only when parallel: keeps the CLI start light

    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=tune_allocator) as pool:
        yield from pool.map(build_home, jobs, chunksize=1)


def dataset_summary(options: GeneratorOptions, homes: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary.json content from each home's statistics (in home order)."""
    events: Counter[str] = Counter(dict.fromkeys(EVENT_TYPES, 0))
    points: Counter[str] = Counter(dict.fromkeys(("weather", "carbon_intensity", "pricing", "calendar"), 0))
    for home in homes:
        events.update(home["events"])
        points.update(home["external_data_points"])
    home_types = dict(Counter(h["home_type"] for h in homes).most_common())
    sizes = dict(Counter(h["size_category"] for h in homes).most_common())
    return {
        "generator": "homeiq-synthetic-homes",
        "generator_version": GENERATOR_VERSION,
        "generated_at": deterministic_timestamp(options.start_s, options.days),
        "arguments": options.arguments(),
        "seed": options.seed,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "orjson": orjson.__version__,
        },
        "total_homes": len(homes),
        "home_types": home_types,
        "size_categories": sizes,
        "totals": {
            "homes": len(homes),
            "home_types": home_types,
            "size_categories": sizes,
            "devices": sum(h["devices"] for h in homes),
            "entities": sum(h["entities"] for h in homes),
            "events": sum(events.values()),
            "events_by_type": dict(events),
            "external_data_points": dict(points),
            "failure_episodes": sum(h["failure_episodes"] for h in homes),
            "bytes": sum(h["bytes"] for h in homes),
        },
        "files": [
            {"name": h["name"], "home_id": h["home_id"], "sha256": h["sha256"], "bytes": h["bytes"]}
            for h in homes
        ],
        "notes": {
            "carbon_intensity.forecast": "96 quarter-hour values for the next 24 h, only on each 00:00 UTC point",
            "pricing.forecast": "day-ahead prices (dynamic tariff only), 24 values on each 00:00 UTC point",
            "pricing.price_per_kwh": "dynamic: day-ahead energy price without network fees (can be negative)",
        },
    }


def generate_dataset(
    options: GeneratorOptions,
    output_dir: Path,
    progress: Callable[[int], None] | None = None,
    *,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Generate the dataset into `output_dir` (atomically) and return the summary also saved as summary.json.

    `progress` is called with the number of homes finished so far. Raises GeneratorInputError for
    an unusable output folder; nothing is left behind when generation fails.
    """
    try:
        target = check_output(Path(output_dir), overwrite)
    except OutputPathError as exc:
        raise GeneratorInputError(str(exc)) from exc
    started = time.perf_counter()
    tune_allocator()
    try:
        with staging_folder(target) as staging:
            homes: list[dict[str, Any]] = []
            for home in _run(home_jobs(options, staging), options.workers):
                homes.append(home)
                if progress is not None:
                    progress(len(homes))
            summary = dataset_summary(options, homes)
            write_json(staging / "summary.json", summary)
            publish(staging, target)
    except OutputPathError as exc:
        raise GeneratorInputError(str(exc)) from exc
    logger.info(
        "generated %s homes, %s events in %.2f s into %s",
        len(homes), summary["totals"]["events"], time.perf_counter() - started, target,
    )  # fmt: skip
    return summary
