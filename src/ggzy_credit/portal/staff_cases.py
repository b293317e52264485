"""Staff: repair applications (review, then a second person decides) and complaints (verify or close)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.portal import labels, publication
from ggzy_credit.portal.forms import domain_errors
from ggzy_credit.portal.i18n import N_
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.standards.service import StandardResolver
from ggzy_credit.subjects.models import Subject
from ggzy_credit.web.deps import CipherDep, SessionDep, allow
from ggzy_credit.workflows import complaints, repair, views

router = APIRouter(prefix="/staff", route_class=PortalRoute, include_in_schema=False)
readers = allow(Role.ADMIN, Role.REVIEWER, Role.RECORDER)
deciders = allow(Role.ADMIN, Role.REVIEWER, nonpublic=False)
PAGE = 50


def _names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(ids))).all())


# -- repair applications -------------------------------------------------------------------------


def case_queue(
    router: APIRouter,
    path: str,
    *,
    summary: str,
    who: Callable[..., Caller],
    lister: Callable[..., tuple[int, list[Any]]],
    statuses: dict[str, str],
    default: str,
    template: str,
    title: str,
) -> None:
    """Add a queue page of one kind of case at ``path``: filtered by ``?status=`` (one of ``statuses``,
    or empty for all), paged, with the subjects' names. ``title`` is a marked (``N_``) message."""

    def queue_page(
        request: Request, session: SessionDep, caller: Caller, status: str = default, offset: int = 0
    ) -> HTMLResponse:
        t = tr(request)
        total, items = lister(session, caller, status=status or None, limit=PAGE, offset=offset)
        return page(
            request,
            template,
            {
                "items": items,
                "total": total,
                "offset": offset,
                "limit": PAGE,
                "current": status,
                "names": _names(session, [i.subject_id for i in items]),
                "status": {k: t.gettext(v) for k, v in statuses.items()},
            },
            title=t.gettext(title),
        )

    # Built here, so the annotations are objects (this module's are strings: postponed evaluation).
    queue_page.__annotations__.update(
        caller=Annotated[Caller, Depends(who)],
        status=Annotated[str, Query(pattern=f"^({'|'.join(statuses)}|)$")],
        offset=Annotated[int, Query(ge=0)],
    )
    router.get(path, response_class=HTMLResponse, summary=summary)(queue_page)


case_queue(
    router,
    "/repairs",
    summary="信用修复申请队列",
    who=readers,
    lister=views.list_repairs,
    statuses=labels.REPAIR_STATUS,
    default="",
    template="staff/repairs.html",
    title=N_("信用修复审核"),
)


def _repair(
    request: Request,
    session: Session,
    caller: Caller,
    application_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    out = views.read_repair(session, caller, application_id)
    return page(
        request,
        "staff/repair.html",
        {
            "a": out,
            "record": publication.record(session, out.record_id),
            "subject": session.get(Subject, out.subject_id),
            "status": labels.label(labels.REPAIR_STATUS, out.status, t),
            "can_decide": caller.role in (Role.ADMIN, Role.REVIEWER),
            "errors": errors or {},
            "values": values or {},
        },
        title=t.gettext("信用修复申请 %(id)s", id=application_id),
        status_code=status_code,
    )


@router.get("/repairs/{application_id}", response_class=HTMLResponse, summary="查看信用修复申请（工作人员）")
def repair_detail(
    request: Request, session: SessionDep, application_id: int, caller: Annotated[Caller, Depends(readers)]
) -> HTMLResponse:
    return _repair(request, session, caller, application_id)


@router.post("/repairs/{application_id}/review", response_class=HTMLResponse, summary="审核信用修复申请")
def repair_review(
    request: Request,
    session: SessionDep,
    application_id: int,
    caller: Annotated[Caller, Depends(deciders)],
    recommendation: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        repair.review(session, caller, application_id, recommendation, reason)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _repair(
            request,
            session,
            caller,
            application_id,
            domain_errors(exc),
            {"recommendation": recommendation, "reason": reason},
            422,
        )
    return RedirectResponse(f"/staff/repairs/{application_id}", status_code=303)


@router.post("/repairs/{application_id}/decide", response_class=HTMLResponse, summary="决定信用修复申请")
def repair_decide(
    request: Request,
    session: SessionDep,
    application_id: int,
    caller: Annotated[Caller, Depends(deciders)],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")] = "approve",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        repair.decide(session, caller, application_id, decision == "approve", reason)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _repair(
            request,
            session,
            caller,
            application_id,
            {("decision_reason" if k == "reason" else k): v for k, v in domain_errors(exc).items()},
            {"decision_reason": reason},
            422,
        )
    return RedirectResponse(f"/staff/repairs/{application_id}", status_code=303)


# -- complaints -----------------------------------------------------------------------------------


case_queue(
    router,
    "/complaints",
    summary="质疑举报核查队列",
    who=readers,
    lister=views.list_complaints,
    statuses=labels.COMPLAINT_STATUS,
    default="submitted",
    template="staff/complaints.html",
    title=N_("质疑举报核查"),
)


def _complaint(
    request: Request,
    session: Session,
    caller: Caller,
    complaint_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    out = views.read_complaint(session, caller, complaint_id)
    resolved = StandardResolver(session).resolve(out.platform, clock.today())
    items = sorted(resolved[1].values(), key=lambda i: i.code) if resolved else []
    return page(
        request,
        "staff/complaint.html",
        {
            "c": out,
            "subject": session.get(Subject, out.subject_id),
            "items": items,
            "status": labels.label(labels.COMPLAINT_STATUS, out.status, t),
            "can_decide": caller.role in (Role.ADMIN, Role.REVIEWER),
            "errors": errors or {},
            "values": values or {},
        },
        title=t.gettext("质疑举报 %(id)s", id=complaint_id),
        status_code=status_code,
    )


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse, summary="查看质疑举报")
def complaint_detail(
    request: Request, session: SessionDep, complaint_id: int, caller: Annotated[Caller, Depends(readers)]
) -> HTMLResponse:
    return _complaint(request, session, caller, complaint_id)


@router.post("/complaints/{complaint_id}/decide", response_class=HTMLResponse, summary="办结质疑举报")
def complaint_decide(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    complaint_id: int,
    caller: Annotated[Caller, Depends(deciders)],
    verdict: Annotated[str, Form(pattern="^(verified|unfounded)$")] = "unfounded",
    reason: Annotated[str, Form(max_length=4000)] = "",
    item_code: Annotated[str, Form(max_length=40)] = "",
    occurred_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    values = {"verdict": verdict, "reason": reason, "item_code": item_code, "occurred_on": occurred_on}
    try:
        day = date.fromisoformat(occurred_on) if occurred_on else None
    except ValueError:
        return _complaint(
            request,
            session,
            caller,
            complaint_id,
            {"occurred_on": tr(request).gettext("日期格式错误，应为 YYYY-MM-DD")},
            values,
            422,
        )
    try:
        complaints.decide(
            session,
            cipher,
            caller,
            complaint_id,
            verified=verdict == "verified",
            reason=reason,
            item_code=item_code or None,
            occurred_on=day,
        )
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _complaint(request, session, caller, complaint_id, domain_errors(exc), values, 422)
    return RedirectResponse(f"/staff/complaints/{complaint_id}", status_code=303)
