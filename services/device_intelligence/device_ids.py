"""Which stored device a /predict id names: the stored (HA) device id itself, or the device of an entity id.

Telemetry is stored per device: the HA device registry id for a home imported from HA (prefixed with
`<home_id>:` for a home other than the default), or the id a caller posted to /api/telemetry. A caller
may name a device by any of its HA entity ids instead (`sensor.kitchen_motion_battery`): the entity is
looked up in the stored registry snapshots (entity -> device), else mapped as ingestion maps entities
without a registry (the object id without a sensor suffix such as `_battery`). The first candidate
with stored history is used; the answer names it in `history_device_id`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from device_intelligence.ingest.ha_events import DEFAULT_HOME, device_key
from device_intelligence.ingest.ha_telemetry import device_of
from homeiq_shared.ha_snapshots import HomeSnapshotRow

_ENTITY = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


def is_entity_id(value: str) -> bool:
    """True for an HA entity id (`domain.object_id`, lower case)."""
    return bool(_ENTITY.match(value))


async def registry_devices(session: AsyncSession, entity_ids: Sequence[str]) -> dict[str, list[str]]:
    """Stored device ids of each entity in the registry snapshots of every home (usually one)."""
    wanted = set(entity_ids)
    if not wanted:
        return {}
    out: dict[str, list[str]] = {}
    rows = await session.execute(select(HomeSnapshotRow.home_id, HomeSnapshotRow.devices))
    for home_id, devices in rows.all():
        for d in devices or []:
            entity, device = d.get("entity_id"), d.get("device_id")
            if entity in wanted and device:
                out.setdefault(str(entity), []).append(device_key(str(home_id), str(device)))
    return out


async def candidates(session: AsyncSession, ids: Sequence[str]) -> dict[str, list[str]]:
    """For each requested id, the stored device ids it may name, most specific first (the id itself first)."""
    entities = [i for i in ids if is_entity_id(i)]
    known = await registry_devices(session, entities)
    out: dict[str, list[str]] = {}
    for i in ids:
        options = [i]
        if is_entity_id(i):
            options += [*known.get(i, []), device_key(DEFAULT_HOME, device_of(i, {}))]
        out[i] = list(dict.fromkeys(options))
    return out
