"""Unmasked personal data (查看未脱敏个人信息) through an approval: request, then view — each view logged.

Staff and regulators see ID and phone numbers masked. To see them in clear they ask for an
``unmask_pii`` approval naming the subject and the purpose; another administrator or reviewer approves
it in the approvals inbox (四眼原则). Each view is a POST that uses up one use of the grant and is written
to the audit trail with the grant and its purpose (so it appears in the subject's enquiry list); the
clear values are shown on that response only, never stored in a page that can be reloaded from cache.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy_credit.approvals import service as approvals
from ggzy_credit.audit import trail
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.portal.forms import domain_errors
from ggzy_credit.portal.grants import grant_state
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.subjects import service as subjects
from ggzy_credit.web.deps import CipherDep, SessionDep, allow

router = APIRouter(prefix="/subjects/{subject_id}/pii", route_class=PortalRoute, include_in_schema=False)
# The page itself shows masked data only; the view of clear data is audited as a write with its grant.
viewers = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR, nonpublic=False)


def _page(
    request: Request,
    session: Session,
    caller: Caller,
    subject_id: int,
    *,
    clear: dict[str, Any] | None = None,
    uses_left: int | None = None,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    subject = subjects.get_subject(session, subject_id)
    target = approvals.Target.subject(subject_id)
    return page(
        request,
        "pii.html",
        {
            "subject": subject,
            "back": f"/regulator/subjects/{subject_id}"
            if caller.role is Role.REGULATOR
            else f"/subjects/{subject_id}",
            "grant": grant_state(session, caller, approvals.Kind.UNMASK_PII, target),
            "clear": clear,
            "uses_left": uses_left,
            "done": done,
            "errors": errors or {},
            "values": values or {},
        },
        title=tr(request).gettext("未脱敏个人信息：%(name)s", name=subject.name),
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("", response_class=HTMLResponse, summary="申请或查看未脱敏个人信息")
def pii_page(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(viewers)],
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _page(request, session, caller, subject_id, done=done)


@router.post("/request", response_class=HTMLResponse, summary="申请查看未脱敏个人信息（门户）")
def pii_request(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(viewers)],
    purpose: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    subjects.get_subject(session, subject_id)
    try:
        req = approvals.request(session, caller, approvals.Kind.UNMASK_PII, purpose, subject_ids=[subject_id])
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        errors = domain_errors(exc)
        return _page(
            request, session, caller, subject_id, errors=errors, values={"purpose": purpose}, status_code=422
        )
    trail.note(session, subject_ids=[subject_id], approval_id=req.id)
    return RedirectResponse(f"/subjects/{subject_id}/pii?done=requested", status_code=303)


@router.post("", response_class=HTMLResponse, summary="查看未脱敏个人信息（门户，使用一次授权）")
def pii_view(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(viewers)],
) -> HTMLResponse:
    subject = subjects.get_subject(session, subject_id)
    try:
        grant = approvals.require_grant(
            session, caller, approvals.Kind.UNMASK_PII, approvals.Target.subject(subject_id)
        )
    except approvals.ApprovalRequired as exc:
        trail.deny(session, exc.message)
        return _page(request, session, caller, subject_id, errors={"form": exc.message}, status_code=403)
    grant = approvals.use_grant(session, grant)
    trail.note(
        session,
        subject_ids=[subject_id],
        grant_id=grant.id,
        purpose=grant.purpose,
        unmasked="id_number,phone",
        as_read=True,
    )
    clear = subjects.unmasked(subject, cipher)
    return _page(request, session, caller, subject_id, clear=clear, uses_left=grant.max_uses - grant.uses)
