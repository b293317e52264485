"""Reading credit records with what a reader needs beside them (platform, item, standard)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ggzy_credit.errors import NotFound
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.sources import RECORDS
from ggzy_credit.records.events import RECORD_EVENTS, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import RecordEventOut, RecordOut
from ggzy_credit.standards.models import Platform, Standard, StandardItem


def _ledger_index():  # type: ignore[no-untyped-def]
    """The leaf that logged the record's creation (its first leaf in the tamper-evident ledger)."""
    return (
        select(func.min(LedgerLeaf.leaf_index))
        .where(LedgerLeaf.entity == RECORDS, LedgerLeaf.entity_id == CreditRecord.id)
        .scalar_subquery()
    )


def _joined() -> Select:  # type: ignore[type-arg]
    return (
        select(
            CreditRecord,
            Platform.code,
            StandardItem.name,
            StandardItem.category,
            Standard.version,
            _ledger_index(),
        )
        .join(Platform, Platform.id == CreditRecord.platform_id)
        .join(StandardItem, StandardItem.id == CreditRecord.item_id)
        .join(Standard, Standard.id == CreditRecord.standard_id)
    )


def _out(row: tuple) -> RecordOut:  # type: ignore[type-arg]
    rec, platform, item_name, category, version, ledger_index = row
    return RecordOut(
        id=rec.id,
        platform=platform,
        external_id=rec.external_id,
        subject_id=rec.subject_id,
        item_code=rec.item_code,
        item_name=item_name,
        category=category,
        points=rec.points,
        standard_version=version,
        occurred_on=rec.occurred_on,
        deducted_on=rec.deducted_on,
        project_code=rec.project_code,
        project_name=rec.project_name,
        description=rec.description,
        source=rec.source,
        recorded_by=rec.recorded_by,
        recorded_at=rec.recorded_at,
        ledger_index=ledger_index,
    )


def _with_workflow_state(session: Session, records: list[RecordOut]) -> list[RecordOut]:
    """Objection status (异议处理中) and repair visibility, one query for the whole page."""
    from ggzy_credit.workflows.record_status import record_flags

    flags = record_flags(session, [r.id for r in records])
    events = _events(session, [r.id for r in records])
    for r in records:
        r.objection_status, r.hidden_from_public = flags.get(r.id, (None, False))
        r.events = events.get(r.id, [])
    return records


def _events(session: Session, record_ids: list[int]) -> dict[int, list[RecordEventOut]]:
    """The records' events with their ledger leaves, one query for the page."""
    if not record_ids:
        return {}
    index = (
        select(func.min(LedgerLeaf.leaf_index))
        .where(LedgerLeaf.entity == RECORD_EVENTS, LedgerLeaf.entity_id == RecordEvent.id)
        .scalar_subquery()
    )
    out: dict[int, list[RecordEventOut]] = {}
    rows = session.execute(
        select(
            RecordEvent.record_id,
            RecordEvent.id,
            RecordEvent.kind,
            RecordEvent.effective_on,
            RecordEvent.replacement_record_id,
            RecordEvent.created_at,
            index,
        )
        .where(RecordEvent.record_id.in_(record_ids))
        .order_by(RecordEvent.id)
    )
    for record_id, eid, kind, effective_on, replacement, created_at, leaf in rows:
        out.setdefault(record_id, []).append(
            RecordEventOut(
                id=eid,
                kind=kind,
                effective_on=effective_on,
                replacement_record_id=replacement,
                created_at=created_at,
                ledger_index=leaf,
            )
        )
    return out


def get_record(session: Session, record_id: int) -> RecordOut:
    row = session.execute(_joined().where(CreditRecord.id == record_id)).first()
    if row is None:
        raise NotFound(f"信用记录 {record_id} 不存在")
    return _with_workflow_state(session, [_out(tuple(row))])[0]


def records_by_ids(session: Session, ids: Sequence[int]) -> dict[int, RecordOut]:
    out: dict[int, RecordOut] = {}
    for start in range(0, len(ids), 500):
        for row in session.execute(_joined().where(CreditRecord.id.in_(ids[start : start + 500]))):
            record = _out(tuple(row))
            out[record.id] = record
    _with_workflow_state(session, list(out.values()))
    return out


def subject_records(
    session: Session,
    subject_id: int,
    *,
    platform: str | None = None,
    limit: int = 50,
    offset: int = 0,
    platforms: Collection[str] | None = None,
    published_only: bool = False,
) -> tuple[int, list[RecordOut]]:
    """``platforms``: the reader's platform scope (None: all); ``published_only``: items marked public."""
    query = _joined().where(CreditRecord.subject_id == subject_id)
    if platform:
        query = query.where(Platform.code == platform)
    if platforms is not None:
        query = query.where(Platform.code.in_(sorted(platforms)))
    if published_only:
        query = query.where(StandardItem.public.is_(True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CreditRecord.deducted_on.desc(), CreditRecord.id.desc()).limit(limit).offset(offset)
    )
    return total, _with_workflow_state(session, [_out(tuple(r)) for r in rows])
