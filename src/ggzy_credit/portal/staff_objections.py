"""Staff: the objection queue (due-date countdown, overdue first) and handling one objection.

Handling follows ``workflows.objections``: accept (受理), then decide within 20 working days. Upholding
an objection that revokes a record changes credit data, so it needs an approved ``credit_change``
grant (四眼原则): the page shows whether the reviewer holds one and lets them request it; another
administrator or reviewer approves it in the approvals inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.approvals import service as approvals
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.portal import labels, publication
from ggzy_credit.portal.entity_objections import platform_names
from ggzy_credit.portal.forms import clean, domain_errors
from ggzy_credit.portal.grants import grant_state
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.standards.service import StandardResolver
from ggzy_credit.subjects.models import Subject
from ggzy_credit.web.deps import CipherDep, SessionDep, allow
from ggzy_credit.workdays.calendar import UnknownCalendarYear, WorkCalendar
from ggzy_credit.workflows import objections, views
from ggzy_credit.workflows.calendar_store import work_calendar
from ggzy_credit.workflows.models import Objection

router = APIRouter(prefix="/staff/objections", route_class=PortalRoute, include_in_schema=False)
readers = allow(Role.ADMIN, Role.REVIEWER, Role.RECORDER)
deciders = allow(Role.ADMIN, Role.REVIEWER, nonpublic=False)
PAGE = 50


@dataclass(frozen=True)
class QueueRow:
    id: int
    subject_id: int
    subject_name: str
    record_id: int | None
    status: str
    received_on: date
    due_on: date
    days_left: int | None  # working days until the due date; negative: working days overdue
    escalated: bool


def countdown(calendar: WorkCalendar, today: date, due_on: date) -> int | None:
    try:
        if due_on >= today:
            return calendar.working_days_between(today, due_on)
        return -calendar.working_days_between(due_on, today)
    except UnknownCalendarYear:
        return None


def queue(
    session: Session, today: date, *, open_only: bool, limit: int, offset: int
) -> tuple[int, list[QueueRow]]:
    """Open objections by due date (overdue first), or every objection newest first."""
    query = select(Objection, Subject.name).join(Subject, Subject.id == Objection.subject_id)
    if open_only:
        query = query.where(Objection.status.in_(objections.OPEN)).order_by(Objection.due_on, Objection.id)
    else:
        query = query.order_by(Objection.id.desc())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    calendar = work_calendar(session)
    rows = [
        QueueRow(
            o.id,
            o.subject_id,
            name,
            o.record_id,
            o.status,
            o.received_on,
            o.due_on,
            countdown(calendar, today, o.due_on) if o.status in objections.OPEN else None,
            o.escalated_at is not None,
        )
        for o, name in session.execute(query.limit(limit).offset(offset))
    ]
    return total, rows


def counts(session: Session, today: date) -> tuple[int, int]:
    """(open, overdue) objections, in one query."""
    late = case((Objection.due_on < today, 1), else_=0)
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(late), 0)).where(Objection.status.in_(objections.OPEN))
    ).one()
    return int(row[0]), int(row[1])


@router.get("", response_class=HTMLResponse, summary="异议办理队列")
def objection_queue(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(readers)],
    show: Annotated[str, Query(pattern="^(open|all)$")] = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    t = tr(request)
    total, rows = queue(session, clock.today(), open_only=show == "open", limit=PAGE, offset=offset)
    return page(
        request,
        "staff/objections.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "limit": PAGE,
            "show": show,
            "status": {k: t.gettext(v) for k, v in labels.OBJECTION_STATUS.items()},
        },
        title=t.gettext("异议办理"),
    )


def _items(session: Session, record: publication.RecordRow | None) -> list[tuple[str, str]]:
    """The items of the record's platform in force on its deduction date (the correction's choices)."""
    if record is None:
        return []
    resolved = StandardResolver(session).resolve(record.platform, record.deducted_on)
    items = sorted(resolved[1].values(), key=lambda i: i.code) if resolved else []
    return [(i.code, f"{i.code} {i.name}（{i.points}）") for i in items]


def _detail(
    request: Request,
    session: Session,
    caller: Caller,
    objection_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    t = tr(request)
    out = views.read_objection(session, caller, objection_id)
    record = publication.record(session, out.record_id) if out.record_id else None
    subject = session.get(Subject, out.subject_id)
    days_left = (
        countdown(work_calendar(session), clock.today(), out.due_on)
        if out.status in objections.OPEN
        else None
    )
    return page(
        request,
        "staff/objection.html",
        {
            "o": out,
            "record": record,
            "subject": subject,
            "days_left": days_left,
            "done": done,
            "status": labels.label(labels.OBJECTION_STATUS, out.status, t),
            "outcome": labels.label(labels.OBJECTION_OUTCOMES, out.outcome, t),
            "outcomes": [(k, t.gettext(v)) for k, v in labels.OBJECTION_OUTCOMES.items()],
            "can_decide": caller.role in (Role.ADMIN, Role.REVIEWER),
            "grant": grant_state(
                session, caller, approvals.Kind.CREDIT_CHANGE, approvals.Target.record(out.record_id)
            )
            if out.status == objections.ACCEPTED and out.record_id is not None
            else "none",
            "items": _items(session, record) if out.status == objections.ACCEPTED else [],
            "platform_name": platform_names(session).get(out.platform, out.platform),
            "errors": errors or {},
            "values": values or {},
        },
        title=t.gettext("异议 %(id)s", id=objection_id),
        status_code=status_code,
    )


@router.get("/{objection_id}", response_class=HTMLResponse, summary="查看异议（工作人员）")
def objection_detail(
    request: Request,
    session: SessionDep,
    objection_id: int,
    caller: Annotated[Caller, Depends(readers)],
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _detail(request, session, caller, objection_id, done=done)


@router.post("/{objection_id}/accept", response_class=HTMLResponse, summary="受理异议")
def objection_accept(
    request: Request,
    session: SessionDep,
    objection_id: int,
    caller: Annotated[Caller, Depends(deciders)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        objections.accept(session, caller, objection_id, reason)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _detail(
            request,
            session,
            caller,
            objection_id,
            domain_errors(exc, {"reason": "accept_reason"}),
            {"accept_reason": reason},
            status_code=422,
        )
    return RedirectResponse(f"/staff/objections/{objection_id}?done=accepted", status_code=303)


@router.post("/{objection_id}/grant", response_class=HTMLResponse, summary="申请变更信用信息授权（异议）")
def objection_request_grant(
    request: Request,
    session: SessionDep,
    objection_id: int,
    caller: Annotated[Caller, Depends(deciders)],
    purpose: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    out = views.read_objection(session, caller, objection_id)
    try:
        if out.record_id is None:
            raise InvalidInput.field("purpose", "对评估结果的异议不涉及单条记录，无需变更授权")
        approvals.request(session, caller, approvals.Kind.CREDIT_CHANGE, purpose, record_ids=[out.record_id])
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _detail(
            request, session, caller, objection_id, domain_errors(exc), {"purpose": purpose}, status_code=422
        )
    return RedirectResponse(f"/staff/objections/{objection_id}?done=requested", status_code=303)


CHANGE_FIELDS = ("item_code", "occurred_on", "deducted_on", "project_code", "project_name", "description")
# Domain errors name the record field (``item_code``) or the whole change (``changes``); the form's
# fields are ``change_<field>``.
CHANGE_ALIASES = {
    "remedy.action": "remedy",
    "remedy.changes": "changes",
    **{f: f"change_{f}" for f in CHANGE_FIELDS},
}


def changes_of(record: publication.RecordRow | None, form: Mapping[str, Any]) -> dict[str, str | None]:
    """The correction: the posted ``change_*`` fields that differ from the record (empty clears)."""
    if record is None:
        return {}
    out: dict[str, str | None] = {}
    for name in CHANGE_FIELDS:
        if f"change_{name}" not in form:
            continue
        posted = str(form[f"change_{name}"]).strip()
        current = getattr(record, name)
        if posted != ("" if current is None else str(current)):
            out[name] = posted or None
    return out


@router.post("/{objection_id}/decide", response_class=HTMLResponse, summary="作出异议处理决定")
async def objection_decide(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    objection_id: int,
    caller: Annotated[Caller, Depends(deciders)],
) -> Response:
    form = await request.form()
    values = clean(form, ("outcome", "reason", "remedy", *(f"change_{f}" for f in CHANGE_FIELDS)))
    outcome, remedy = values["outcome"], values["remedy"]
    out = views.read_objection(session, caller, objection_id)
    chosen = None
    if outcome != objections.REJECTED and out.target == "record" and remedy:
        record = publication.record(session, out.record_id) if out.record_id else None
        changes = changes_of(record, form) if remedy == "correct" else {}
        chosen = objections.Remedy(remedy, changes=changes)
    try:
        objections.decide(session, cipher, caller, objection_id, outcome, values["reason"], chosen)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        errors = domain_errors(exc, CHANGE_ALIASES)
        return _detail(request, session, caller, objection_id, errors, values, status_code=422)
    except approvals.ApprovalRequired as exc:
        session.rollback()
        return _detail(
            request, session, caller, objection_id, {"remedy": exc.message}, values, status_code=403
        )
    return RedirectResponse(f"/staff/objections/{objection_id}?done=decided", status_code=303)
