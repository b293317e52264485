"""Approvals inbox (审批): requests awaiting a second person, and one's own requests.

Approvers (administrators, reviewers) see and decide every pending request except their own; other
requesters see theirs. The rules — four eyes, expiry, single use — are ``approvals.service``'s.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ggzy_credit.approvals import service as approvals
from ggzy_credit.approvals.api import outs
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.portal import labels
from ggzy_credit.portal.forms import domain_errors
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.web.deps import SessionDep, allow

router = APIRouter(prefix="/staff/approvals", route_class=PortalRoute, include_in_schema=False)
requesters = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER, nonpublic=False)
approvers = allow(Role.ADMIN, Role.REVIEWER, nonpublic=False)
PAGE = 50


def inbox(
    request: Request,
    session: SessionDep,
    caller: Caller,
    *,
    errors: dict[int, str] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    t = tr(request)
    pending: list = []  # type: ignore[type-arg]
    if caller.role in approvals.APPROVERS:
        _n, rows = approvals.listing(session, caller, state=approvals.State.PENDING, limit=PAGE, offset=0)
        pending = [r for r in outs(session, rows) if r.requested_by != caller.label]
    _m, mine_rows = approvals.listing(session, caller, mine=True, limit=PAGE, offset=0)
    return page(
        request,
        "staff/approvals.html",
        {
            "pending": pending,
            "mine": outs(session, mine_rows),
            "errors": errors or {},
            "done": done,
            "kinds": {k: t.gettext(v) for k, v in labels.APPROVAL_KINDS.items()},
            "states": {k: t.gettext(v) for k, v in labels.APPROVAL_STATES.items()},
            "roles": {k: t.gettext(v) for k, v in labels.ROLES.items()},
            "can_approve": caller.role in approvals.APPROVERS,
        },
        title=t.gettext("审批"),
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse, summary="审批待办与本人申请")
def approvals_page(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(requesters)],
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return inbox(request, session, caller, done=done)


@router.post("/{approval_id}/decide", response_class=HTMLResponse, summary="审批（批准或驳回）")
def approvals_decide(
    request: Request,
    session: SessionDep,
    approval_id: int,
    caller: Annotated[Caller, Depends(approvers)],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")] = "approve",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        approvals.decide(session, caller, approval_id, approve=decision == "approve", note=note)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        message = "；".join(domain_errors(exc).values())
        return inbox(request, session, caller, errors={approval_id: message}, status_code=422)
    return RedirectResponse(f"/staff/approvals?done={decision}", status_code=303)
