"""Leaf data: the canonical JSON of one credit event, produced fast enough to re-hash millions of rows.

A leaf's data is ``canonical_json({"entity", "entity_id", "kind", "payload"})`` (RFC 8785 style,
see :mod:`ggzy_credit.ledger.canonical`). :func:`event_bytes` is what the log stores. The
reference encoder checks every value in pure Python (~60 µs an event); for the plain values events
carry — ``None``, booleans, integers within ±(2^53 − 1), strings, lists and objects with ASCII keys
— the standard library's C JSON encoder produces exactly the same bytes (sorted keys, ``,``/``:``
separators, UTF-8, the same escapes) in a tenth of the time. :func:`event_bytes` checks that the
event is plain and otherwise falls back to the reference encoder, which raises on what JCS forbids.
:func:`event_bytes_unchecked` skips the check; ``verify`` uses it and re-encodes with the reference
encoder before it reports a mismatch, so the shortcut can never cause a false alarm.
"""

from __future__ import annotations

import json
from typing import Any

from ggzy_credit.ledger.canonical import MAX_SAFE_INTEGER, canonical_json

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def event(kind: str, entity: str, entity_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {"entity": entity, "entity_id": entity_id, "kind": kind, "payload": payload}


def event_bytes(kind: str, entity: str, entity_id: int, payload: dict[str, Any]) -> bytes:
    """The leaf data of an event (strict: raises ``TypeError``/``ValueError`` on non-JCS values)."""
    obj = event(kind, entity, entity_id, payload)
    if _plain(obj):
        return _ENCODER.encode(obj).encode("utf-8")  # UnicodeEncodeError on lone surrogates
    return canonical_json(obj)


def event_bytes_unchecked(kind: str, entity: str, entity_id: int, payload: dict[str, Any]) -> bytes:
    """Fast path for values already known to be plain (see the module docstring)."""
    return _ENCODER.encode(event(kind, entity, entity_id, payload)).encode("utf-8")


def event_bytes_reference(kind: str, entity: str, entity_id: int, payload: dict[str, Any]) -> bytes | None:
    """The reference encoding, or ``None`` when the values cannot be encoded at all."""
    try:
        return canonical_json(event(kind, entity, entity_id, payload))
    except (TypeError, ValueError):
        return None


def _plain(value: object) -> bool:
    """Whether the C encoder writes ``value`` exactly as the reference encoder would.

    Loops rather than ``all(generator)``: an event is checked per leaf appended, and the flat
    payload dicts most events carry are then checked without a call per value.
    """
    kind = type(value)
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str or not key.isascii():
                return False
            item_kind = type(item)
            if item is None or item_kind is str or item_kind is bool:
                continue
            if item_kind is int:
                if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    continue
                return False
            if not _plain(item):
                return False
        return True
    if value is None or kind is str or kind is bool:
        return True
    if kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER  # type: ignore[operator]
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)  # type: ignore[attr-defined]
    return False
