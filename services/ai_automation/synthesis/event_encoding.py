"""Turn simulated event columns into HA-shaped JSON bytes without building a dict per event.

Timestamps and ULID context ids are formatted as fixed-width byte rows with numpy; each event is
then joined from interned fragments (entity prefix, state, attributes) in C-level joins. A
state change's `old_state` is the previous `new_state` fragment of the same entity, reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat

import numpy as np

from homeiq_shared.event_types import EVENT_TYPES

US = 1_000_000
_CROCKFORD = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def _date_rows(days: np.ndarray) -> np.ndarray:
    uniq, inverse = np.unique(days, return_inverse=True)
    text = b"".join(datetime.fromtimestamp(int(d) * 86400, UTC).strftime("%Y-%m-%d").encode() for d in uniq)
    rows: np.ndarray = np.frombuffer(text, dtype=np.uint8).reshape(-1, 10)[inverse]
    return rows


def _put(buf: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    for k in range(width):
        buf[:, col + k] = _DIGITS[(values // 10 ** (width - 1 - k)) % 10]


def iso_rows(times_us: np.ndarray, micros: bool) -> np.ndarray:
    """UTC ISO-8601 stamps with `+00:00` as a fixed-width bytes array (S32 with µs, S25 without)."""
    times_us = np.asarray(times_us, dtype=np.int64)
    secs = times_us // US
    width = 32 if micros else 25
    buf = np.empty((times_us.size, width), dtype=np.uint8)
    buf[:, :10] = _date_rows(secs // 86400)
    sod = secs % 86400
    buf[:, 10] = ord("T")
    _put(buf, 11, sod // 3600, 2)
    buf[:, 13] = ord(":")
    _put(buf, 14, (sod // 60) % 60, 2)
    buf[:, 16] = ord(":")
    _put(buf, 17, sod % 60, 2)
    tail = 19
    if micros:
        buf[:, 19] = ord(".")
        _put(buf, 20, times_us % US, 6)
        tail = 26
    buf[:, tail:] = np.frombuffer(b"+00:00", dtype=np.uint8)
    out: np.ndarray = buf.view(f"S{width}").ravel()
    return out


def iso_strings(times_us: np.ndarray, micros: bool = False) -> list[str]:
    """UTC ISO-8601 strings with `+00:00` for many times at once."""
    return [b.decode() for b in iso_rows(times_us, micros).tolist()]


def ulids(times_us: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    """HA-style context ids: ULIDs (48-bit ms time + 80 random bits, Crockford base32)."""
    n = times_us.size
    ms = np.asarray(times_us, dtype=np.int64) // 1000
    buf = np.empty((n, 26), dtype=np.uint8)
    for k in range(10):
        buf[:, k] = _CROCKFORD[(ms >> (5 * (9 - k))) & 31]
    for col, part in ((10, rng.integers(0, 1 << 40, n)), (18, rng.integers(0, 1 << 40, n))):
        for k in range(8):
            buf[:, col + k] = _CROCKFORD[(part >> (5 * (7 - k))) & 31]
    ids: list[bytes] = buf.view("S26").ravel().tolist()
    return ids


_NO_CAUSE = b'","parent_id":null,"user_id":null}'


@dataclass(frozen=True)
class ContextOrigin:
    """Who caused each state change: codes 0 (the device), 1 (a user, `user_id`), 2 (an automation,
    one parent context id per such change, in order)."""

    codes: np.ndarray
    user_id: bytes
    parents: list[bytes]

    def tails(self, n: int) -> list[bytes]:
        """The end of each change's context object after its id."""
        by_user = b'","parent_id":null,"user_id":"' + self.user_id + b'"}'
        out = [_NO_CAUSE] * n
        caused = iter(self.parents)
        for i in np.flatnonzero(self.codes).tolist():
            out[i] = (
                by_user if self.codes[i] == 1 else b'","parent_id":"' + next(caused) + b'","user_id":null}'
            )
        return out


@dataclass
class EncodedEvents:
    """Events of one home, JSON-encoded and in time order, with their per-type counts."""

    chunks: list[bytes]
    counts: dict[str, int]


