"""Market entities' objections (异议): against a record or an evaluation result, with evidence.

A subject files in writing with evidence (``workflows.objections``), follows the case, adds evidence
while it is open and may withdraw it. An objection against an evaluation result names the platform
and the day evaluated (default today); upholding it re-evaluates the score. Refused forms come back
with the text kept and each problem next to its field (files must be chosen again).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.caller import Caller
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.portal import labels, publication
from ggzy_credit.portal.entity_cases import own, own_write, record_for, uploads_of
from ggzy_credit.portal.forms import clean, domain_errors
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.standards import service as standards
from ggzy_credit.subjects import service as subjects
from ggzy_credit.subjects.models import Subject
from ggzy_credit.web.deps import SessionDep, SettingsDep
from ggzy_credit.workflows import objections, views
from ggzy_credit.workflows.calendar_store import work_calendar
from ggzy_credit.workflows.schemas import ObjectionOut

router = APIRouter(prefix="/my/subjects/{subject_id}", route_class=PortalRoute, include_in_schema=False)
FIELDS = ("target", "record_id", "platform", "evaluation_on", "reason")


def platform_names(session: Session) -> dict[str, str]:
    return {p.code: p.name for p in standards.list_platforms(session)}


def _form_page(
    request: Request,
    session: Session,
    subject: Subject,
    record: publication.RecordRow | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    _ = tr(request).gettext
    return page(
        request,
        "entity/objection_form.html",
        {
            "subject": subject,
            "record": record,
            "platforms": list(platform_names(session).items()),
            "values": values,
            "errors": errors,
        },
        title=_("提出异议") if record else _("对信用评估结果提出异议"),
        status_code=status_code,
    )


@router.get("/objections/new", response_class=HTMLResponse, summary="经营主体填写异议申请")
def objection_form(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own)],
    record_id: Annotated[int | None, Query()] = None,
    target: Annotated[str, Query(pattern="^(record|evaluation)$")] = "record",
    platform: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    subject = subjects.get_subject(session, subject_id)
    if target == "evaluation":
        values = {"target": target, "platform": platform, "evaluation_on": clock.today().isoformat()}
        return _form_page(request, session, subject, None, values, {})
    record = record_for(session, subject_id, record_id)
    return _form_page(request, session, subject, record, {"target": "record", "reason": ""}, {})


@router.post("/objections", response_class=HTMLResponse, summary="经营主体提出异议")
async def objection_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own_write)],
) -> Response:
    form = await request.form()
    values = clean(form, FIELDS)
    subject = subjects.get_subject(session, subject_id)
    evaluation = values["target"] == "evaluation"
    record = (
        None
        if evaluation
        else record_for(
            session, subject_id, int(values["record_id"]) if values["record_id"].isdigit() else None
        )
    )
    try:
        on = _day(values["evaluation_on"]) if evaluation else None
        obj = objections.submit(
            session,
            work_calendar(session),
            caller,
            target="evaluation" if evaluation else "record",
            reason=values["reason"],
            uploads=await uploads_of(form.getlist("files"), settings),
            evidence_root=settings.evidence_dir,
            max_bytes=settings.evidence_max_bytes,
            record_id=record.id if record else None,
            platform=values["platform"] or None,
            subject_id=subject_id,
            evaluation_on=on,
        )
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _form_page(request, session, subject, record, values, domain_errors(exc), status_code=422)
    return RedirectResponse(f"/my/subjects/{subject_id}/objections/{obj.id}?filed=1", status_code=303)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise InvalidInput.field("evaluation_on", "日期格式错误，应为 YYYY-MM-DD", "date_parsing") from None


def _own_objection(session: Session, caller: Caller, subject_id: int, objection_id: int) -> ObjectionOut:
    out = views.read_objection(session, caller, objection_id)
    if out.subject_id != subject_id:
        raise NotFound(f"异议 {objection_id} 不存在")
    return out


def _view_page(
    request: Request,
    session: Session,
    caller: Caller,
    subject_id: int,
    objection_id: int,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    out = _own_objection(session, caller, subject_id, objection_id)
    return page(
        request,
        "entity/objection.html",
        {
            "subject_id": subject_id,
            "o": out,
            "record": publication.record(session, out.record_id) if out.record_id else None,
            "platform_name": platform_names(session).get(out.platform, out.platform),
            "notice": notice,
            "status": labels.label(labels.OBJECTION_STATUS, out.status, t),
            "outcome": labels.label(labels.OBJECTION_OUTCOMES, out.outcome, t),
            "errors": errors or {},
        },
        title=t.gettext("异议 %(id)s", id=objection_id),
        status_code=status_code,
    )


@router.get("/objections/{objection_id}", response_class=HTMLResponse, summary="经营主体查看异议办理情况")
def objection_view(
    request: Request,
    session: SessionDep,
    subject_id: int,
    objection_id: int,
    caller: Annotated[Caller, Depends(own)],
    filed: Annotated[int, Query()] = 0,
    added: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    notice = "filed" if filed else "added" if added else ""
    return _view_page(request, session, caller, subject_id, objection_id, notice=notice)


@router.post(
    "/objections/{objection_id}/evidence", response_class=HTMLResponse, summary="经营主体补充异议材料"
)
async def objection_evidence(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    subject_id: int,
    objection_id: int,
    caller: Annotated[Caller, Depends(own_write)],
) -> Response:
    _own_objection(session, caller, subject_id, objection_id)
    form = await request.form()
    try:
        rows = objections.add_evidence(
            session,
            caller,
            objection_id,
            await uploads_of(form.getlist("files"), settings),
            settings.evidence_dir,
            settings.evidence_max_bytes,
        )
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        errors = domain_errors(exc)
        return _view_page(request, session, caller, subject_id, objection_id, errors=errors, status_code=422)
    return RedirectResponse(
        f"/my/subjects/{subject_id}/objections/{objection_id}?added={len(rows)}", status_code=303
    )


@router.post("/objections/{objection_id}/withdraw", summary="经营主体撤回异议")
def objection_withdraw(
    session: SessionDep,
    subject_id: int,
    objection_id: int,
    caller: Annotated[Caller, Depends(own_write)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _own_objection(session, caller, subject_id, objection_id)
    objections.withdraw(session, caller, objection_id, reason or "经营主体撤回异议")
    return RedirectResponse(f"/my/subjects/{subject_id}/objections/{objection_id}", status_code=303)
