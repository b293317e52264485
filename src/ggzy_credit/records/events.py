"""Record events: revocations, corrections and repairs (撤销、更正、信用修复).

A credit record is never edited in place (DESIGN §2 "Records"): each change is a new event row that
points at the record. What an event means for scoring:

* ``revoked`` — retroactive: the record never counts (上海办法 "撤销" / objection upheld).
* ``corrected`` — retroactive: the record never counts; ``replacement_record_id`` is a new record,
  ingested with the corrected content, that counts in its place.
* ``repaired`` — from ``effective_on`` on, the deduction stops counting (when the standard the record
  was scored under says so: ``stops_counting``); days before are unchanged.

Each service function re-evaluates the stored score history of the affected subject and platform in
the same transaction, so the change shows at once. The HTTP endpoints (behind approvals) come with
issue #6; the session is never committed here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ggzy_credit import clock
from ggzy_credit.db.base import Base
from ggzy_credit.errors import Conflict, FieldProblem, InvalidInput, NotFound
from ggzy_credit.exchange import outbox
from ggzy_credit.ledger import service as ledger
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.models import CreditRecord


class EventKind(StrEnum):
    REVOKED = "revoked"  # 撤销
    CORRECTED = "corrected"  # 更正
    REPAIRED = "repaired"  # 信用修复


REMOVING = (EventKind.REVOKED.value, EventKind.CORRECTED.value)
CORRECTABLE_FIELDS = (
    "subject_id",
    "item_code",
    "occurred_on",
    "deducted_on",
    "project_code",
    "project_name",
    "description",
    "source",
)


RECORD_EVENTS = "record_events"  # the table, and its ledger entity (records.ledger_source)


def leaf_kind(kind: str) -> str:
    """``revoked`` → ``record.revoked``: the ledger leaf kind and the webhook event type."""
    return f"record.{kind}"


class RecordEvent(Base):
    __tablename__ = "record_events"
    __table_args__ = (
        Index("ix_record_events_record", "record_id", "kind"),
        Index("ix_record_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # repaired: the first day the deduction no longer counts; revoked/corrected: the record's deduction
    # date (they are retroactive — the record never counts).
    effective_on: Mapped[date]
    # repaired only: whether the standard the record was scored under stops the deduction counting
    # (rules.repair.stop_counting); a repair under a standard that does not only hides the record.
    stops_counting: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    replacement_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


def events_for(session: Session, record_ids: list[int]) -> list[RecordEvent]:
    out: list[RecordEvent] = []
    for start in range(0, len(record_ids), 500):
        out += session.scalars(
            select(RecordEvent)
            .where(RecordEvent.record_id.in_(record_ids[start : start + 500]))
            .order_by(RecordEvent.id)
        ).all()
    return out


def revoke_record(session: Session, record_id: int, reason: str, by: str) -> RecordEvent:
    """Revoke a record: it stops counting retroactively and the history is re-evaluated."""
    record = _live_record(session, record_id, reason)
    event = _add(session, record, EventKind.REVOKED, record.deducted_on, reason, by)
    _reevaluate(session, {(record.subject_id, record.platform_id)})
    return event


def correct_record(
    session: Session, cipher: PiiCipher, record_id: int, changes: dict[str, Any], reason: str, by: str
) -> RecordEvent:
    """Replace a record by a corrected copy (a new record, ``{external_id}#c{n}``) and re-evaluate.

    ``changes`` may set any of :data:`CORRECTABLE_FIELDS`; the copy goes through the same validation
    as a new record (subject kind, standard in force on the deduction date, dates not in the future).
    """
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.schemas import RecordIn
    from ggzy_credit.standards.models import Platform

    record = _live_record(session, record_id, reason)
    if not changes:
        raise InvalidInput.field("changes", "请提供要更正的字段")
    unknown = [k for k in changes if k not in CORRECTABLE_FIELDS]
    if unknown:
        raise InvalidInput(
            [FieldProblem(("body", "changes", k), "该字段不可更正", "extra_forbidden") for k in unknown]
        )
    platform = session.get(Platform, record.platform_id)
    assert platform is not None
    current = {field: getattr(record, field) for field in CORRECTABLE_FIELDS}
    if all(current[k] == v or str(current[k]) == str(v) for k, v in changes.items()):
        raise InvalidInput.field("changes", "更正内容与原记录相同")
    external_id = _next_correction_id(session, record)
    try:
        data = RecordIn.model_validate(
            {**current, **changes, "platform": platform.code, "external_id": external_id}
        )
    except ValidationError as exc:
        raise InvalidInput(
            [
                FieldProblem(("body", "changes", *[p for p in e["loc"]]), e["msg"], e["type"])
                for e in exc.errors()
            ]
        ) from None
    [outcome] = ingest(session, cipher, [data], by, loc_prefix=("body", "changes"), with_index=False)
    replacement = session.get(CreditRecord, outcome.id)
    assert replacement is not None
    event = _add(
        session,
        record,
        EventKind.CORRECTED,
        record.deducted_on,
        reason,
        by,
        replacement_record_id=replacement.id,
        details={"changes": {k: str(v) if v is not None else None for k, v in changes.items()}},
    )
    _reevaluate(
        session, {(record.subject_id, record.platform_id), (replacement.subject_id, replacement.platform_id)}
    )
    return event


def repair_record(session: Session, record_id: int, effective_on: date, reason: str, by: str) -> RecordEvent:
    """Record a credit repair (信用修复) taking effect on ``effective_on`` and re-evaluate.

    From ``effective_on`` on the deduction no longer counts if the record's standard says so
    (``repair.stop_counting``); days before are unchanged. One repair per record.
    """
    from ggzy_credit.standards.models import Standard

    record = _live_record(session, record_id, reason)
    if session.scalar(
        select(RecordEvent.id).where(
            RecordEvent.record_id == record_id, RecordEvent.kind == EventKind.REPAIRED.value
        )
    ):
        raise Conflict(f"信用记录 {record_id} 已修复")
    if effective_on <= record.deducted_on:
        raise InvalidInput.field("effective_on", f"修复生效日期须晚于扣分日期 {record.deducted_on}")
    standard = session.get(Standard, record.standard_id)
    stops = bool(((standard.rules or {}).get("repair") or {}).get("stop_counting")) if standard else False
    event = _add(session, record, EventKind.REPAIRED, effective_on, reason, by, stops_counting=stops)
    _reevaluate(session, {(record.subject_id, record.platform_id)})
    return event


def _live_record(session: Session, record_id: int, reason: str) -> CreditRecord:
    if not reason or not reason.strip():
        raise InvalidInput.field("reason", "请说明理由")
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"信用记录 {record_id} 不存在")
    done = session.scalar(
        select(RecordEvent.kind)
        .where(RecordEvent.record_id == record_id, RecordEvent.kind.in_(REMOVING))
        .limit(1)
    )
    if done is not None:
        what = "撤销" if done == EventKind.REVOKED else "更正"
        raise Conflict(f"信用记录 {record_id} 已{what}，不能再变更")
    return record


def _add(
    session: Session,
    record: CreditRecord,
    kind: EventKind,
    effective_on: date,
    reason: str,
    by: str,
    **fields: Any,
) -> RecordEvent:
    event = RecordEvent(
        record_id=record.id,
        kind=kind.value,
        effective_on=effective_on,
        reason=reason.strip(),
        created_by=by,
        created_at=clock.now(),
        details=fields.pop("details", {}),
        **fields,
    )
    session.add(event)
    session.flush()
    # The credit event's ledger leaf and its webhook event, in this same transaction (issues #4, #8).
    [index] = ledger.log_rows(session, leaf_kind(kind.value), RECORD_EVENTS, [event.id])
    outbox.record_event(session, leaf_kind(kind.value), record, _webhook_fields(event, index))
    return event


def _webhook_fields(event: RecordEvent, ledger_index: int) -> dict[str, Any]:
    """What a receiver learns of the event (not the reason: it may quote a private decision)."""
    return {
        "record_event_id": event.id,
        "kind": event.kind,
        "effective_on": event.effective_on,
        "stops_counting": event.stops_counting,
        "replacement_record_id": event.replacement_record_id,
        "created_at": event.created_at,
        "ledger_index": ledger_index,
    }


_SUFFIX = re.compile(r"^(?P<root>.*)#c(?P<n>\d+)$")


def _next_correction_id(session: Session, record: CreditRecord) -> str:
    """``{root}#c{n}``: corrections of a correction keep numbering from the original's id."""
    match = _SUFFIX.match(record.external_id)
    root = match.group("root") if match else record.external_id
    taken = session.scalars(
        select(CreditRecord.external_id).where(
            CreditRecord.platform_id == record.platform_id,
            CreditRecord.external_id.like(f"{_escape(root)}#c%", escape="\\"),
        )
    ).all()
    numbers = [int(m.group("n")) for e in taken if (m := _SUFFIX.match(e)) and m.group("root") == root]
    return f"{root}#c{max(numbers, default=0) + 1}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _reevaluate(session: Session, pairs: set[tuple[int, int]]) -> None:
    # Imported here: scoring reads this module's table, so a top-level import would be circular.
    from ggzy_credit.scoring.evaluation import reevaluate_pairs

    reevaluate_pairs(session, pairs)
