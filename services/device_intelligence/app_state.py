"""What the app holds between requests: the production models being served, loaded without training."""

from __future__ import annotations

import logging

from device_intelligence.serving import ServingModels, load_production
from homeiq_shared.errors import DomainError
from homeiq_shared.model_registry import ModelRegistry

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
