"""Ledger source for record events (``record_events``): revocations, corrections, repairs.

An event row is its own ledger entity (``registry`` rule: a revocation does not describe the record's
current state, so it is not logged against ``credit_records``). Rows are written once and never
changed, so each has exactly one leaf: ``record.revoked`` / ``record.corrected`` / ``record.repaired``
(``record_events.backfilled`` for rows older than the ledger).

Disclosure (以公开为常态、不公开为例外): that a *published* record was revoked, corrected or repaired is
public information, so the leaf is public exactly when the record's own leaf is (its item is
published). The free texts are not: a reason quotes the objection or repair decision (kept private in
their own leaves: it may name people) and a correction's ``details`` hold the new values, which may
belong to an unpublished item. The payload therefore carries their SHA-256 digests instead — enough
to detect any change to them, recomputable from the live row by anyone who may read it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.ledger.registry import EntitySource, IdFilter, LiveRow, register
from ggzy_credit.ledger.sources import _day, _instant
from ggzy_credit.records.events import RECORD_EVENTS, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import StandardItem


def digest_text(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode("utf-8")).hexdigest()


def digest_json(value: Any) -> str | None:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8; RFC 8785 for plain values)."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_COLUMNS = (
    RecordEvent.id,
    RecordEvent.record_id,
    RecordEvent.kind,
    RecordEvent.effective_on,
    RecordEvent.stops_counting,
    RecordEvent.reason,
    RecordEvent.replacement_record_id,
    RecordEvent.details,
    RecordEvent.created_by,
    RecordEvent.created_at,
)


def load_record_events(session: Session, where: IdFilter) -> list[LiveRow]:
    rows = session.execute(select(*_COLUMNS).where(where.on(RecordEvent.id)).order_by(RecordEvent.id))
    return [
        LiveRow(
            eid,
            {
                "created_at": _instant(created_at),
                "created_by": created_by,
                "details_sha256": digest_json(details),
                "effective_on": _day(effective_on),
                "id": eid,
                "kind": kind,
                "reason_sha256": digest_text(reason),
                "record_id": record_id,
                "replacement_record_id": replacement_record_id,
                "stops_counting": None if stops_counting is None else bool(stops_counting),
            },
        )
        for (
            eid,
            record_id,
            kind,
            effective_on,
            stops_counting,
            reason,
            replacement_record_id,
            details,
            created_by,
            created_at,
        ) in rows
    ]


def record_events_public(session: Session, rows: list[LiveRow]) -> dict[int, bool]:
    """Public when the record's item is published, like the record's own leaf."""
    public = public_by_event(session, [r.id for r in rows])
    return {r.id: public.get(r.id, False) for r in rows}


def public_by_event(session: Session, event_ids: list[int]) -> dict[int, bool]:
    out: dict[int, bool] = {}
    for start in range(0, len(event_ids), 1000):
        out.update(
            session.execute(
                select(RecordEvent.id, StandardItem.public)
                .join(CreditRecord, CreditRecord.id == RecordEvent.record_id)
                .join(StandardItem, StandardItem.id == CreditRecord.item_id)
                .where(RecordEvent.id.in_(event_ids[start : start + 1000]))
            ).all()
        )
    return {k: bool(v) for k, v in out.items()}


register(
    EntitySource(
        RECORD_EVENTS,
        RecordEvent.id,
        load_record_events,
        record_events_public,
        label="信用记录变更（撤销、更正、修复）",
    )
)
