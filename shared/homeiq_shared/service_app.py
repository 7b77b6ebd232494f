"""The app and lifespan wiring both services share, and the `/train/schedule` response they both give.

A service's lifespan opens `service_resources` (folders, database, `app.state.settings`, `engine`,
`sessionmaker`, `locks`), starts loading its own models in a worker thread (`start_model_loading`),
then calls `start_background` (the nightly scheduler as `app.state.nightly`, the live Home Assistant
puller as `app.state.ha_live`). Leaving `service_resources` waits for the models, stops both and
disposes of the engine.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, FastAPI, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Lifespan

from homeiq_shared import ha_api
from homeiq_shared.contracts.training import NightlyStarted, ScheduledRun
from homeiq_shared.ha_events import store_events
from homeiq_shared.ha_live import HA_LIVE_STATE_FILE, live_puller_from_settings
from homeiq_shared.logging_setup import configure_logging
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.nightly import (
    NIGHTLY_STATE_FILE,
    Clock,
    NightlyHandle,
    NightlyJob,
    NightlyScheduler,
    ScheduleConfig,
    utc_now,
)
from homeiq_shared.openapi_docs import install_docs
from homeiq_shared.problem_details import install_problem_handlers
from homeiq_shared.request_guard import RequestGuard, warn_if_exposed
from homeiq_shared.settings import NightlySettings, ServiceSettings
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

logger = logging.getLogger(__name__)

FailInterrupted = Callable[[AsyncSession], Awaitable[int]]


@asynccontextmanager
async def service_resources(
    app: FastAPI, settings: ServiceSettings, fail_interrupted: FailInterrupted, *folders: Path
) -> AsyncIterator[None]:
    """Open what every service holds (runs a stop interrupted are marked failed); close it all on exit."""
    configure_logging(settings.log_level)
    warn_if_exposed(settings)
    for folder in (settings.data_dir, *folders, settings.models_dir):
        folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url(), busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    if added := await create_tables(engine):
        logger.info("database upgraded in place: added %s", ", ".join(added))
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    async with app.state.sessionmaker() as session:
        if interrupted := await fail_interrupted(session):
            logger.warning("%s training run(s) were interrupted by a stop; marked failed", interrupted)
    app.state.locks = ModelLocks()
    app.state.ha_live = app.state.nightly = app.state.model_loading = None
    try:
        yield
    finally:
        if app.state.model_loading is not None:
            await app.state.model_loading  # a worker thread cannot be cancelled; let it finish
        if app.state.ha_live is not None:
            await app.state.ha_live.stop()
        if app.state.nightly is not None:
            await app.state.nightly.stop()
        await engine.dispose()


def start_model_loading(app: FastAPI, load: Callable[[], None]) -> None:
    """Run `load` (the production models into the app's holder) in a worker thread as `app.state.model_loading`.

    Loading imports scikit-learn, LightGBM and skops, seconds on a small machine, so the service
    answers meanwhile: `/health` says whether the models are loaded yet, and every dependency that
    hands out a model awaits `homeiq_shared.app_state.models_ready` first.
    """

    async def run() -> None:
        try:
            await asyncio.to_thread(load)
        except Exception:
            logger.exception("the production models could not be loaded")
        gc.freeze()  # the models and libraries just loaded are long-lived too (see start_background)

    app.state.model_loading = asyncio.create_task(run(), name="load production models")


def start_background(
    app: FastAPI, settings: NightlySettings, job_id: str, job: NightlyJob, clock: Clock = utc_now
) -> None:
    """Start the nightly scheduler (`clock`: a test's controlled time) and, when `ha_url` is set, the live HA puller."""
    config = ScheduleConfig(job_id, settings.training_schedule, settings.timezone, settings.training_enabled)
    state = settings.data_dir / NIGHTLY_STATE_FILE
    app.state.nightly = NightlyHandle(NightlyScheduler(job, config, state, clock))
    app.state.nightly.scheduler.start()
    app.state.ha_live = live_puller_from_settings(
        settings.ha_url,
        settings.ha_token.get_secret_value() if settings.ha_token else None,
        settings.ha_pull_minutes,
        app.state.sessionmaker,
        settings.data_dir / HA_LIVE_STATE_FILE,
        getattr(app.state, "ha_store_rows", store_events),
    )
    # Start-up is over (the models follow from their worker thread, which freezes again): move what
    # exists to the permanent generation so the cyclic collector stops rescanning hundreds of thousands
    # of long-lived objects (sklearn, numpy, models) each time a request's burst of small dicts (a
    # home's events) triggers a collection.
    gc.freeze()


async def start_nightly_run(
    nightly: NightlyHandle, *, wait: bool, status_url: str, response: Response
) -> NightlyStarted | ScheduledRun:
    """Run the nightly job now: 202 with `status_url` at once, or (`wait`) 200 with the run itself."""
    task = nightly.start_now()
    if wait:
        response.status_code = 200
        return ScheduledRun.model_validate(await task)
    response.status_code = 202
    return NightlyStarted(started_at=datetime.now(UTC), status_url=status_url)


def create_service_app(
    *,
    title: str,
    version: str,
    description: str,
    lifespan: Lifespan[FastAPI],
    routers: Sequence[APIRouter],
    get_settings: Callable[[], ServiceSettings],
    settings: ServiceSettings,
    bulk_paths: Sequence[str] = (),
) -> FastAPI:
    """A service's app: its `routers` then `/api/ha/*`, the problem-details handlers, `get_settings` answering `settings`.

    The request guard checks the API key and the body size before a route reads the body;
    `bulk_paths` (plus `/api/ha/events` and `/api/ha/snapshot`) get `max_bulk_body_bytes`.
    """
    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan)
    app.dependency_overrides[get_settings] = lambda: settings
    install_docs(app)
    install_problem_handlers(app)
    for router in (*routers, ha_api.router):
        app.include_router(router)
    app.add_middleware(
        RequestGuard,
        routes=[route for router in (*routers, ha_api.router) for route in router.routes],
        bulk_paths=(*bulk_paths, *ha_api.BULK_PATHS),
        settings=settings,
    )
    return app