def encode_events(
    entity_ids: list[str],
    state_strings: list[str],
    attr_fragments: list[bytes],
    state_cols: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    other_cols: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    other_fragments: list[bytes],
    rng: np.random.Generator,
    origin: ContextOrigin | None = None,
) -> EncodedEvents:
    """Encode state changes (sorted by entity, then time) and other events into time-ordered JSON.

    `origin` says which state changes a user or an automation caused (their contexts carry the user id
    or a parent id); without it every context has neither.
    """
    t, ent, st, at = state_cols
    n = t.size
    same = np.zeros(n, dtype=bool)
    same[1:] = ent[1:] == ent[:-1]
    prev = np.where(same, np.arange(n) - 1, -1)
    changed = ~same
    changed[1:] |= st[1:] != st[:-1]
    last_changed = np.maximum.accumulate(np.where(changed, np.arange(n), 0))

    ot, oent, otype, ofrag = other_cols
    all_t = np.concatenate((t, ot))
    stamp_rows = iso_rows(all_t, micros=True)
    stamps = stamp_rows.tolist()
    contexts = ulids(all_t, rng)
    ts, ots = stamps[:n], stamps[n:]
    ctx, octx = contexts[:n], contexts[n:]

    eid = [e.encode() for e in entity_ids]
    ev_head = np.array(
        [b'{"event_type":"state_changed","entity_id":"' + e + b'","timestamp":"' for e in eid], dtype=object
    )
    # Every (state, attributes) pair is formatted once: attribute ids belong to one entity, so the
    # pair also fixes the entity id inside new_state.
    combo = at.astype(np.int64) * len(state_strings) + st
    _uniq, first, inverse = np.unique(combo, return_index=True, return_inverse=True)
    u_ent, u_st, u_at = ent[first].tolist(), st[first].tolist(), at[first].tolist()
    u_state = [state_strings[i].encode() for i in u_st]
    u_attr = [attr_fragments[i] for i in u_at]
    new_head = np.array(
        list(map(b"".join, zip(repeat(b'{"entity_id":"'), [eid[i] for i in u_ent], repeat(b'","state":"'), u_state,
                              repeat(b'","attributes":'), u_attr, repeat(b',"last_changed":"'), strict=False))),
        dtype=object,
    )  # fmt: skip
    flat = np.array(
        list(map(b"".join, zip(repeat(b'","state":"'), u_state, repeat(b'","attributes":'), u_attr,
                              repeat(b',"old_state":'), strict=False))),
        dtype=object,
    )  # fmt: skip
    lc_ts = stamp_rows[last_changed].tolist()
    # the context's end after its id: the same in new_state and in the event (a list, or an endless repeat)
    tails = origin.tails(n) if origin is not None else repeat(_NO_CAUSE)
    new = list(
        map(
            b"".join,
            zip(new_head[inverse].tolist(), lc_ts, repeat(b'","last_updated":"'), ts, repeat(b'","context":{"id":"'),
                ctx, tails, repeat(b"}"), strict=False),
        )
    )  # fmt: skip
    new_arr = np.array([*new, b"null"], dtype=object)
    old = new_arr[prev].tolist()
    state_events = list(
        map(
            b"".join,
            zip(ev_head[ent].tolist(), ts, flat[inverse].tolist(), old, repeat(b',"new_state":'), new,
                repeat(b',"context":{"id":"'), ctx,
                tails,
                repeat(b',"origin":"LOCAL","time_fired":"'), ts, repeat(b'"}'),
                strict=False),
        )
    )  # fmt: skip
    n_ent = len(entity_ids)
    key = otype.astype(np.int64) * n_ent + oent
    heads = np.empty(len(EVENT_TYPES) * n_ent, dtype=object)
    for k in sorted(set(key.tolist())):
        code, e = divmod(k, n_ent)
        heads[k] = (
            f'{{"event_type":"{EVENT_TYPES[code]}","entity_id":"{entity_ids[e]}","timestamp":"'.encode()
        )
    o_head = heads[key].tolist()
    frag_b = np.array([*other_fragments, b"{}"], dtype=object)
    other_events = list(
        map(
            b"".join,
            zip(o_head, ots, repeat(b'","attributes":'), frag_b[ofrag].tolist(), repeat(b',"context":{"id":"'), octx,
                repeat(b'","parent_id":null,"user_id":null},"origin":"LOCAL","time_fired":"'), ots, repeat(b'"}'),
                strict=False),
        )
    )  # fmt: skip
    order = np.argsort(all_t, kind="stable")
    chunks = np.array(state_events + other_events, dtype=object)[order].tolist()
    counts = {"state_changed": int(n)}
    for code, name in enumerate(EVENT_TYPES[1:], start=1):
        counts[name] = int((otype == code).sum())
    return EncodedEvents(chunks, counts)
