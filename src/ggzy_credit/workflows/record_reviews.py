"""Record review (复核): a second person verifies each credit record, or questions it with a note.

DESIGN §1 gives reviewers the records to verify ("second pair of eyes") and §2 says a record names
"who recorded and who verified it". A record is never edited, so a review is a row of its own
(``record_reviews``), appended and never changed:

* ``verified`` (复核无误) — final: a verified record that later proves wrong goes through an objection
  or a correction, not through another review.
* ``questioned`` (存疑) — with a written note for the recorder; the record stays in the queue until a
  reviewer verifies it, or it is revoked or corrected (with an approved ``credit_change`` grant).

Who: reviewers and administrators (``DECIDERS``), never the account that recorded the record (四眼
原则), and only on the platforms the account covers. Recorders read the queue and the notes. Each
review is a ledger event (entity ``record_reviews``, not public: notes may name people).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import Conflict, Forbidden, InvalidInput, NotFound
from ggzy_credit.ledger import service as ledger
from ggzy_credit.records.events import REMOVING, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import Platform, StandardItem
from ggzy_credit.subjects.models import Subject
from ggzy_credit.workflows.common import DECIDERS, REASON_MAX, require_role, written_reason
from ggzy_credit.workflows.models import RecordReview
from ggzy_credit.workflows.objections import require_live

VERIFIED, QUESTIONED = "verified", "questioned"
STATUSES = (VERIFIED, QUESTIONED)
UNREVIEWED = "unreviewed"
QUEUE_STATES = (UNREVIEWED, QUESTIONED, VERIFIED)
STATUS_LABELS = {VERIFIED: "复核无误", QUESTIONED: "存疑", UNREVIEWED: "待复核"}
LEDGER_ENTITY = "record_reviews"
LEDGER_REVIEWED = "record.reviewed"
COUNT_CAP = 10_000  # queue totals are counted up to here ("10000+"): a count must stay cheap


@dataclass(frozen=True)
class QueueRow:
    id: int
    platform: str
    platform_name: str
    subject_id: int
    subject_name: str
    item_code: str
    item_name: str
    points: int
    deducted_on: date
    recorded_by: str
    recorded_at: datetime
    status: str  # unreviewed | questioned | verified
    note: str | None  # the latest review's note


def review(session: Session, caller: Any, record_id: int, status: str, note: str | None) -> RecordReview:
    """Verify or question a record; a note is required when questioning."""
    require_role(caller, DECIDERS, "复核信用记录")
    if status not in STATUSES:
        raise InvalidInput.field("status", "status 应为 verified（复核无误）或 questioned（存疑）", "enum")
    if status == QUESTIONED or len((note or "").strip()) > REASON_MAX:
        note = written_reason(note, "note")
    else:
        note = (note or "").strip() or None
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"信用记录 {record_id} 不存在")
    code = session.scalar(select(Platform.code).where(Platform.id == record.platform_id))
    if not caller.sees_platform(code):
        raise Forbidden("超出本账号授权的平台范围")
    if record.recorded_by == caller.label:
        raise Forbidden("不能复核本人录入的信用记录（四眼原则）")
    require_live(session, record_id, "复核")
    done = session.execute(
        select(func.max(RecordReview.seq), func.count().filter(RecordReview.status == VERIFIED)).where(
            RecordReview.record_id == record_id
        )
    ).one()
    if done[1]:
        raise Conflict(f"信用记录 {record_id} 已复核无误")
    row = RecordReview(
        record_id=record_id,
        seq=(done[0] or 0) + 1,
        status=status,
        note=note,
        reviewed_by=caller.label,
        reviewer_role=caller.role.value,
        reviewed_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(f"信用记录 {record_id} 刚由他人复核，请刷新后再看") from None
    ledger.log_rows(session, LEDGER_REVIEWED, LEDGER_ENTITY, [row.id])
    return row


def history(session: Session, record_ids: Sequence[int]) -> dict[int, list[RecordReview]]:
    """Every review of each record, oldest first (a few hundred records per query)."""
    out: dict[int, list[RecordReview]] = {}
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        for row in session.scalars(
            select(RecordReview)
            .where(RecordReview.record_id.in_(ids[start : start + 500]))
            .order_by(RecordReview.record_id, RecordReview.seq)
        ):
            out.setdefault(row.record_id, []).append(row)
    return out


def state_of(reviews: Sequence[RecordReview]) -> str:
    """``verified`` once any review verified it, else the latest review's status, else ``unreviewed``."""
    if any(r.status == VERIFIED for r in reviews):
        return VERIFIED
    return reviews[-1].status if reviews else UNREVIEWED


def _queue_query(state: str, platforms: frozenset[str] | None, platform: str | None) -> Select:  # type: ignore[type-arg]
    any_review = exists().where(RecordReview.record_id == CreditRecord.id)
    verified = exists().where(RecordReview.record_id == CreditRecord.id, RecordReview.status == VERIFIED)
    condition = {
        UNREVIEWED: ~any_review,
        QUESTIONED: any_review & ~verified,
        VERIFIED: verified,
    }[state]
    query = (
        select(CreditRecord.id)
        .join(Platform, Platform.id == CreditRecord.platform_id)
        .where(
            condition,
            CreditRecord.id.not_in(select(RecordEvent.record_id).where(RecordEvent.kind.in_(REMOVING))),
        )
    )
    if platform:
        query = query.where(Platform.code == platform)
    if platforms is not None:
        query = query.where(Platform.code.in_(sorted(platforms)))
    return query


def queue(
    session: Session,
    caller: Any,
    *,
    state: str = UNREVIEWED,
    platform: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[QueueRow]]:
    """Live records in a review state, most recently recorded first; the total is capped at ``COUNT_CAP``."""
    if state not in QUEUE_STATES:
        raise InvalidInput.field("status", f"status 应为 {'、'.join(QUEUE_STATES)} 之一", "enum")
    ids_query = _queue_query(state, getattr(caller, "platforms", None), platform)
    total = session.scalar(select(func.count()).select_from(ids_query.limit(COUNT_CAP).subquery())) or 0
    page_ids = (
        ids_query.order_by(CreditRecord.recorded_at.desc(), CreditRecord.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = session.execute(
        select(CreditRecord, Platform.code, Platform.name, Subject.name, StandardItem.name)
        .join(Platform, Platform.id == CreditRecord.platform_id)
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .join(StandardItem, StandardItem.id == CreditRecord.item_id)
        .where(CreditRecord.id.in_(page_ids.scalar_subquery()))
        .order_by(CreditRecord.recorded_at.desc(), CreditRecord.id.desc())
    ).all()
    reviews = history(session, [r[0].id for r in rows])
    out = []
    for rec, code, pname, sname, iname in rows:
        mine = reviews.get(rec.id, [])
        out.append(
            QueueRow(
                rec.id,
                code,
                pname,
                rec.subject_id,
                sname,
                rec.item_code,
                iname,
                rec.points,
                rec.deducted_on,
                rec.recorded_by,
                rec.recorded_at,
                state_of(mine),
                mine[-1].note if mine else None,
            )
        )
    return total, out


def count_unreviewed(session: Session, caller: Any) -> int:
    """Records waiting for a first review (capped at ``COUNT_CAP``), for the staff home page."""
    query = _queue_query(UNREVIEWED, getattr(caller, "platforms", None), None)
    return session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP).subquery())) or 0
