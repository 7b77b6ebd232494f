"""Home decoding keeps what the features read and refuses malformed input with a clear error."""

from __future__ import annotations

import datetime as dt

import numpy as np
import orjson
import pytest

from ai_automation.home_type.decoding import decode_home, decode_predict_body
from ai_automation.home_type.home_view import HomeInputError

EVENT = {
    "event_type": "state_changed",
    "entity_id": "light.kitchen",
    "timestamp": "2026-01-01T10:00:00+00:00",
    "state": "on",
    "old_state": {"entity_id": "light.kitchen", "state": "off", "attributes": {"friendly_name": "Kitchen"}},
    "new_state": {"entity_id": "light.kitchen", "state": "on", "attributes": {"friendly_name": "Kitchen"}},
}
HOME = {
    "home_id": "h1",
    "timezone": "Europe/Berlin",
    "areas": [{"name": "Kitchen", "type": "indoor"}],
    "devices": [
        {"entity_id": "light.kitchen", "area": "Kitchen", "attributes": {"friendly_name": "Kitchen"}}
    ],
    "events": [EVENT],
    "external_data": {"weather": [{"temperature": 3.0}]},
}


def test_events_keep_only_the_feature_fields_and_the_rest_is_whole() -> None:
    home = decode_home(orjson.dumps(HOME))
    assert home["events"] == {
        "entity_id": ["light.kitchen"],
        "timestamp": ["2026-01-01T10:00:00+00:00"],
        "event_type": ["state_changed"],
    }
    assert home["devices"] == HOME["devices"]
    assert home["timezone"] == "Europe/Berlin"
    assert "external_data" not in home


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not a home JSON"),
        (b"[1, 2]", "not a home JSON"),
        (b'{"events": [3]}', "events"),
        (b'{"events": [{"entity_id": "light.a", "timestamp": true}]}', "timestamp"),
        (b'{"events": {"entity_id": ["light.a"], "timestamp": [null]}}', "timestamp"),
    ],
)
def test_malformed_homes_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(HomeInputError, match=message):
        decode_home(raw)


def test_predict_body_forms() -> None:
    homes, single, task = decode_predict_body(orjson.dumps({"home": HOME}))
    assert (len(homes), single, task) == (1, True, "full")
    homes, single, task = decode_predict_body(orjson.dumps({"homes": [HOME, HOME], "task": "binary"}))
    assert (len(homes), single, task) == (2, False, "binary")
    for bad, message in (
        ({"home": HOME, "homes": [HOME]}, "exactly one"),
        ({}, "exactly one"),
        ({"homes": []}, "1 to 10,000"),
        ({"home": HOME, "colour": "red"}, "unknown field"),
    ):
        with pytest.raises(HomeInputError, match=message):
            decode_predict_body(orjson.dumps(bad))


def test_columnar_events_give_the_same_features_as_event_objects() -> None:
    from ai_automation.home_type.features import extract_features

    times = [f"2026-01-0{d}T{h:02d}:15:00.000000+00:00" for d in range(1, 8) for h in (7, 8, 19, 22)]
    rows_home = {
        **HOME,
        "events": [
            {"event_type": "state_changed", "entity_id": "light.kitchen", "timestamp": t} for t in times
        ],
    }
    columns_home = {
        **HOME,
        "events": {"entity_id": ["light.kitchen"] * len(times), "timestamp": times},
    }
    decoded_rows = decode_home(orjson.dumps(rows_home))
    decoded_columns = decode_home(orjson.dumps(columns_home))
    a, b = extract_features(decoded_rows), extract_features(decoded_columns)
    assert a.groups_used == b.groups_used == ("composition", "events")
    assert np.array_equal(a.values, b.values, equal_nan=True)


@pytest.mark.parametrize(
    "events",
    [
        {"entity_id": ["light.kitchen"], "timestamp": []},
        {"entity_id": ["light.kitchen"]},
        {"entity_id": ["light.kitchen"], "timestamp": ["2026-01-01T00:00:00+00:00"], "event_type": []},
    ],
)
def test_bad_columnar_events_are_refused(events: dict[str, list[str]]) -> None:
    from ai_automation.home_type.features import extract_features

    with pytest.raises(HomeInputError, match="columnar events"):
        extract_features(decode_home(orjson.dumps({**HOME, "events": events})))


