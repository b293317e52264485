"""Staff: verifying credit commitments (信用承诺核查) and loading a year's holiday arrangement (节假日安排).

Any staff member checks a signed commitment (``workflows.commitments``): true closes it, untrue
creates a breach record at once. Administrators load the State Council's holiday arrangement for a
year the calendar library does not know yet (``workflows.calendar_store``), so objection deadlines
can be computed.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.portal import labels
from ggzy_credit.portal.forms import clean, domain_errors
from ggzy_credit.portal.i18n import N_
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.portal.staff_cases import case_queue
from ggzy_credit.subjects.models import Subject
from ggzy_credit.web.deps import CipherDep, SessionDep, allow
from ggzy_credit.workflows import calendar_store, commitments, views

router = APIRouter(prefix="/staff", route_class=PortalRoute, include_in_schema=False)
staff = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER)
verifiers = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER, nonpublic=False)
admins = allow(Role.ADMIN, nonpublic=False)
_DATES = re.compile(r"[\s,，、;；]+")


# -- commitments ----------------------------------------------------------------------------------


case_queue(
    router,
    "/commitments",
    summary="信用承诺核查队列",
    who=staff,
    lister=views.list_commitments,
    statuses=labels.COMMITMENT_STATUS,
    default="signed",
    template="staff/commitments.html",
    title=N_("信用承诺核查"),
)


def _commitment(
    request: Request,
    session: Session,
    caller: Caller,
    commitment_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    out = views.read_commitment(session, caller, commitment_id)
    return page(
        request,
        "staff/commitment.html",
        {
            "c": out,
            "subject": session.get(Subject, out.subject_id),
            "status": labels.label(labels.COMMITMENT_STATUS, out.status, t),
            "errors": errors or {},
            "values": values or {},
        },
        title=t.gettext("信用承诺 %(id)s", id=commitment_id),
        status_code=status_code,
    )


@router.get("/commitments/{commitment_id}", response_class=HTMLResponse, summary="查看信用承诺（工作人员）")
def commitment_detail(
    request: Request, session: SessionDep, commitment_id: int, caller: Annotated[Caller, Depends(staff)]
) -> HTMLResponse:
    return _commitment(request, session, caller, commitment_id)


@router.post(
    "/commitments/{commitment_id}/verify", response_class=HTMLResponse, summary="核查信用承诺（门户）"
)
def commitment_verify(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    commitment_id: int,
    caller: Annotated[Caller, Depends(verifiers)],
    verdict: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    values = {"verdict": verdict, "reason": reason}
    try:
        if verdict not in ("true", "false"):
            raise InvalidInput.field("verdict", "请选择核查结论（属实或不实）", "enum")
        commitments.verify(session, cipher, caller, commitment_id, verdict == "true", reason)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _commitment(request, session, caller, commitment_id, domain_errors(exc), values, 422)
    return RedirectResponse(f"/staff/commitments/{commitment_id}", status_code=303)


# -- holiday arrangements -------------------------------------------------------------------------


def _calendar(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: int = 0,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "staff/calendar.html",
        {
            "years": calendar_store.loaded_years(session),
            "errors": errors or {},
            "values": values or {},
            "done": done,
        },
        title=tr(request).gettext("节假日安排"),
        status_code=status_code,
    )


@router.get("/calendar", response_class=HTMLResponse, summary="节假日安排（管理员载入）")
def calendar_page(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(admins)],
    done: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    return _calendar(request, session, done=done)


@router.post("/calendar", response_class=HTMLResponse, summary="载入某一年的节假日安排（门户）")
async def calendar_load(
    request: Request, session: SessionDep, caller: Annotated[Caller, Depends(admins)]
) -> Response:
    values = clean(await request.form(), ("year", "holidays", "makeup_workdays"))
    try:
        if not values["year"].isdigit():
            raise InvalidInput.field("year", "请填写四位数的年份", "int_parsing")
        data = {
            "year": int(values["year"]),
            "holidays": [d for d in _DATES.split(values["holidays"]) if d],
            "makeup_workdays": [d for d in _DATES.split(values["makeup_workdays"]) if d],
        }
        row = calendar_store.load_year(session, data, caller.label)
    except InvalidInput as exc:
        session.rollback()
        return _calendar(request, session, errors=domain_errors(exc), values=values, status_code=422)
    return RedirectResponse(f"/staff/calendar?done={row.year}", status_code=303)
