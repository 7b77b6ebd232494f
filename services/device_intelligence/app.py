"""device-intelligence application factory; the lifespan owns every resource."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from device_intelligence import repository
from device_intelligence.app_state import ModelHolder, load_models_into
from device_intelligence.ingest.ha_events import TelemetryDeriver
from device_intelligence.nightly_training import JOB_ID, NightlyContext, run_nightly
from device_intelligence.routers import (
    anomalies,
    devices,
    health,
    model_versions,
    predictions,
    telemetry,
    training,
)
from device_intelligence.settings import DeviceIntelligenceSettings, get_settings
from homeiq_shared.app_state import models_ready
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.nightly import Clock, utc_now
from homeiq_shared.service_app import (
    create_service_app,
    service_resources,
    start_background,
    start_model_loading,
)

logger = logging.getLogger(__name__)


def create_app(settings: DeviceIntelligenceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the device-intelligence app; resources are opened in the lifespan, not here."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def settle_interrupted(session: AsyncSession) -> int:
            # read-only here: the registry opened below cleans what a crash left
            return await repository.fail_interrupted(
                session, ModelRegistry(settings.models_dir, recover=False)
            )

        async with service_resources(app, settings, settle_interrupted):
            registry = app.state.registry = ModelRegistry(
                settings.models_dir,
                keep_last=settings.keep_model_versions,
                history_limit=settings.alias_history_limit,
            )
            holder = app.state.models = ModelHolder()
            start_model_loading(app, lambda: load_models_into(holder, registry))
            app.state.ha_store_rows = TelemetryDeriver()
            context = NightlyContext(
                settings, app.state.sessionmaker, registry, app.state.locks, holder, clock or utc_now,
            )  # fmt: skip

            async def job(trigger: str) -> dict[str, Any]:
                await models_ready(app)
                return await run_nightly(context, trigger)

            start_background(app, settings, JOB_ID, job, clock or utc_now)
            logger.info(
                "device-intelligence ready: data %s, models %s", settings.data_dir, settings.models_dir
            )
            yield

    return create_service_app(
        title="HomeIQ device-intelligence",
        version="0.1.0",
        description="Device failure prediction (LightGBM) and anomaly detection (IsolationForest).",
        lifespan=lifespan,
        routers=[
            health.router,
            predictions.router,
            model_versions.router,
            training.router,
            anomalies.router,
            telemetry.router,
            devices.router,
        ],
        get_settings=get_settings,
        settings=settings,
        bulk_paths=("/api/telemetry", "/api/predictions/predict/batch", "/api/anomalies/sensor"),
    )
