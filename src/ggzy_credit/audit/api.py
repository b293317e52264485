"""/api/v1/subjects/{id}/enquiries (who looked at a subject's data) and /api/v1/audit (the whole trail)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ggzy_credit.audit import queries
from ggzy_credit.audit.schemas import AuditOut, AuditPage, EnquiryOut, EnquiryPage
from ggzy_credit.auth.policy import api_routes
from ggzy_credit.auth.roles import ROLE_LABELS, Role
from ggzy_credit.subjects.service import get_subject
from ggzy_credit.web.deps import SessionDep, allow
from ggzy_credit.web.params import DbId, Offset

router = APIRouter(tags=["审计 audit"])
ROLE_VALUES = frozenset(r.value for r in Role)
enquirers = allow(Role.ADMIN, Role.REGULATOR, Role.SUBJECT, own=Role.SUBJECT)
auditors = allow(Role.ADMIN)


def _summaries(request: Request) -> dict[str, str]:
    cached = getattr(request.app.state, "route_summaries", None)
    if cached is None:
        cached = {
            f"{method} {path}": getattr(route, "summary", None) or path
            for method, path, route in api_routes(request.app)
        }
        request.app.state.route_summaries = cached
    return cached


@router.get(
    "/subjects/{subject_id}/enquiries",
    response_model=EnquiryPage,
    dependencies=[Depends(enquirers)],
    summary="查询记录：谁在何时、为何查看了本主体的信息",
)
def list_enquiries(
    request: Request,
    session: SessionDep,
    subject_id: DbId,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> EnquiryPage:
    get_subject(session, subject_id)
    total, rows = queries.enquiries(session, subject_id, limit=limit, offset=offset)
    labels = _summaries(request)
    return EnquiryPage(
        total=total,
        items=[
            EnquiryOut(
                at=r.at,
                organisation=r.organisation,
                role=r.role,
                role_label=ROLE_LABELS.get(Role(r.role)) if r.role in ROLE_VALUES else None,
                purpose=r.purpose,
                action=labels.get(r.action, r.action),
                record_ids=r.record_ids,
            )
            for r in rows
        ],
    )


@router.get("/audit", response_model=AuditPage, dependencies=[Depends(auditors)], summary="检索审计日志")
def search_audit(
    session: SessionDep,
    subject_id: DbId | None = None,
    record_id: DbId | None = None,
    principal: Annotated[str | None, Query(max_length=40, description="user:ID、token:ID、cli:NAME")] = None,
    role: Role | None = None,
    kind: Annotated[
        str | None, Query(max_length=16, description="read、write、denied、login、login_failed、cli")
    ] = None,
    action: Annotated[str | None, Query(max_length=100, description="接口路径片段")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> AuditPage:
    total, rows = queries.search(
        session,
        subject_id=subject_id,
        record_id=record_id,
        principal=principal,
        role=role.value if role else None,
        kind=kind,
        action=action,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return AuditPage(total=total, items=[AuditOut.model_validate(r, from_attributes=True) for r in rows])
