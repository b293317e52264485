"""Market-entity area (我的信用): own records and scores, enquiries, notifications.

Every page under ``/my/subjects/{subject_id}`` is restricted to the subjects the account acts for
(``own=Role.SUBJECT``, enforced by the access guard from the path). Filing objections, repair
applications and commitments is in :mod:`ggzy_credit.portal.entity_cases`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from ggzy_credit import clock
from ggzy_credit.audit import queries as audit
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.policy import api_routes
from ggzy_credit.auth.roles import Role
from ggzy_credit.portal import counting, labels, ledger_status, publication, scores
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.subjects import service as subjects
from ggzy_credit.subjects.models import Subject
from ggzy_credit.web.deps import SessionDep, allow
from ggzy_credit.workflows import notifications, views
from ggzy_credit.workflows.record_status import record_flags

router = APIRouter(prefix="/my", route_class=PortalRoute, include_in_schema=False)
account = allow(Role.SUBJECT, nonpublic=False)
own = allow(Role.SUBJECT, own=Role.SUBJECT)
PAGE = 50


@router.get("", response_class=HTMLResponse, summary="我的信用：本账号代表的经营主体")
def my_home(request: Request, session: SessionDep, caller: Annotated[Caller, Depends(account)]) -> Response:
    mine = sorted(caller.subject_ids)
    if len(mine) == 1:
        return RedirectResponse(f"/my/subjects/{mine[0]}", status_code=303)
    rows = session.scalars(select(Subject).where(Subject.id.in_(mine)).order_by(Subject.id)).all()
    return page(request, "entity/home.html", {"subjects": rows}, title=tr(request).gettext("我的信用"))


def record_view(request: Request, session: SessionDep, subject_id: int, rows: list[publication.RecordRow]):  # type: ignore[no-untyped-def]
    """What a record table needs beside the rows: states, flags, ledger, stop dates (set-based)."""
    t = tr(request)
    today = clock.today()
    ids = [r.id for r in rows]
    events = publication.record_states(session, ids)
    flags = record_flags(session, ids, today)
    event_names = {k: t.gettext(v) for k, v in labels.EVENT_KINDS.items()}
    states: dict[int, list[tuple[str, str]]] = {}
    for r in rows:
        tags = [(kind, event_names.get(kind, kind)) for kind, _on in events.get(r.id, [])]
        objection, hidden = flags.get(r.id, (None, False))
        if objection:
            tags.append(("objection", t.gettext("异议处理中")))
        if not r.public or hidden:
            tags.append(("private", t.gettext("不公开")))
        states[r.id] = tags
    return {
        "states": states,
        "ledger": ledger_status.states(session, ids),
        "until": counting.stop_dates(session, subject_id, today),
        "sources": {k: t.gettext(v) for k, v in labels.SOURCES.items()},
        "item_kinds": {k: t.gettext(v) for k, v in labels.ITEM_KINDS.items()},
        "removed": {rid for rid, evs in events.items() if any(k in ("revoked", "corrected") for k, _ in evs)},
        "objecting": {rid for rid, (o, _h) in flags.items() if o},
    }


@router.get("/subjects/{subject_id}", response_class=HTMLResponse, summary="经营主体查看本主体信用档案")
def my_subject(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own)],
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    t = tr(request)
    today = clock.today()
    subject = subjects.get_subject(session, subject_id)
    total, rows = publication.all_records(session, subject_id, limit=PAGE, offset=offset)
    _n, unread, _rows = notifications.list_notifications(session, caller, unread=True, limit=1)
    _o, objections = views.list_objections(session, caller, subject_id=subject_id, limit=5)
    _r, repairs = views.list_repairs(session, caller, subject_id=subject_id, limit=5)
    context = {
        "subject": subject,
        "identity": publication.subject_identity(subject),
        "type_name": labels.label(labels.TYPES, subject.type, t),
        "kind_names": labels.kinds(subject.kind_names, t),
        "records": rows,
        "total": total,
        "offset": offset,
        "limit": PAGE,
        "cards": scores.sections(t, session, subject_id, today),
        "unread": unread,
        "objections": objections,
        "repairs": repairs,
        **record_view(request, session, subject_id, rows),
    }
    return page(request, "entity/subject.html", context, title=subject.name)


@router.get("/subjects/{subject_id}/enquiries", response_class=HTMLResponse, summary="经营主体查看查询记录")
def my_enquiries(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own)],
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    t = tr(request)
    subject = subjects.get_subject(session, subject_id)
    total, rows = audit.enquiries(session, subject_id, limit=PAGE, offset=offset)
    summaries = _summaries(request)
    items = [
        {
            "at": r.at,
            "organisation": r.organisation or "",
            "role": labels.label(labels.ROLES, r.role, t),
            "purpose": r.purpose or "",
            "action": summaries.get(r.action, r.action),
            "records": r.record_ids or [],
        }
        for r in rows
    ]
    return page(
        request,
        "entity/enquiries.html",
        {"subject": subject, "items": items, "total": total, "offset": offset, "limit": PAGE},
        title=t.gettext("查询记录"),
    )


def _summaries(request: Request) -> dict[str, str]:
    """``METHOD /path/{param}`` → the route's Chinese summary (the API's and the portal's)."""
    cached = getattr(request.app.state, "portal_route_summaries", None)
    if cached is None:
        cached = {
            f"{method} {path}": getattr(route, "summary", None) or path
            for method, path, route in api_routes(request.app)
        }
        request.app.state.portal_route_summaries = cached
    return cached


@router.get("/notifications", response_class=HTMLResponse, summary="经营主体查看通知")
def my_notifications(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(account)],
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    total, unread, rows = notifications.list_notifications(session, caller, limit=PAGE, offset=offset)
    return page(
        request,
        "entity/notifications.html",
        {"items": rows, "total": total, "unread": unread, "offset": offset, "limit": PAGE},
        title=tr(request).gettext("通知"),
    )


@router.post("/notifications/{notification_id}/read", summary="经营主体将通知标为已读")
def read_notification(
    session: SessionDep, notification_id: int, caller: Annotated[Caller, Depends(account)]
) -> Response:
    notifications.mark_read(session, caller, notification_id)
    return RedirectResponse("/my/notifications", status_code=303)
