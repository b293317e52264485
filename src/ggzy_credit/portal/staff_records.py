"""Staff: one credit record (its changes, ledger status and review), and the review queue (复核).

Reviewers and administrators verify a record or question it with a note (``workflows.record_reviews``:
never their own records, never twice verified). Recorders read the queue — the questioned records
are the ones waiting for them — and each record's review history.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.portal import labels, ledger_status, publication
from ggzy_credit.portal.forms import domain_errors
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.portal.session import safe_next
from ggzy_credit.standards import service as standards
from ggzy_credit.subjects import service as subjects
from ggzy_credit.web.deps import SessionDep, allow
from ggzy_credit.workflows import record_reviews as reviews
from ggzy_credit.workflows.common import DECIDERS

router = APIRouter(prefix="/staff", route_class=PortalRoute, include_in_schema=False)
readers = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER)
reviewers = allow(Role.ADMIN, Role.REVIEWER, nonpublic=False)
PAGE = 50
QUEUE = "/staff/reviews"


@router.get("/reviews", response_class=HTMLResponse, summary="待复核的信用记录")
def review_queue(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(readers)],
    status: Annotated[str, Query(pattern="^(unreviewed|questioned|verified)$")] = reviews.UNREVIEWED,
    platform: Annotated[str, Query(max_length=40)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
    done: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    t = tr(request)
    total, rows = reviews.queue(
        session, caller, state=status, platform=platform or None, limit=PAGE, offset=offset
    )
    platforms = [(p.code, p.name) for p in standards.list_platforms(session) if caller.sees_platform(p.code)]
    return page(
        request,
        "staff/reviews.html",
        {
            "rows": rows,
            "total": total,
            "capped": total >= reviews.COUNT_CAP,
            "offset": offset,
            "limit": PAGE,
            "current": status,
            "platform": platform,
            "platforms": platforms,
            "done": done,
            "states": {k: t.gettext(v) for k, v in labels.REVIEW_STATES.items()},
            "can_review": caller.role in DECIDERS,
            "me": caller.label,
        },
        title=t.gettext("信用记录复核"),
    )


def _record_page(
    request: Request,
    session: Session,
    caller: Caller,
    record_id: int,
    *,
    created: bool = False,
    done: bool = False,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    record = publication.record(session, record_id)
    if record is None:
        raise NotFound(t.gettext("信用记录 %(id)s 不存在", id=record_id))
    subject = subjects.get_subject(session, record.subject_id)
    states = publication.record_states(session, [record_id]).get(record_id, [])
    history = reviews.history(session, [record_id]).get(record_id, [])
    state = reviews.state_of(history)
    removed = any(kind in ("revoked", "corrected") for kind, _on in states)
    return page(
        request,
        "staff/record.html",
        {
            "record": record,
            "subject": subject,
            "events": states,
            "published": publication.is_published(session, record_id, clock.today()),
            "ledger": ledger_status.states(session, [record_id])[record_id],
            "created": created,
            "done": done,
            "source": labels.label(labels.SOURCES, record.source, t),
            "item_kind": labels.label(labels.ITEM_KINDS, record.item_kind, t),
            "event_names": {k: t.gettext(v) for k, v in labels.EVENT_KINDS.items()},
            "reviews": history,
            "review_state": state,
            "review_states": {k: t.gettext(v) for k, v in labels.REVIEW_STATES.items()},
            "can_review": caller.role in DECIDERS
            and record.recorded_by != caller.label
            and not removed
            and state != reviews.VERIFIED,
            "own_record": record.recorded_by == caller.label,
            "errors": errors or {},
            "values": values or {},
        },
        title=t.gettext("信用记录 %(id)s", id=record_id),
        status_code=status_code,
    )


@router.get("/records/{record_id}", response_class=HTMLResponse, summary="信用记录详情（工作人员）")
def record_view(
    request: Request,
    session: SessionDep,
    record_id: int,
    caller: Annotated[Caller, Depends(readers)],
    created: Annotated[int, Query()] = 0,
    reviewed: Annotated[int, Query()] = 0,
) -> HTMLResponse:
    return _record_page(request, session, caller, record_id, created=bool(created), done=bool(reviewed))


@router.post("/records/{record_id}/review", response_class=HTMLResponse, summary="复核信用记录（门户）")
def record_review(
    request: Request,
    session: SessionDep,
    record_id: int,
    caller: Annotated[Caller, Depends(reviewers)],
    status: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        reviews.review(session, caller, record_id, status, note)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        values = {"status": status, "note": note}
        return _record_page(
            request, session, caller, record_id, errors=domain_errors(exc), values=values, status_code=422
        )
    target = safe_next(next, "") if next.startswith(QUEUE) else ""
    if target:
        sep = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{sep}done={record_id}", status_code=303)
    return RedirectResponse(f"/staff/records/{record_id}?reviewed=1", status_code=303)
