"""Market entities' cases: repair applications (信用修复) with evidence, and commitments (信用承诺).

Objections are in :mod:`ggzy_credit.portal.entity_objections`, which shares the upload helpers here.

Forms post multipart data and work without JavaScript; the services of ``workflows`` decide. A form
that is refused comes back with the written text kept and each problem next to its field (files
must be chosen again: browsers never re-fill a file input).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.config import Settings
from ggzy_credit.errors import Conflict, DomainError, InvalidInput, NotFound
from ggzy_credit.portal import labels, publication
from ggzy_credit.portal.forms import domain_errors
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.standards import service as standards
from ggzy_credit.subjects import service as subjects
from ggzy_credit.web.deps import SessionDep, SettingsDep, allow
from ggzy_credit.workflows import commitments, repair, views
from ggzy_credit.workflows import evidence as files

router = APIRouter(prefix="/my/subjects/{subject_id}", route_class=PortalRoute, include_in_schema=False)
own = allow(Role.SUBJECT, own=Role.SUBJECT)
own_write = allow(Role.SUBJECT, own=Role.SUBJECT, nonpublic=False)


async def uploads_of(form_files: list[UploadFile | str], settings: Settings) -> list[files.Upload]:
    """The chosen files; an empty file input (nothing chosen) posts one nameless empty part."""
    out = []
    for upload in form_files:
        if not isinstance(upload, StarletteUpload):
            continue
        content = await upload.read(settings.evidence_max_bytes + 1)
        if upload.filename or content:
            out.append(files.Upload(upload.filename or "", content))
    return out


def record_for(session: SessionDep, subject_id: int, record_id: int | None) -> publication.RecordRow:
    record = publication.record(session, record_id) if record_id else None
    if record is None or record.subject_id != subject_id:
        raise NotFound(f"信用记录 {record_id} 不存在")
    return record


# -- repair ---------------------------------------------------------------------------------------


@router.get("/repairs/new", response_class=HTMLResponse, summary="经营主体填写信用修复申请")
def repair_form(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own)],
    record_id: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    subject = subjects.get_subject(session, subject_id)
    record = record_for(session, subject_id, record_id)
    return _repair_page(request, session, subject, record, {"reason": ""}, {})


def _repair_page(request, session, subject, record, values, errors, status_code=200) -> HTMLResponse:  # type: ignore[no-untyped-def]
    from ggzy_credit.records.models import CreditRecord

    row = session.get(CreditRecord, record.id)
    start, days, severity = repair.eligible_from(session, row)
    return page(
        request,
        "entity/repair_form.html",
        {
            "subject": subject,
            "record": record,
            "values": values,
            "errors": errors,
            "eligible_from": start,
            "wait_days": days,
            "severity": labels.label(labels.SEVERITIES, severity, tr(request)),
        },
        title=tr(request).gettext("申请信用修复"),
        status_code=status_code,
    )


@router.post("/repairs", response_class=HTMLResponse, summary="经营主体申请信用修复")
async def repair_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own_write)],
) -> Response:
    form = await request.form()
    values = {"reason": str(form.get("reason") or "").strip(), "record_id": str(form.get("record_id") or "")}
    record = record_for(
        session, subject_id, int(values["record_id"]) if values["record_id"].isdigit() else None
    )
    subject = subjects.get_subject(session, subject_id)
    try:
        uploads = await uploads_of(form.getlist("files"), settings)
        application = repair.apply(
            session,
            caller,
            record_id=record.id,
            reason=values["reason"],
            uploads=uploads,
            evidence_root=settings.evidence_dir,
            max_bytes=settings.evidence_max_bytes,
        )
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _repair_page(request, session, subject, record, values, domain_errors(exc), status_code=422)
    return RedirectResponse(f"/my/subjects/{subject_id}/repairs/{application.id}?filed=1", status_code=303)


@router.get("/repairs/{application_id}", response_class=HTMLResponse, summary="经营主体查看信用修复申请")
def repair_view(
    request: Request,
    session: SessionDep,
    subject_id: int,
    application_id: int,
    caller: Annotated[Caller, Depends(own)],
    filed: Annotated[int, Query()] = 0,
) -> HTMLResponse:
    t = tr(request)
    out = views.read_repair(session, caller, application_id)
    if out.subject_id != subject_id:
        raise NotFound(t.gettext("信用修复申请 %(id)s 不存在", id=application_id))
    return page(
        request,
        "entity/repair.html",
        {
            "subject_id": subject_id,
            "a": out,
            "record": publication.record(session, out.record_id),
            "filed": bool(filed),
            "status": labels.label(labels.REPAIR_STATUS, out.status, t),
        },
        title=t.gettext("信用修复申请 %(id)s", id=application_id),
    )


# -- commitments ----------------------------------------------------------------------------------


@router.get("/commitments", response_class=HTMLResponse, summary="经营主体查看信用承诺")
def commitments_page(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own)],
) -> HTMLResponse:
    return _commitments(request, session, subject_id, caller, {}, {})


def _commitments(request, session, subject_id, caller, values, errors, status_code=200) -> HTMLResponse:  # type: ignore[no-untyped-def]
    t = tr(request)
    subject = subjects.get_subject(session, subject_id)
    total, items = views.list_commitments(session, caller, subject_id=subject_id, limit=100)
    templates = [
        {"platform": p.code, "platform_name": p.name, **tpl}
        for p in standards.list_platforms(session)
        for tpl in (p.commitment_templates or [])
    ]
    return page(
        request,
        "entity/commitments.html",
        {
            "subject": subject,
            "items": items,
            "total": total,
            "templates": templates,
            "values": values,
            "errors": errors,
            "status": {k: t.gettext(v) for k, v in labels.COMMITMENT_STATUS.items()},
        },
        title=t.gettext("信用承诺"),
        status_code=status_code,
    )


@router.post("/commitments", response_class=HTMLResponse, summary="经营主体签署信用承诺书")
def commitment_sign(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(own_write)],
    template: Annotated[str, Form(max_length=100)] = "",
    project_code: Annotated[str, Form(max_length=100)] = "",
    project_name: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    values = {
        "template": template,
        "project_code": project_code.strip(),
        "project_name": project_name.strip(),
    }
    platform, _sep, code = template.partition(":")
    try:
        commitments.sign(
            session,
            caller,
            platform=platform,
            template_code=code,
            project_code=project_code,
            project_name=project_name or None,
            subject_id=subject_id,
        )
    except DomainError as exc:
        if not isinstance(exc, InvalidInput | Conflict):
            raise
        session.rollback()
        errors = domain_errors(exc, {"platform": "template", "template_code": "template"})
        return _commitments(request, session, subject_id, caller, values, errors, status_code=422)
    return RedirectResponse(f"/my/subjects/{subject_id}/commitments?signed=1", status_code=303)
