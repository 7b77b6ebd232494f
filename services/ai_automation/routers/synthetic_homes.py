"""`/api/synthetic-homes`: generate synthetic datasets off the event loop, list and describe them, and
hand out their first home files (the gateway's hold-out smoke check: it never reads a service's folder)."""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, status

from ai_automation import repository
from ai_automation.dependencies import ApiKeyDep, SessionDep, SettingsDep
from ai_automation.synthesis.generator import GeneratorInputError, GeneratorOptions, generate_dataset
from ai_automation.tables import DatasetRecord
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.contracts.synthetic_homes import DatasetInfo, GenerateRequest, HomeFiles
from homeiq_shared.errors import InvalidInputError, NotFoundError
from homeiq_shared.path_params import DatasetIdParam
from homeiq_shared.request_guard import configured_key, display_path
from homeiq_shared.resource_budget import Estimate, check_fits
from homeiq_shared.security import has_valid_key

router = APIRouter(prefix="/api/synthetic-homes", tags=["synthetic homes"])

# What a dataset costs, measured on this generator (2026-12, `count` 2-40, `days` 7-112): ~600 events
# per home-day (340-634), ~1.1 KB of files per event (1,073-1,112 B; with gzip 90 B), and a peak memory of
# ~110 MiB plus ~4.5 KB per event of one home (homes are generated one after another). The estimates
# below round these up so that a request refused is one that would not have fitted.
_EVENTS_PER_HOME_DAY = 600
_DISK_BYTES_PER_EVENT = 1_200
_GZIP_DISK_BYTES_PER_EVENT = 120
_BASE_MEMORY_BYTES = 150 * 1024**2
_MEMORY_BYTES_PER_HOME_EVENT = 6_000


def dataset_estimate(count: int, days: int, gzip: bool = False) -> Estimate:
    """Disk and peak memory a dataset of `count` homes x `days` days is expected to need."""
    events = count * days * _EVENTS_PER_HOME_DAY
    disk = events * (_GZIP_DISK_BYTES_PER_EVENT if gzip else _DISK_BYTES_PER_EVENT)
    memory = _BASE_MEMORY_BYTES + days * _EVENTS_PER_HOME_DAY * _MEMORY_BYTES_PER_HOME_EVENT
    return Estimate(f"a dataset of {count:,} homes x {days} days (~{events:,} events)", disk, memory)


HOMES_LIMIT_DEFAULT, HOMES_LIMIT_MAX = 3, 20


def _options(body: GenerateRequest) -> GeneratorOptions:
    kwargs: dict[str, Any] = {
        "count": body.count,
        "days": body.days,
        "seed": body.seed,
        "home_types": tuple(body.home_types) if body.home_types else None,
        "weather": not body.disable_weather,
        "carbon": not body.disable_carbon,
        "pricing": not body.disable_pricing,
        "calendar": not body.disable_calendar,
        "workers": body.workers,
        "gzip": body.gzip,
    }
    if body.start_date is not None:
        kwargs["start_date"] = body.start_date
    try:
        return GeneratorOptions(**kwargs)
    except GeneratorInputError as exc:
        raise InvalidInputError(str(exc)) from exc


def _shown_path(request: Request, settings: SettingsDep) -> Callable[[str], str]:
    """How this caller sees a dataset's folder: absolute with the API key, else relative to the data folder."""
    if has_valid_key(request, configured_key(settings)):
        return str
    return lambda path: display_path(path, settings.data_dir)


