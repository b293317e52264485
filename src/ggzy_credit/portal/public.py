"""Public pages, no login: search, a subject's published credit information, standards, data list."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.errors import NotFound
from ggzy_credit.portal import labels, ledger_status, publication, scores
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.portal.session import signed_in
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards import files as standards_files
from ggzy_credit.standards import service as standards
from ggzy_credit.standards.models import Standard, StandardItem
from ggzy_credit.subjects import service as subjects
from ggzy_credit.subjects.models import Subject
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, public
from ggzy_credit.workflows.record_status import record_flags


def _who(request: Request, session: SessionDep) -> None:
    """Public pages still show who is signed in (header, navigation); they never require it."""
    signed_in(request, session)


router = APIRouter(route_class=PortalRoute, include_in_schema=False, dependencies=[Depends(_who)])
PAGE = 20


@router.get("/", response_class=HTMLResponse, dependencies=[Depends(public())], summary="门户首页")
def home(request: Request, session: SessionDep) -> HTMLResponse:
    _ = tr(request).gettext
    today = clock.today()
    platforms = []
    for p in standards.list_platforms(session):
        current = standards.in_force(p.standards, today)
        platforms.append({"code": p.code, "name": p.name, "kind": p.kind, "current": current})
    figures = {
        "subjects": session.scalar(select(func.count()).select_from(Subject)) or 0,
        "records": session.scalar(
            select(func.count())
            .select_from(CreditRecord)
            .join(StandardItem, StandardItem.id == CreditRecord.item_id)
            .join(Standard, Standard.id == CreditRecord.standard_id)
            .where(
                CreditRecord.deducted_on > today - timedelta(days=365), publication.published(session, today)
            )
        )
        or 0,
    }
    return page(request, "public/home.html", {"platforms": platforms, "figures": figures}, title=_("首页"))


@router.get(
    "/search", response_class=HTMLResponse, dependencies=[Depends(public("search"))], summary="公开信用查询"
)
def search(
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    q: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Subjects by name fragment or exact unified social credit code (never by ID number: no probing)."""
    t = tr(request)
    q = q.strip()
    hits, total = [], 0
    if q:
        total, rows = subjects.search_subjects(session, cipher, q=q, limit=PAGE, offset=offset)
        counts = publication.public_counts(session, [s.id for s in rows], clock.today())
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
    title = t.gettext("信用查询") if not q else t.gettext("“%(q)s”的查询结果", q=q)
    return page(
        request,
        "public/search.html",
        {"q": q, "hits": hits, "total": total, "offset": offset, "limit": PAGE},
        title=title,
    )


