"""Reading workflow cases: who may see what, filters, and the API representations (set-based)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Forbidden, InvalidInput, NotFound
from ggzy_credit.standards.models import Platform
from ggzy_credit.workflows import commitments, complaints, objections, repair
from ggzy_credit.workflows import evidence as files
from ggzy_credit.workflows.calendar_store import add_working_days, work_calendar
from ggzy_credit.workflows.common import can_read_subject_case, history, subjects_of
from ggzy_credit.workflows.models import Commitment, Complaint, Objection, RepairApplication
from ggzy_credit.workflows.schemas import (
    CommitmentOut,
    ComplaintOut,
    EvidenceOut,
    ObjectionOut,
    RepairOut,
    TransitionOut,
)


def _platform_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Platform.id, Platform.code)).all())


def _scoped(query: Select, model: Any, caller: Any, subject_id: int | None) -> Select:  # type: ignore[type-arg]
    """Subject accounts see their own subjects' cases only; others see all (or one subject's).

    Callers limited to some platforms (regulators of one sector, scoped tokens) see those platforms' cases.
    """
    platforms = getattr(caller, "platforms", None)
    if platforms is not None:
        query = query.where(
            model.platform_id.in_(select(Platform.id).where(Platform.code.in_(sorted(platforms))))
        )
    if Role(caller.role) is Role.SUBJECT:
        mine = sorted(subjects_of(caller))
        if subject_id is not None and subject_id not in mine:
            raise Forbidden("只能查看本账号所代表经营主体的事项")
        query = query.where(model.subject_id.in_([subject_id] if subject_id is not None else mine))
    elif subject_id is not None:
        query = query.where(model.subject_id == subject_id)
    return query


def _page(session: Session, query: Select, model: Any, limit: int, offset: int) -> tuple[int, list[Any]]:  # type: ignore[type-arg]
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(model.id.desc()).limit(limit).offset(offset)).all()
    return total, list(rows)


def _readable(caller: Any, row: Any, what: str, codes: dict[int, str]) -> None:
    platforms = getattr(caller, "platforms", None)
    if not can_read_subject_case(caller, row.subject_id) or (
        platforms is not None and codes.get(row.platform_id) not in platforms
    ):
        raise Forbidden(f"无权查看该{what}")


def _details(session: Session, case_kind: str, case_id: int) -> dict[str, Any]:
    return {
        "evidence": [
            EvidenceOut.model_validate(e, from_attributes=True)
            for e in files.list_for(session, case_kind, [case_id])[case_id]
        ],
        "history": [
            TransitionOut.model_validate(t, from_attributes=True)
            for t in history(session, case_kind, case_id)
        ],
    }


def _read(
    session: Session,
    caller: Any,
    model: Any,
    case_id: int,
    what: str,
    to_out: Callable[..., Any],
    case_kind: str | None = None,
) -> Any:
    """One case the caller may read, as its API representation (with evidence and history if a case)."""
    row = session.get(model, case_id)
    if row is None:
        raise NotFound(f"{what} {case_id} 不存在")
    codes = _platform_codes(session)
    _readable(caller, row, what, codes)
    return to_out(row, codes, **(_details(session, case_kind, row.id) if case_kind else {}))


def _with_status(query: Select, model: Any, status: str | None, labels: dict[str, str]) -> Select:  # type: ignore[type-arg]
    if status:
        if status not in labels:
            raise InvalidInput.field("status", f"status 应为 {'、'.join(labels)} 之一", "enum")
        query = query.where(model.status == status)
    return query


def _listed(
    session: Session,
    query: Select,
    model: Any,
    limit: int,
    offset: int,
    to_out: Callable[..., Any],  # type: ignore[type-arg]
) -> tuple[int, list[Any]]:
    total, rows = _page(session, query, model, limit, offset)
    codes = _platform_codes(session)
    return total, [to_out(r, codes) for r in rows]


# -- objections ---------------------------------------------------------------------------------


def objection_out(obj: Objection, codes: dict[int, str], today: date, **details: Any) -> ObjectionOut:
    return ObjectionOut(
        id=obj.id,
        subject_id=obj.subject_id,
        target=obj.target,
        record_id=obj.record_id,  # type: ignore[arg-type]
        platform=codes.get(obj.platform_id, ""),
        evaluation_on=obj.evaluation_on,
        reason=obj.reason,
        status=obj.status,
        status_label=objections.STATUS_LABELS[obj.status],
        outcome=obj.outcome,
        outcome_label=objections.OUTCOME_LABELS.get(obj.outcome or ""),
        received_on=obj.received_on,
        due_on=obj.due_on,
        overdue=obj.status in objections.OPEN and today > obj.due_on,
        escalated_at=obj.escalated_at,
        submitted_by=obj.submitted_by,
        submitted_at=obj.submitted_at,
        accepted_at=obj.accepted_at,
        decided_by=obj.decided_by,
        decided_at=obj.decided_at,
        decision_reason=obj.decision_reason,
        remedy=obj.remedy,
        record_event_id=obj.record_event_id,
        replacement_record_id=obj.replacement_record_id,
        **details,
    )


def read_objection(session: Session, caller: Any, objection_id: int) -> ObjectionOut:
    today = clock.today()
    to_out = partial(_objection_at, today=today)
    return _read(session, caller, Objection, objection_id, "异议", to_out, objections.CASE)  # type: ignore[no-any-return]


def _objection_at(obj: Objection, codes: dict[int, str], *, today: date, **details: Any) -> ObjectionOut:
    return objection_out(obj, codes, today, **details)


def list_objections(
    session: Session,
    caller: Any,
    *,
    status: str | None = None,
    subject_id: int | None = None,
    record_id: int | None = None,
    overdue: bool | None = None,
    due_within: int | None = None,
    escalated: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[ObjectionOut]]:
    """Filters: ``overdue`` (open and past due), ``due_within=N`` (open, due within N working days)."""
    today = clock.today()
    query = _with_status(
        _scoped(select(Objection), Objection, caller, subject_id), Objection, status, objections.STATUS_LABELS
    )
    if record_id is not None:
        query = query.where(Objection.record_id == record_id)
    if overdue is not None:
        late = Objection.status.in_(objections.OPEN) & (Objection.due_on < today)
        query = query.where(late if overdue else ~late)
    if due_within is not None:
        last = today if due_within == 0 else add_working_days(work_calendar(session), today, due_within)
        query = query.where(
            Objection.status.in_(objections.OPEN), Objection.due_on >= today, Objection.due_on <= last
        )
    if escalated is not None:
        query = query.where(
            Objection.escalated_at.is_not(None) if escalated else Objection.escalated_at.is_(None)
        )
    return _listed(session, query, Objection, limit, offset, partial(_objection_at, today=today))


# -- repair -------------------------------------------------------------------------------------


def repair_out(app: RepairApplication, codes: dict[int, str], **details: Any) -> RepairOut:
    return RepairOut(
        id=app.id,
        subject_id=app.subject_id,
        record_id=app.record_id,
        platform=codes.get(app.platform_id, ""),
        reason=app.reason,
        status=app.status,
        status_label=repair.STATUS_LABELS[app.status],
        eligible_from=app.eligible_from,
        submitted_by=app.submitted_by,
        submitted_at=app.submitted_at,
        reviewed_by=app.reviewed_by,
        recommendation=app.recommendation,
        review_opinion=app.review_opinion,
        decided_by=app.decided_by,
        decided_at=app.decided_at,
        decision_reason=app.decision_reason,
        effective_on=app.effective_on,
        hide_from_public=app.hide_from_public,
        stop_counting=app.stop_counting,
        **details,
    )


def read_repair(session: Session, caller: Any, application_id: int) -> RepairOut:
    return _read(session, caller, RepairApplication, application_id, "信用修复申请", repair_out, repair.CASE)  # type: ignore[no-any-return]


def list_repairs(
    session: Session,
    caller: Any,
    *,
    status: str | None = None,
    subject_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[RepairOut]]:
    query = _scoped(select(RepairApplication), RepairApplication, caller, subject_id)
    query = _with_status(query, RepairApplication, status, repair.STATUS_LABELS)
    return _listed(session, query, RepairApplication, limit, offset, repair_out)


# -- commitments --------------------------------------------------------------------------------


def commitment_out(c: Commitment, codes: dict[int, str]) -> CommitmentOut:
    return CommitmentOut(
        id=c.id,
        subject_id=c.subject_id,
        platform=codes.get(c.platform_id, ""),
        template_code=c.template_code,
        title=c.title,
        body=c.body,
        project_code=c.project_code,
        project_name=c.project_name,
        status=c.status,
        status_label=commitments.STATUS_LABELS[c.status],
        signed_by=c.signed_by,
        signed_at=c.signed_at,
        verified_by=c.verified_by,
        verified_at=c.verified_at,
        verification_note=c.verification_note,
        breach_record_id=c.breach_record_id,
    )


def read_commitment(session: Session, caller: Any, commitment_id: int) -> CommitmentOut:
    return _read(session, caller, Commitment, commitment_id, "信用承诺", commitment_out)  # type: ignore[no-any-return]


def list_commitments(
    session: Session,
    caller: Any,
    *,
    status: str | None = None,
    subject_id: int | None = None,
    project_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[CommitmentOut]]:
    query = _scoped(select(Commitment), Commitment, caller, subject_id)
    query = _with_status(query, Commitment, status, commitments.STATUS_LABELS)
    if project_code:
        query = query.where(Commitment.project_code == project_code)
    return _listed(session, query, Commitment, limit, offset, commitment_out)


# -- complaints ---------------------------------------------------------------------------------


def complaint_out(c: Complaint, codes: dict[int, str], **details: Any) -> ComplaintOut:
    return ComplaintOut(
        id=c.id,
        subject_id=c.subject_id,
        platform=codes.get(c.platform_id, ""),
        project_code=c.project_code,
        project_name=c.project_name,
        description=c.description,
        reporter_name=c.reporter_name,
        reporter_phone=c.reporter_contact_masked,
        status=c.status,
        status_label=complaints.STATUS_LABELS[c.status],
        submitted_at=c.submitted_at,
        decided_by=c.decided_by,
        decided_at=c.decided_at,
        decision_reason=c.decision_reason,
        record_id=c.record_id,
        **details,
    )


def read_complaint(session: Session, caller: Any, complaint_id: int) -> ComplaintOut:
    return _read(session, caller, Complaint, complaint_id, "质疑/举报", complaint_out, complaints.CASE)  # type: ignore[no-any-return]


def list_complaints(
    session: Session,
    caller: Any,
    *,
    status: str | None = None,
    subject_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[ComplaintOut]]:
    query = _with_status(
        _scoped(select(Complaint), Complaint, caller, None), Complaint, status, complaints.STATUS_LABELS
    )
    if subject_id is not None:
        query = query.where(Complaint.subject_id == subject_id)
    return _listed(session, query, Complaint, limit, offset, complaint_out)
