"""device-intelligence application factory; the lifespan owns every resource."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from device_intelligence import repository
from device_intelligence.app_state import ModelHolder, NightlyHandle, load_models_into
from device_intelligence.ha_ingest import TelemetryDeriver
from device_intelligence.nightly_training import JOB_ID, Clock, NightlyContext, run_nightly, utc_now
from device_intelligence.routers import anomalies, health, predictions, telemetry, training
from device_intelligence.settings import DeviceIntelligenceSettings, get_settings
from homeiq_shared import ha_api
from homeiq_shared.errors import install_problem_handlers
from homeiq_shared.ha_live import HA_LIVE_STATE_FILE, live_puller_from_settings
from homeiq_shared.logging_setup import configure_logging
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.nightly import NightlyScheduler, ScheduleConfig
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

logger = logging.getLogger(__name__)
NIGHTLY_STATE_FILE = "nightly_state.json"


def create_app(settings: DeviceIntelligenceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the device-intelligence app; resources are opened in the lifespan, not here."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.models_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url())
        await create_tables(engine)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        async with app.state.sessionmaker() as session:
            if interrupted := await repository.fail_interrupted(session):
                logger.warning("%s training run(s) were interrupted by a stop; marked failed", interrupted)
        app.state.locks = ModelLocks()
        app.state.registry = ModelRegistry(settings.models_dir, keep_last=settings.keep_model_versions)
        app.state.models = ModelHolder()
        load_models_into(app.state.models, app.state.registry)
        app.state.ha_rows_hook = TelemetryDeriver(app.state.sessionmaker)
        context = NightlyContext(
            settings, app.state.sessionmaker, app.state.registry, app.state.locks, app.state.models,
            clock or utc_now,
        )  # fmt: skip

        async def job(trigger: str) -> dict[str, Any]:
            return await run_nightly(context, trigger)

        config = ScheduleConfig(
            JOB_ID, settings.training_schedule, settings.timezone, settings.training_enabled
        )
        app.state.nightly = NightlyHandle(
            NightlyScheduler(job, config, settings.data_dir / NIGHTLY_STATE_FILE)
        )
        app.state.nightly.scheduler.start(now=clock() if clock else None)
        app.state.ha_live = live_puller_from_settings(
            settings.ha_url,
            settings.ha_token.get_secret_value() if settings.ha_token else None,
            settings.ha_pull_minutes,
            app.state.sessionmaker,
            settings.data_dir / HA_LIVE_STATE_FILE,
            getattr(app.state, "ha_rows_hook", None),
        )
        logger.info("device-intelligence ready: data %s, models %s", settings.data_dir, settings.models_dir)
        try:
            yield
        finally:
            if app.state.ha_live is not None:
                await app.state.ha_live.stop()
            await app.state.nightly.stop()
            await engine.dispose()

    app = FastAPI(
        title="HomeIQ device-intelligence",
        version="0.1.0",
        description="Device failure prediction (LightGBM) and anomaly detection (IsolationForest).",
        lifespan=lifespan,
    )
    app.dependency_overrides[get_settings] = lambda: settings
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(predictions.router)
    app.include_router(training.router)
    app.include_router(anomalies.router)
    app.include_router(telemetry.router)
    app.include_router(ha_api.router)
    return app
