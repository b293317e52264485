"""Regulators (行业主管部门、纪检监察、审计、公安): cross-platform search with a stated purpose, the full
record view, and exports through approval.

Every read of non-public data states its purpose: the search form asks for it and carries it in the
``purpose`` query parameter, which the access guard requires of regulators and writes to the audit
trail (and so to the subject's enquiry list). A regulator account limited to some platforms sees only
those. Bulk export of non-public records needs a ``bulk_export`` approval by a second person.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.approvals import service as approvals
from ggzy_credit.approvals.api import outs
from ggzy_credit.audit import trail
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.portal import labels, publication, scores
from ggzy_credit.portal.entity import record_view
from ggzy_credit.portal.forms import domain_errors
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import Platform
from ggzy_credit.subjects import service as subjects
from ggzy_credit.subjects.models import Subject
from ggzy_credit.web.deps import CipherDep, SessionDep, allow

router = APIRouter(prefix="/regulator", route_class=PortalRoute, include_in_schema=False)
desk = allow(Role.REGULATOR, nonpublic=False)  # forms and lists of one's own requests: no credit data
reads = allow(Role.REGULATOR)  # credit data: audited, purpose required
PAGE = 50
EXPORT_LIMIT = 200


def _counts(session: Session, ids: list[int], platforms: frozenset[str] | None) -> dict[int, int]:
    if not ids:
        return {}
    query = (
        select(CreditRecord.subject_id, func.count())
        .join(Platform, Platform.id == CreditRecord.platform_id)
        .where(CreditRecord.subject_id.in_(ids))
        .group_by(CreditRecord.subject_id)
    )
    if platforms is not None:
        query = query.where(Platform.code.in_(sorted(platforms)))
    return dict(session.execute(query).all())


@router.get("", response_class=HTMLResponse, summary="监管查询（填写查询目的）")
def regulator_home(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(desk)],
    q: Annotated[str, Query(max_length=100)] = "",
    purpose: Annotated[str, Query(max_length=200)] = "",
    submitted: Annotated[str, Query(max_length=1)] = "",
    view: Annotated[str, Query(pattern="^(search|warnings)$")] = "search",
) -> Response:
    """The search form; a complete query is handed on to the audited search with its purpose."""
    t = tr(request)
    errors: dict[str, str] = {}
    if submitted:
        if view == "search" and not q.strip():
            errors["q"] = t.gettext("请输入名称、统一社会信用代码或身份证号码")
        if len(purpose.strip()) < 4:
            errors["purpose"] = t.gettext("请说明查询目的（至少 4 个字），查询将记入被查询主体的查询记录")
        if not errors and view == "warnings":
            return RedirectResponse(
                f"/regulator/warnings?{urlencode({'purpose': purpose.strip()})}", status_code=303
            )
        if not errors:
            query = urlencode({"q": q.strip(), "purpose": purpose.strip()})
            return RedirectResponse(f"/regulator/search?{query}", status_code=303)
    return page(
        request,
        "regulator/home.html",
        {
            "values": {"q": q, "purpose": purpose},
            "errors": errors,
            "scope": sorted(caller.platforms) if caller.platforms else None,
        },
        title=t.gettext("监管查询"),
        status_code=422 if errors else 200,
    )


@router.get("/search", response_class=HTMLResponse, summary="监管部门跨平台检索经营主体")
def regulator_search(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    caller: Annotated[Caller, Depends(reads)],
    q: Annotated[str, Query(min_length=1, max_length=100)],
    purpose: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    t = tr(request)
    q = q.strip()
    total, rows = subjects.search_subjects(session, cipher, q=q, limit=PAGE, offset=offset)
    if total == 0 and len(q) == 18:  # a resident ID number: exact match through the blind index
        try:
            total, rows = subjects.search_subjects(session, cipher, id_number=q, limit=PAGE, offset=offset)
        except InvalidInput:
            total, rows = 0, []
    counts = _counts(session, [s.id for s in rows], caller.platforms)
    trail.note(session, subject_ids=[s.id for s in rows])
    hits = [
        {
            "id": s.id,
            "name": s.name,
            "type": labels.label(labels.TYPES, s.type, t),
            "identifier": s.uscc or s.id_number_masked or "",
            "kinds": labels.kinds(s.kind_names, t),
            "records": counts.get(s.id, 0),
        }
        for s in rows
    ]
    return page(
        request,
        "regulator/search.html",
        {
            "q": q,
            "purpose": purpose,
            "hits": hits,
            "total": total,
            "offset": offset,
            "limit": PAGE,
            "purpose_query": urlencode({"purpose": purpose}),
            "errors": {},
            "values": {},
        },
        title=t.gettext("“%(q)s”的查询结果", q=q),
    )


@router.get("/subjects/{subject_id}", response_class=HTMLResponse, summary="监管部门查看经营主体完整信用档案")
def regulator_subject(
    request: Request,
    session: SessionDep,
    subject_id: int,
    caller: Annotated[Caller, Depends(reads)],
    purpose: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    t = tr(request)
    subject = subjects.get_subject(session, subject_id)
    total, rows = publication.all_records(
        session, subject_id, limit=PAGE, offset=offset, platforms=caller.platforms
    )
    trail.note(session, record_ids=[r.id for r in rows])
    return page(
        request,
        "regulator/subject.html",
        {
            "subject": subject,
            "identity": publication.subject_identity(subject),
            "type_name": labels.label(labels.TYPES, subject.type, t),
            "kind_names": labels.kinds(subject.kind_names, t),
            "records": rows,
            "total": total,
            "offset": offset,
            "limit": PAGE,
            "purpose": purpose,
            "purpose_query": urlencode({"purpose": purpose}),
            "cards": scores.sections(t, session, subject_id, clock.today()),
            **record_view(request, session, subject_id, rows),
        },
        title=subject.name,
    )


@router.post("/exports", response_class=HTMLResponse, summary="申请批量导出非公开信用信息")
def export_request(
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(desk)],
    purpose: Annotated[str, Form(max_length=500)] = "",
    subject_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    try:
        if not subject_ids:
            raise InvalidInput.field("subject_ids", "请选择要导出的经营主体")
        if len(subject_ids) > EXPORT_LIMIT:
            raise InvalidInput.field("subject_ids", f"一次至多导出 {EXPORT_LIMIT} 个经营主体")
        approvals.request(session, caller, approvals.Kind.BULK_EXPORT, purpose, subject_ids=subject_ids)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return exports_page(
            request, session, caller, errors=domain_errors(exc), status_code=422, values={"purpose": purpose}
        )
    return RedirectResponse("/regulator/exports?requested=1", status_code=303)


def exports_page(
    request: Request,
    session: Session,
    caller: Caller,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = tr(request)
    _n, rows = approvals.listing(
        session, caller, kind=approvals.Kind.BULK_EXPORT, mine=True, limit=PAGE, offset=0
    )
    return page(
        request,
        "regulator/exports.html",
        {
            "items": outs(session, rows),
            "errors": errors or {},
            "values": values or {},
            "states": {k: t.gettext(v) for k, v in labels.APPROVAL_STATES.items()},
        },
        title=t.gettext("导出申请"),
        status_code=status_code,
    )


@router.get("/exports", response_class=HTMLResponse, summary="本人的导出申请")
def exports_list(
    request: Request, session: SessionDep, caller: Annotated[Caller, Depends(desk)]
) -> HTMLResponse:
    return exports_page(request, session, caller)


@router.get("/exports/{approval_id}/records.csv", summary="下载经批准导出的信用记录（CSV）")
def export_download(
    session: SessionDep,
    approval_id: int,
    caller: Annotated[Caller, Depends(reads)],
    purpose: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    request_row = approvals.get(session, approval_id)
    if (
        request_row.requested_by_principal != caller.principal
        or request_row.kind != approvals.Kind.BULK_EXPORT
    ):
        raise NotFound(f"审批申请 {approval_id} 不存在")
    targets = approvals.targets_of(session, [approval_id]).get(approval_id, [])
    grant = approvals.require_grant(session, caller, approvals.Kind.BULK_EXPORT, targets)
    approvals.use_grant(session, grant)
    subject_ids = [t.id for t in targets]
    trail.note(session, subject_ids=subject_ids, grant_id=grant.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "record_id",
            "subject_id",
            "subject_name",
            "platform",
            "item_code",
            "item_name",
            "points",
            "occurred_on",
            "deducted_on",
            "project_code",
            "project_name",
            "description",
            "source",
            "published",
        ]
    )
    names = dict(session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(subject_ids))).all())
    for r in publication.records_of(session, subject_ids, platforms=caller.platforms):
        writer.writerow(
            [
                r.id,
                r.subject_id,
                names.get(r.subject_id, ""),
                r.platform,
                r.item_code,
                r.item_name,
                r.points,
                r.occurred_on,
                r.deducted_on,
                r.project_code or "",
                r.project_name or "",
                r.description or "",
                r.source,
                "yes" if r.public else "no",
            ]
        )
    body = "\ufeff" + buffer.getvalue()
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="ggzy-export-{approval_id}.csv"',
            "Cache-Control": "no-store",
        },
    )
