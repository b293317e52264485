"""Reading credit records with what a reader needs beside them (platform, item, standard)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ggzy_credit.errors import NotFound
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import RecordOut
from ggzy_credit.standards.models import Platform, Standard, StandardItem


def _joined() -> Select:  # type: ignore[type-arg]
    return (
        select(CreditRecord, Platform.code, StandardItem.name, StandardItem.category, Standard.version)
        .join(Platform, Platform.id == CreditRecord.platform_id)
        .join(StandardItem, StandardItem.id == CreditRecord.item_id)
        .join(Standard, Standard.id == CreditRecord.standard_id)
    )


def _out(row: tuple) -> RecordOut:  # type: ignore[type-arg]
    rec, platform, item_name, category, version = row
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
    )


def get_record(session: Session, record_id: int) -> RecordOut:
    row = session.execute(_joined().where(CreditRecord.id == record_id)).first()
    if row is None:
        raise NotFound(f"信用记录 {record_id} 不存在")
    return _out(tuple(row))


def records_by_ids(session: Session, ids: Sequence[int]) -> dict[int, RecordOut]:
    out: dict[int, RecordOut] = {}
    for start in range(0, len(ids), 500):
        for row in session.execute(_joined().where(CreditRecord.id.in_(ids[start : start + 500]))):
            record = _out(tuple(row))
            out[record.id] = record
    return out


def subject_records(
    session: Session, subject_id: int, *, platform: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[RecordOut]]:
    query = _joined().where(CreditRecord.subject_id == subject_id)
    if platform:
        query = query.where(Platform.code == platform)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CreditRecord.deducted_on.desc(), CreditRecord.id.desc()).limit(limit).offset(offset)
    )
    return total, [_out(tuple(r)) for r in rows]
