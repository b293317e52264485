"""What the public may see (以公开为常态、不公开为例外): published records, masked identities.

A record is on public display when its item is published (``public``) in a published standard
version, it has not been revoked or corrected (the corrected copy is a record of its own), and no
credit repair under a standard that hides repaired records (``repair.hide_from_public``) has taken
effect. Personal data never leaves unmasked: ID numbers only as their stored masked copy, phones
not at all. All queries are set-based: one query per page of results, whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from ggzy_credit.records.events import REMOVING, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import Platform, Standard, StandardItem
from ggzy_credit.subjects.models import Subject
from ggzy_credit.workflows.repair import hidden_from_public_clause


@dataclass(frozen=True)
class RecordRow:
    id: int
    subject_id: int
    platform: str
    platform_name: str
    item_code: str
    item_name: str
    category: str
    item_kind: str
    points: int
    standard_version: str
    occurred_on: date
    deducted_on: date
    project_code: str | None
    project_name: str | None
    description: str | None
    source: str
    recorded_by: str
    public: bool


def removed_ids() -> Select:  # type: ignore[type-arg]
    """Records revoked or corrected: they no longer stand (the correction is its own record)."""
    return select(RecordEvent.record_id).where(RecordEvent.kind.in_(REMOVING))


def published(session: Session, today: date) -> ColumnElement[bool]:
    """The condition for a record (joined with its item and standard) to be on public display.

    Also used by ``exchange.export`` for the public bulk export: keep the signature.
    """
    return and_(
        StandardItem.public.is_(True),
        Standard.published.is_(True),
        CreditRecord.id.not_in(removed_ids()),
        ~hidden_from_public_clause(session, today),
    )


def _joined() -> Select:  # type: ignore[type-arg]
    return (
        select(
            CreditRecord,
            Platform.code,
            Platform.name,
            StandardItem.name,
            StandardItem.category,
            StandardItem.kind,
            StandardItem.public,
            Standard.version,
        )
        .join(Platform, Platform.id == CreditRecord.platform_id)
        .join(StandardItem, StandardItem.id == CreditRecord.item_id)
        .join(Standard, Standard.id == CreditRecord.standard_id)
    )


def _row(row: Sequence[object]) -> RecordRow:
    rec, code, pname, iname, category, ikind, ipublic, version = row
    assert isinstance(rec, CreditRecord)
    return RecordRow(
        id=rec.id,
        subject_id=rec.subject_id,
        platform=str(code),
        platform_name=str(pname),
        item_code=rec.item_code,
        item_name=str(iname),
        category=str(category),
        item_kind=str(ikind),
        points=rec.points,
        standard_version=str(version),
        occurred_on=rec.occurred_on,
        deducted_on=rec.deducted_on,
        project_code=rec.project_code,
        project_name=rec.project_name,
        description=rec.description,
        source=rec.source,
        recorded_by=rec.recorded_by,
        public=bool(ipublic),
    )


def public_records(
    session: Session,
    subject_id: int,
    today: date,
    *,
    platform: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[RecordRow]]:
    """A subject's records on public display, newest deduction first."""
    query = _joined().where(CreditRecord.subject_id == subject_id, published(session, today))
    if platform:
        query = query.where(Platform.code == platform)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CreditRecord.deducted_on.desc(), CreditRecord.id.desc()).limit(limit).offset(offset)
    )
    return total, [_row(tuple(r)) for r in rows]


def all_records(
    session: Session,
    subject_id: int,
    *,
    platform: str | None = None,
    limit: int = 50,
    offset: int = 0,
    platforms: frozenset[str] | None = None,
) -> tuple[int, list[RecordRow]]:
    """Every record of a subject, published or not (its own account, staff, regulators)."""
    query = _joined().where(CreditRecord.subject_id == subject_id)
    if platform:
        query = query.where(Platform.code == platform)
    if platforms is not None:
        query = query.where(Platform.code.in_(sorted(platforms)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CreditRecord.deducted_on.desc(), CreditRecord.id.desc()).limit(limit).offset(offset)
    )
    return total, [_row(tuple(r)) for r in rows]


def records_of(
    session: Session, subject_ids: Sequence[int], *, platforms: frozenset[str] | None = None
) -> list[RecordRow]:
    """Every record of several subjects (an approved export), a few hundred subjects per query."""
    out: list[RecordRow] = []
    ids = list(subject_ids)
    for start in range(0, len(ids), 500):
        query = _joined().where(CreditRecord.subject_id.in_(ids[start : start + 500]))
        if platforms is not None:
            query = query.where(Platform.code.in_(sorted(platforms)))
        out += [
            _row(tuple(r)) for r in session.execute(query.order_by(CreditRecord.subject_id, CreditRecord.id))
        ]
    return out


def record(session: Session, record_id: int) -> RecordRow | None:
    row = session.execute(_joined().where(CreditRecord.id == record_id)).first()
    return None if row is None else _row(tuple(row))


def is_published(session: Session, record_id: int, today: date) -> bool:
    query = _joined().where(CreditRecord.id == record_id, published(session, today))
    return session.execute(query.limit(1)).first() is not None


def public_counts(session: Session, subject_ids: Sequence[int], today: date) -> dict[int, int]:
    """Published records per subject, for a page of search results (one query)."""
    if not subject_ids:
        return {}
    rows = session.execute(
        select(CreditRecord.subject_id, func.count())
        .join(StandardItem, StandardItem.id == CreditRecord.item_id)
        .join(Standard, Standard.id == CreditRecord.standard_id)
        .where(CreditRecord.subject_id.in_(list(subject_ids)), published(session, today))
        .group_by(CreditRecord.subject_id)
    )
    return {sid: n for sid, n in rows}


def record_states(session: Session, record_ids: Sequence[int]) -> dict[int, list[tuple[str, date]]]:
    """Events per record (revoked, corrected, repaired) with their effective dates."""
    out: dict[int, list[tuple[str, date]]] = {}
    if not record_ids:
        return out
    rows = session.execute(
        select(RecordEvent.record_id, RecordEvent.kind, RecordEvent.effective_on)
        .where(RecordEvent.record_id.in_(list(record_ids)))
        .order_by(RecordEvent.id)
    )
    for rid, kind, on in rows:
        out.setdefault(rid, []).append((kind, on))
    return out


def subject_identity(subject: Subject) -> dict[str, str | None]:
    """The identity fields anyone may see: personal data only as the stored masked copy."""
    if subject.type == "legal":
        return {
            "name": subject.name,
            "uscc": subject.uscc,
            "address": subject.address,
            "legal_representative": subject.legal_representative,
        }
    return {"name": subject.name, "id_number": subject.id_number_masked}