def _info(
    record: DatasetRecord, summary: dict[str, Any] | None = None, shown: Callable[[str], str] = str
) -> DatasetInfo:
    return DatasetInfo(
        dataset_id=record.dataset_id,
        created_at=record.created_at,
        path=shown(record.path),
        homes=record.homes,
        events=record.events,
        options=record.options,
        summary=summary,
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=DatasetInfo, responses=problem_responses(507)
)
async def generate(
    body: GenerateRequest, request: Request, settings: SettingsDep, session: SessionDep, _: ApiKeyDep
) -> DatasetInfo:
    """Generate a dataset in the service's data folder and return its id and summary."""
    estimate = body.count * body.days * _EVENTS_PER_HOME_DAY
    if estimate > settings.max_generate_events:
        raise InvalidInputError(
            f"count x days would produce about {estimate:,} events, above the limit "
            f"{settings.max_generate_events:,} (AI_AUTOMATION_MAX_GENERATE_EVENTS)"
        )
    check_fits(dataset_estimate(body.count, body.days, body.gzip), settings.datasets_dir, settings)
    options = _options(body)
    created = datetime.now(UTC)
    dataset_id = f"ds-{created:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    output = settings.datasets_dir / dataset_id
    try:
        summary = await asyncio.to_thread(generate_dataset, options, output)
    except GeneratorInputError as exc:
        raise InvalidInputError(str(exc)) from exc
    record = DatasetRecord(
        dataset_id=dataset_id,
        created_at=created,
        options=body.model_dump(mode="json"),
        homes=int(summary["totals"]["homes"]),
        events=int(summary["totals"]["events"]),
        path=str(output.resolve()),
    )
    await repository.add_dataset(session, record)
    return _info(record, summary, _shown_path(request, settings))


@router.get("", response_model=list[DatasetInfo])
async def list_datasets(request: Request, settings: SettingsDep, session: SessionDep) -> list[DatasetInfo]:
    """Every dataset generated by this service, newest first (summaries omitted; `path` absolute only with the key)."""
    shown = _shown_path(request, settings)
    return [_info(r, shown=shown) for r in await repository.list_datasets(session)]


async def _record(session: SessionDep, dataset_id: str) -> DatasetRecord:
    """The stored record of `dataset_id` (its pattern checked by `DatasetIdParam`): 404 for an unknown one."""
    record = await repository.get_dataset(session, dataset_id)
    if record is None:
        raise NotFoundError(f"no dataset {dataset_id!r}")
    return record


def home_files(folder: Path) -> list[Path]:
    """The home files of a dataset folder as the generator writes them (`home_NNN.json[.gz]`), by name."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.name.startswith("home_") and p.name.endswith((".json", ".json.gz"))
    )


def read_home_files(folder: Path, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many home files `folder` holds, and the first `limit` of them as documents (blocking I/O)."""
    paths = home_files(folder)
    homes = []
    for path in paths[:limit]:
        raw = path.read_bytes()
        home = orjson.loads(gzip.decompress(raw) if path.name.endswith(".gz") else raw)
        if not isinstance(home, dict):
            raise ValueError(f"{path.name} is not a JSON object")
        homes.append(home)
    return len(paths), homes


@router.get("/{dataset_id}", response_model=DatasetInfo)
async def describe(
    dataset_id: DatasetIdParam, request: Request, settings: SettingsDep, session: SessionDep
) -> DatasetInfo:
    """One dataset with its full `summary.json`."""
    record = await _record(session, dataset_id)
    summary_path = Path(record.path) / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
    return _info(record, summary, _shown_path(request, settings))


@router.get("/{dataset_id}/homes", response_model=HomeFiles, responses=problem_responses(404, 422))
async def homes(
    dataset_id: DatasetIdParam,
    session: SessionDep,
    limit: Annotated[
        int, Query(ge=1, le=HOMES_LIMIT_MAX, description="How many home files, the first by name")
    ] = HOMES_LIMIT_DEFAULT,
) -> HomeFiles:
    """The first `limit` home files of a dataset, whole (`.json` or `.json.gz` on disk): homes to predict."""
    record = await _record(session, dataset_id)
    # A corrupt file on the service's own disk is the service's fault: the generic 500 problem.
    total, found = await asyncio.to_thread(read_home_files, Path(record.path), limit)
    if total == 0:
        raise NotFoundError(
            f"dataset {dataset_id!r} has no home files left on disk (deleted after its run?); "
            "its summary.json and arguments regenerate them"
        )
    return HomeFiles(dataset_id=dataset_id, total_homes=total, homes=found)
