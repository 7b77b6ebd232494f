"""`GET /api/ha/home-type`: the type of a home HA sent (its snapshot and stored events), read-only.

The Home Assistant integration polls this for its home-type sensor: nothing has to be posted, the home
is built from what `/api/ha/snapshot` and `/api/ha/events` stored, as the nightly job builds real homes.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query

from ai_automation.dependencies import HomeTypeModelsDep, SessionDep, SettingsDep
from ai_automation.home_type.home_view import HomeInputError
from ai_automation.home_type.model import ModelNotTrainedError
from ai_automation.home_type.real_homes import load_real_home
from homeiq_shared.contracts.home_views import HomeTypeOfHome
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.errors import InvalidInputError, NotFoundError
from homeiq_shared.ha_api import HOME_ID_PATTERN

router = APIRouter(prefix="/api/ha", tags=["home assistant"])


@router.get("/home-type", response_model=HomeTypeOfHome, responses=problem_responses(404, 422, 503))
async def home_type_of_home(
    models: HomeTypeModelsDep,
    session: SessionDep,
    settings: SettingsDep,
    home_id: Annotated[str, Query(pattern=HOME_ID_PATTERN)] = "default",
) -> HomeTypeOfHome:
    """The production `full` model's home type for the stored home (404 when nothing is stored for it)."""
    model = models.get("full")
    if model is None:
        raise ModelNotTrainedError(
            "no 'full' home-type model is in production yet; POST /api/home-type/train"
        )
    built = await load_real_home(session, home_id, settings.nightly_days, settings.timezone)
    if isinstance(built, str):
        raise NotFoundError(built)
    try:
        (prediction,) = await asyncio.to_thread(model.predict_homes, [built.home])
    except HomeInputError as exc:
        raise InvalidInputError(str(exc)) from exc
    return HomeTypeOfHome.model_validate(
        prediction.to_dict()
        | {"home_id": home_id, "confirmed_home_type": built.confirmed_type}
        | {"devices_from": built.devices_from, "events_used": built.events}
    )
