"""ai-automation application factory; the lifespan owns every resource."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from ai_automation import __version__, repository
from ai_automation.home_type.model import HomeTypeModel, load_production_models
from ai_automation.nightly.job import JOB_ID, NightlyContext, run_nightly
from ai_automation.routers import (
    automations,
    ha_home,
    health,
    home_type,
    synergies,
    synthetic_homes,
    training,
)
from ai_automation.settings import AiAutomationSettings, get_settings
from ai_automation.synergies.cache import SynergyCache
from ai_automation.synergies.served import ServedSynergyModel
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


def create_app(settings: AiAutomationSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the ai-automation app; resources are opened in the lifespan, not here."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings, repository.fail_interrupted, settings.datasets_dir):
            registry = app.state.model_registry = ModelRegistry(
                settings.models_dir,
                keep_last=settings.keep_model_versions,
                history_limit=settings.alias_history_limit,
            )
            models: dict[str, HomeTypeModel] = {}
            app.state.home_type_models = models
            synergy = app.state.synergy_model = ServedSynergyModel()
            app.state.synergy_cache = SynergyCache()

            def load_models() -> None:
                models.update(load_production_models(registry))
                synergy.load(registry)

            start_model_loading(app, load_models)
            context = NightlyContext(
                settings, app.state.sessionmaker, registry, app.state.locks, models, clock or utc_now, synergy,
            )  # fmt: skip

            async def job(trigger: str) -> dict[str, Any]:
                await models_ready(app)
                return await run_nightly(context, trigger)

            start_background(app, settings, JOB_ID, job, clock or utc_now)
            logger.info("ai-automation ready: data %s, models %s", settings.data_dir, settings.models_dir)
            yield

    return create_service_app(
        title="HomeIQ ai-automation",
        version=__version__,
        description="Synthetic Home Assistant homes, the home-type classifier and automation suggestions (synergies, "
        "and automations asked for in words).",
        lifespan=lifespan,
        routers=[
            health.router,
            synthetic_homes.router,
            home_type.router,
            training.router,
            ha_home.router,
            synergies.router,
            automations.router,
        ],
        get_settings=get_settings,
        settings=settings,
        bulk_paths=("/api/home-type/predict", "/api/synergies/detect", "/api/automations/suggest"),
    )