def test_time_fired_stands_in_and_unix_seconds_are_times() -> None:
    """HA's event bus has `time_fired`; its websocket history gives UNIX seconds: all mean the same time."""
    from ai_automation.home_type.features import extract_features

    iso = [f"2026-01-0{d}T{h:02d}:15:00+00:00" for d in range(1, 8) for h in (7, 19)]
    unix = [dt.datetime.fromisoformat(t).timestamp() + 0.25 for t in iso]
    forms = [
        [{"entity_id": "light.kitchen", "timestamp": t} for t in iso],
        [{"entity_id": "light.kitchen", "time_fired": t} for t in iso],
        [{"entity_id": "light.kitchen", "timestamp": t} for t in unix],
        {"entity_id": ["light.kitchen"] * len(unix), "timestamp": unix},
    ]
    rows = [extract_features(decode_home(orjson.dumps({**HOME, "events": e}))).values for e in forms]
    for row in rows[1:]:
        assert np.array_equal(rows[0], row, equal_nan=True)
    epoch = decode_home(orjson.dumps({**HOME, "events": [{"entity_id": "light.kitchen", "timestamp": 0}]}))
    assert epoch["events"]["timestamp"] == [0.0], "UNIX second 0 is a time, not a missing one"
    empty = decode_home(orjson.dumps({**HOME, "events": [{"entity_id": "light.kitchen", "timestamp": ""}]}))
    with pytest.raises(HomeInputError, match="neither timestamp nor time_fired"):
        extract_features(empty)
    with pytest.raises(HomeInputError, match="finite"):
        extract_features({**HOME, "events": {"entity_id": ["light.kitchen"], "timestamp": [float("nan")]}})


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        (1704067200000, "milliseconds"),  # the likeliest client mistake
        (1e300, "outside 1970-2100"),
        (-5.0, "outside 1970-2100"),
        ("0001-01-01T00:30:00+02:00", "outside 1970-2100"),
        ("2250-01-01T00:00:00+00:00", "outside 1970-2100"),
    ],
)
def test_times_outside_1970_2100_are_refused_with_a_reason(stamp: object, message: str) -> None:
    from ai_automation.home_type.features import extract_features

    for zone in ("UTC", "Europe/Berlin"):
        home = {**HOME, "timezone": zone, "events": [{"entity_id": "light.kitchen", "timestamp": stamp}]}
        with pytest.raises(HomeInputError, match=message):
            extract_features(decode_home(orjson.dumps(home)))


def test_long_histories_are_cut_to_the_latest_three_years() -> None:
    from ai_automation.home_type.home_view import MAX_SPAN_DAYS, parse_home

    recent = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    stamps = [recent - 3650 * 86_400, *(recent - d * 86_400 for d in range(30))]
    view = parse_home(
        decode_home(
            orjson.dumps({**HOME, "events": {"entity_id": ["light.kitchen"] * 31, "timestamp": stamps}})
        )
    )
    assert view.ev_entity.size == 30
    assert view.span_days <= MAX_SPAN_DAYS


def test_home_key_is_the_same_for_every_spelling_of_a_time() -> None:
    from ai_automation.home_type.dataset import home_key

    as_json = {**HOME, "events": [{"entity_id": "light.kitchen", "timestamp": 1704067200}]}
    assert home_key(as_json) == home_key(decode_home(orjson.dumps(as_json)))


def test_the_floor_list_survives_decoding_so_predict_and_training_read_it() -> None:
    from ai_automation.home_type.features import FEATURE_NAMES, extract_features

    floors = [{"floor_id": "up", "name": "Upstairs", "level": 1}, {"floor_id": "down", "name": "Downstairs"}]
    home = {**HOME, "floors": floors}  # its areas name no floor: the list decides
    (from_body,), _, _ = decode_predict_body(orjson.dumps({"home": home}))
    from_file = decode_home(orjson.dumps(home))  # a home file, as training reads it
    count = FEATURE_NAMES.index("floor_count")
    for decoded in (from_body, from_file):
        assert decoded["floors"] == floors
        assert extract_features(decoded).values[count] == extract_features(home).values[count] == 2
    with pytest.raises(HomeInputError, match="floors must be a list"):
        extract_features(decode_home(orjson.dumps({**HOME, "floors": {"up": 1}})))


def test_a_registry_export_survives_decoding() -> None:
    from ai_automation.home_type.features import extract_features

    export = {
        "areas": [{"area_id": "k", "name": "Kitchen"}],
        "devices": [{"id": "d1", "area_id": "k"}],
        "entities": [
            {"entity_id": "light.kitchen", "device_id": "d1"},
            {"entity_id": "sensor.t", "area_id": "k"},
        ],
    }
    (decoded,), _, _ = decode_predict_body(orjson.dumps({"home": export}))
    assert decoded["entities"] == export["entities"]  # the registry shape reaches the registry view
    np.testing.assert_array_equal(extract_features(decoded).values, extract_features(export).values)