@router.get(
    "/subjects/{subject_id}",
    response_class=HTMLResponse,
    dependencies=[Depends(public())],
    summary="经营主体公开信用信息",
)
def subject_page(
    request: Request,
    session: SessionDep,
    subject_id: int,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    t = tr(request)
    _ = t.gettext
    subject = subjects.get_subject(session, subject_id)
    today = clock.today()
    total, records = publication.public_records(session, subject_id, today, limit=PAGE, offset=offset)
    context = {
        "subject": subject,
        "identity": publication.subject_identity(subject),
        "type_name": labels.label(labels.TYPES, subject.type, t),
        "kind_names": labels.kinds(subject.kind_names, t),
        "records": records,
        "total": total,
        "offset": offset,
        "limit": PAGE,
        "ledger": ledger_status.states(session, [r.id for r in records]),
        "states": {
            rid: [("objection", _("异议处理中"))]
            for rid, (objection, _hidden) in record_flags(session, [r.id for r in records], today).items()
            if objection
        },
        "sources": {k: _(v) for k, v in labels.SOURCES.items()},
        "item_kinds": {k: _(v) for k, v in labels.ITEM_KINDS.items()},
        "cards": scores.sections(tr(request), session, subject_id, today),
    }
    return page(request, "public/subject.html", context, title=subject.name)


@router.get(
    "/records/{record_id}/proof",
    response_class=HTMLResponse,
    dependencies=[Depends(public())],
    summary="公开记录的账本包含证明",
)
def record_proof(
    request: Request, session: SessionDep, settings: SettingsDep, record_id: int
) -> HTMLResponse:
    """The ledger inclusion proof of a published record, checked on the server and shown in full."""
    _ = tr(request).gettext
    today = clock.today()
    record = publication.record(session, record_id)
    if record is None or not publication.is_published(session, record_id, today):
        raise NotFound(_("信用记录 %(id)s 不存在或未公开", id=record_id))
    subject = subjects.get_subject(session, record.subject_id)
    proof = ledger_status.proof(session, settings.secrets_dir, record_id)
    state = ledger_status.states(session, [record_id])[record_id]
    return page(
        request,
        "public/proof.html",
        {"record": record, "subject": subject, "proof": proof, "state": state},
        title=_("账本证明：记录 %(id)s", id=record_id),
    )


@router.get("/standards", response_class=HTMLResponse, dependencies=[Depends(public())], summary="评估标准")
def standards_index(request: Request, session: SessionDep) -> HTMLResponse:
    t = tr(request)
    today = clock.today()
    platforms = []
    for p in standards.list_platforms(session):
        current = standards.in_force(p.standards, today)
        versions = sorted(
            (s for s in p.standards if s.published),
            key=lambda s: (s.effective_from or date.max, s.version),
            reverse=True,
        )
        platforms.append(
            {
                "platform": p,
                "current": current,
                "versions": versions,
                "kind": labels.label(labels.PLATFORM_KINDS, p.kind, t),
            }
        )
    return page(
        request,
        "public/standards.html",
        {"platforms": platforms, "status": {k: t.gettext(v) for k, v in labels.STANDARD_STATUS.items()}},
        title=t.gettext("评估标准"),
    )


@router.get(
    "/standards/{platform}",
    response_class=HTMLResponse,
    dependencies=[Depends(public())],
    summary="评估标准详情",
)
def standard_page(
    request: Request,
    session: SessionDep,
    platform: str,
    version: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    t = tr(request)
    _ = t.gettext
    p = standards.get_platform(session, platform)
    today = clock.today()
    current = standards.in_force(p.standards, today)
    chosen = (
        next((s for s in p.standards if s.version == version and s.published), None) if version else current
    )
    if chosen is None or not chosen.published:
        raise NotFound(_("平台 %(platform)s 没有可公开的评估标准版本", platform=p.name))
    rules = chosen.rules or {}
    return page(
        request,
        "public/standard.html",
        {
            "platform": p,
            "standard": chosen,
            "current": current,
            "versions": sorted(
                (s for s in p.standards if s.published), key=lambda s: s.version, reverse=True
            ),
            "bands": rules.get("bands", []),
            "measures": rules.get("measures", []),
            "repair": rules.get("repair", {}),
            "kinds": {k: _(v) for k, v in labels.KINDS.items()},
            "item_kinds": {k: _(v) for k, v in labels.ITEM_KINDS.items()},
            "severities": {k: _(v) for k, v in labels.SEVERITIES.items()},
            "measure_kinds": {k: _(v) for k, v in labels.MEASURE_KINDS.items()},
            "status": {k: _(v) for k, v in labels.STANDARD_STATUS.items()},
        },
        title=f"{p.name} · {chosen.version}",
    )


@router.get("/data-list", response_class=HTMLResponse, dependencies=[Depends(public())], summary="数据清单")
def data_list(request: Request) -> HTMLResponse:
    t = tr(request)
    data = standards_files.load_data_list()
    return page(
        request,
        "public/data_list.html",
        {"data": data, "kinds": {k: t.gettext(v) for k, v in labels.KINDS.items()}},
        title=t.gettext("市场信用信息数据清单"),
    )
