"""A generated home as rows of flat tables (events, devices, areas, context data...) for Parquet.

The rows come from the home's JSON document exactly as the local generator writes it, so a fleet and a
local dataset of the same seed hold the same values. Nested objects that vary per row (attributes,
floors, metadata) stay JSON text; timestamps become UTC microsecond timestamps.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
F64 = pa.float64()

# Per table: (column, type); "home_id" first everywhere. home_type is the hive partition, not a column.
SCHEMAS: dict[str, pa.Schema] = {
    "homes": pa.schema(
        [("home_id", STR), ("home_index", pa.int32()), ("size_category", STR), ("timezone", STR),
         ("country", STR), ("climate_zone", STR), ("grid_region", STR), ("tariff", STR), ("currency", STR),
         ("latitude", F64), ("longitude", F64), ("seed", pa.int64()), ("generator_version", STR),
         ("generated_at", TS), ("floors", STR), ("metadata", STR)]
    ),
    "events": pa.schema(
        [("home_id", STR), ("time_fired", TS), ("event_type", STR), ("entity_id", STR), ("state", STR),
         ("old_state", STR), ("old_last_changed", TS), ("device_class", STR), ("attributes", STR),
         ("context_id", STR), ("context_parent_id", STR), ("context_user_id", STR), ("origin", STR)]
    ),
    "devices": pa.schema(
        [("home_id", STR), ("entity_id", STR), ("device_id", STR), ("friendly_name", STR), ("name", STR),
         ("device_type", STR), ("device_class", STR), ("unit_of_measurement", STR), ("area", STR),
         ("category", STR), ("power_source", STR), ("protocol", STR), ("attributes", STR)]
    ),
    "areas": pa.schema(
        [("home_id", STR), ("area_id", STR), ("name", STR), ("type", STR), ("floor", STR), ("description", STR)]
    ),
    "failure_episodes": pa.schema(
        [("home_id", STR), ("entity_id", STR), ("device_id", STR), ("kind", STR), ("start", TS),
         ("failure_time", TS), ("end", TS)]
    ),
    "weather": pa.schema(
        [("home_id", STR), ("timestamp", TS), ("temperature", F64), ("condition", STR), ("humidity", F64),
         ("precipitation", F64)]
    ),
    "carbon_intensity": pa.schema(
        [("home_id", STR), ("timestamp", TS), ("intensity", F64), ("renewable_percentage", F64),
         ("forecast", pa.list_(F64))]
    ),
    "pricing": pa.schema(
        [("home_id", STR), ("timestamp", TS), ("price_per_kwh", F64), ("pricing_tier", STR), ("region", STR),
         ("tariff", STR), ("forecast", pa.list_(F64))]
    ),
    "calendar": pa.schema(
        [("home_id", STR), ("timestamp", TS), ("event_type", STR), ("summary", STR), ("location", STR),
         ("presence_state", STR)]
    ),
}  # fmt: skip


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


_EVENT_JSON = pa.schema(
    [("event_type", STR), ("entity_id", STR), ("state", STR), ("time_fired", STR),
     ("attributes", pa.struct([("device_class", STR)])),
     ("old_state", pa.struct([("state", STR), ("last_changed", STR)])),
     ("context", pa.struct([("id", STR), ("parent_id", STR), ("user_id", STR)])), ("origin", STR)]
)  # fmt: skip
_ATTRIBUTES = b'"attributes":'


def _attributes_text(event: bytes) -> str:
    """The event's top-level attributes object as written (it comes before old_state, or context)."""
    i = event.index(_ATTRIBUTES) + len(_ATTRIBUTES)
    j = event.find(b',"old_state":', i)
    return event[i : j if j >= 0 else event.index(b',"context":', i)].decode()


def events_table(home_id: str, events: list[bytes]) -> pa.Table:
    """The `events` table of one home from its encoded events (one JSON object each, in order).

    Arrow's JSON reader parses the fields the table keeps; the attributes stay the exact JSON text.
    """
    if not events:
        return to_table("events", [])
    raw = pj.read_json(
        io.BytesIO(b"\n".join(events)),
        read_options=pj.ReadOptions(use_threads=False, block_size=1 << 24),
        parse_options=pj.ParseOptions(explicit_schema=_EVENT_JSON, unexpected_field_behavior="ignore"),
    )
    old, context = raw["old_state"], raw["context"]
    columns = {
        "home_id": pa.array([home_id] * raw.num_rows, STR),
        "time_fired": raw["time_fired"].cast(TS),
        "event_type": raw["event_type"],
        "entity_id": raw["entity_id"],
        "state": raw["state"],
        "old_state": pc.struct_field(old, "state"),
        "old_last_changed": pc.struct_field(old, "last_changed").cast(TS),
        "device_class": pc.struct_field(raw["attributes"], "device_class"),
        "attributes": pa.array([_attributes_text(e) for e in events], STR),
        "context_id": pc.struct_field(context, "id"),
        "context_parent_id": pc.struct_field(context, "parent_id"),
        "context_user_id": pc.struct_field(context, "user_id"),
        "origin": raw["origin"],
    }
    return pa.table(columns, schema=SCHEMAS["events"])


def home_rows(home: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Rows per table of one parsed home document, events aside (`events_table`); in the document's order."""
    hid = home["home_id"]
    loc = home.get("location") or {}
    homes = [
        {
            "home_id": hid, "home_index": home.get("home_index"), "size_category": home["size_category"],
            "timezone": home.get("timezone"), **{k: loc.get(k) for k in (
                "country", "climate_zone", "grid_region", "tariff", "currency", "latitude", "longitude")},
            "seed": home.get("seed"), "generator_version": home.get("generator_version"),
            "generated_at": home.get("generated_at"), "floors": _json(home.get("floors")),
            "metadata": _json(home.get("metadata")),
        }
    ]  # fmt: skip
    external = home.get("external_data") or {}
    rows: dict[str, list[dict[str, Any]]] = {
        "homes": homes,
        "devices": [
            {"home_id": hid, **d, "attributes": _json(d.get("attributes"))} for d in home.get("devices", [])
        ],
        "areas": [{"home_id": hid, **a} for a in home.get("areas", [])],
        "failure_episodes": [
            {"home_id": hid, **ep} for ep in (home.get("labels") or {}).get("failure_episodes", [])
        ],
    }
    for table in ("weather", "carbon_intensity", "pricing", "calendar"):
        rows[table] = [{"home_id": hid, **point} for point in external.get(table, [])]
    return rows


def to_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows of `name` (from `home_rows`) as an Arrow table of its declared schema (ISO times as timestamps)."""
    schema = SCHEMAS[name]
    loose = pa.schema([pa.field(f.name, STR if f.type == TS else f.type) for f in schema])
    return pa.Table.from_pylist(rows, schema=loose).cast(schema)
