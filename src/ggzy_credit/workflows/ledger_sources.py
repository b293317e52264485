"""Ledger sources for workflow decisions: a decided objection, an approved repair application, a
record review (every row of ``record_reviews``: reviews are appended, never changed).

Only those rows are credit events, so only they are loaded: an open, withdrawn or rejected case is
not in the ledger and verify does not expect it there. A logged row is final (a decided objection
and an approved application never change again), so its leaf describes its current state, as the
registry requires; a decided row later edited back to another state behind the application's back
shows up in verify as deleted. Leaves are not public: decisions quote reasons that may name people.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from ggzy_credit.clock import CHINA
from ggzy_credit.ledger.registry import EntitySource, IdFilter, LiveRow, register
from ggzy_credit.workflows.models import Objection, RecordReview, RepairApplication

OBJECTIONS, REPAIRS, RECORD_REVIEWS = "objections", "repair_applications", "record_reviews"

_OBJECTION_FIELDS = (
    "id",
    "subject_id",
    "target",
    "record_id",
    "platform_id",
    "evaluation_on",
    "status",
    "outcome",
    "received_on",
    "due_on",
    "decided_by",
    "decided_at",
    "decision_reason",
    "remedy",
    "remedy_record_id",
    "record_event_id",
    "replacement_record_id",
    "grant_ref",
)
_REPAIR_FIELDS = (
    "id",
    "subject_id",
    "record_id",
    "platform_id",
    "status",
    "eligible_from",
    "reviewed_by",
    "recommendation",
    "decided_by",
    "decided_at",
    "decision_reason",
    "effective_on",
    "hide_from_public",
    "stop_counting",
    "record_event_id",
)
_REVIEW_FIELDS = ("id", "record_id", "seq", "status", "note", "reviewed_by", "reviewer_role", "reviewed_at")


def _plain(value: Any) -> Any:
    """Dates as ISO strings, instants as ISO 8601 in Asia/Shanghai with microseconds (as ledger.sources)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(CHINA).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _loader(model: Any, fields: tuple[str, ...], logged: Any):  # type: ignore[no-untyped-def]
    def load(session: Session, where: IdFilter) -> list[LiveRow]:
        columns = [getattr(model, f) for f in fields]
        rows = session.execute(select(*columns).where(where.on(model.id), logged).order_by(model.id))
        return [LiveRow(row[0], {f: _plain(v) for f, v in zip(fields, row, strict=True)}) for row in rows]

    return load


def _private(_session: Session, rows: list[LiveRow]) -> dict[int, bool]:
    return {row.id: False for row in rows}


register(
    EntitySource(
        OBJECTIONS,
        Objection.id,
        _loader(Objection, _OBJECTION_FIELDS, Objection.status == "decided"),
        _private,
        label="异议处理决定",
    )
)
register(
    EntitySource(
        REPAIRS,
        RepairApplication.id,
        _loader(RepairApplication, _REPAIR_FIELDS, RepairApplication.status == "approved"),
        _private,
        label="信用修复批准",
    )
)
register(
    EntitySource(
        RECORD_REVIEWS,
        RecordReview.id,
        _loader(RecordReview, _REVIEW_FIELDS, true()),
        _private,
        label="信用记录复核",
    )
)
