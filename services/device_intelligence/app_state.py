"""What the app holds between requests: the production models being served, loaded without training."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from device_intelligence.serving import ServingModels, load_production
from homeiq_shared.errors import DomainError
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.nightly import NightlyScheduler

logger = logging.getLogger(__name__)


class ModelHolder:
    """The production models currently served (swapped atomically after a promotion)."""

    def __init__(self) -> None:
        self.models: ServingModels | None = None
        self.load_error: str | None = None


def load_models_into(holder: ModelHolder, registry: ModelRegistry) -> None:
    """Load the production models (or record why none is served); never trains anything."""
    try:
        loaded = load_production(registry)
    except (DomainError, ValueError, KeyError, OSError) as exc:
        # Keep serving whatever was loaded before: a bad new version must not take the service down.
        logger.error("production models could not be loaded: %s", exc)
        holder.load_error = f"{type(exc).__name__}: {exc}"
        return
    holder.models = loaded
    holder.load_error = None if loaded else "no production model in the registry"


class NightlyHandle:
    """The nightly scheduler plus the run started from the API (at most one at a time)."""

    def __init__(self, scheduler: NightlyScheduler) -> None:
        self.scheduler = scheduler
        self.task: asyncio.Task[dict[str, Any]] | None = None

    @property
    def running(self) -> bool:
        """True while a scheduled or manual run is in progress (or about to start)."""
        return self.scheduler.is_running or (self.task is not None and not self.task.done())

    def start_now(self) -> asyncio.Task[dict[str, Any]]:
        """Start the job in the background at once; its outcome lands in the status."""
        self.task = asyncio.create_task(self.scheduler.run_now())
        return self.task

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop the schedule; give a manual run in progress `grace_seconds` to finish, then cancel it."""
        self.scheduler.shutdown()
        if self.task is not None and not self.task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self.task), grace_seconds)
            except TimeoutError:
                # The state file keeps it "started, not finished": the next start runs it again once.
                self.task.cancel()
