"""Early warnings (监测预警, issue #8): staff confirm or dismiss them; regulators watch with a purpose."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.monitoring import service
from ggzy_credit.portal.forms import domain_errors
from ggzy_credit.portal.i18n import N_
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.standards.models import Platform
from ggzy_credit.web.deps import SessionDep, allow

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
staff = allow(Role.ADMIN, Role.REVIEWER)
deciders = allow(Role.ADMIN, Role.REVIEWER, nonpublic=False)
regulators = allow(Role.REGULATOR)  # purpose required, reads audited
PAGE = 50
STATUS = {"new": N_("待处理"), "confirmed": N_("已确认"), "dismissed": N_("已排除")}
SEVERITY = {"high": N_("高"), "medium": N_("中"), "low": N_("低")}


def _listing(
    request: Request,
    session: Session,
    *,
    status: str,
    offset: int,
    can_decide: bool,
    base: str,
    errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    total, rows = service.list_warnings(
        session, service.WarningFilter(status=status or None), limit=PAGE, offset=offset
    )
    subjects = service.subjects_of(session, [r.id for r in rows])
    platforms = dict(session.execute(select(Platform.id, Platform.name)).all())
    return page(
        request,
        "staff/warnings.html",
        {
            "rows": rows,
            "subjects": subjects,
            "platforms": platforms,
            "total": total,
            "offset": offset,
            "limit": PAGE,
            "current": status,
            "base": base,
            "can_decide": can_decide,
            "errors": errors or {},
            "status": {k: t.gettext(v) for k, v in STATUS.items()},
            "severity": {k: t.gettext(v) for k, v in SEVERITY.items()},
        },
        title=t.gettext("监测预警"),
        status_code=status_code,
    )


@router.get("/staff/warnings", response_class=HTMLResponse, summary="预警列表（工作人员）")
def staff_warnings(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(staff)],
    status: Annotated[str, Query(pattern="^(new|confirmed|dismissed|)$")] = "new",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    return _listing(request, session, status=status, offset=offset, can_decide=True, base="/staff/warnings?")


@router.post("/staff/warnings/{warning_id}/decide", response_class=HTMLResponse, summary="确认或排除预警")
def decide_warning(
    request: Request,
    session: SessionDep,
    warning_id: int,
    caller: Annotated[Caller, Depends(deciders)],
    action: Annotated[str, Form(pattern="^(confirm|dismiss)$")] = "confirm",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        service.decide(session, warning_id, action, reason, caller.label)  # type: ignore[arg-type]
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        message = "；".join(domain_errors(exc).values())
        return _listing(
            request,
            session,
            status="new",
            offset=0,
            can_decide=True,
            base="/staff/warnings?",
            errors={warning_id: message},
            status_code=422,
        )
    return RedirectResponse("/staff/warnings", status_code=303)


@router.get("/regulator/warnings", response_class=HTMLResponse, summary="监管部门查看预警")
def regulator_warnings(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(regulators)],
    purpose: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(pattern="^(new|confirmed|dismissed|)$")] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    from urllib.parse import urlencode

    return _listing(
        request,
        session,
        status=status,
        offset=offset,
        can_decide=False,
        base=f"/regulator/warnings?{urlencode({'purpose': purpose})}&",
    )
