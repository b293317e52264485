"""/api/v1/approvals: request, list, approve and reject; /subjects/{id}/pii, the first grant consumer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from ggzy_credit.approvals import service
from ggzy_credit.approvals.models import ApprovalRequest
from ggzy_credit.approvals.schemas import ApprovalIn, ApprovalOut, ApprovalPage, DecisionIn, PiiOut
from ggzy_credit.audit import trail
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.subjects.service import get_subject, unmasked
from ggzy_credit.web.deps import CipherDep, SessionDep, allow
from ggzy_credit.web.params import DbId, Offset

router = APIRouter(prefix="/approvals", tags=["审批 approvals"])
subject_router = APIRouter(prefix="/subjects", tags=["经营主体 subjects"])

requesters = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR, nonpublic=False)
approvers = allow(Role.ADMIN, Role.REVIEWER, nonpublic=False)
pii_viewers = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR)


def outs(session: Session, rows: Sequence[ApprovalRequest]) -> list[ApprovalOut]:
    targets = service.targets_of(session, [r.id for r in rows])
    return [
        ApprovalOut(
            id=r.id,
            kind=r.kind,
            purpose=r.purpose,
            state=service.state_of(r),
            subject_ids=[t.id for t in targets.get(r.id, []) if t.type == "subject"],
            record_ids=[t.id for t in targets.get(r.id, []) if t.type == "record"],
            requested_by=r.requested_by,
            requester_role=r.requester_role,
            requester_organisation=r.requester_organisation,
            created_at=r.created_at,
            pending_until=r.pending_until,
            max_uses=r.max_uses,
            uses=r.uses,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
            expires_at=r.expires_at,
        )
        for r in rows
    ]


@router.post("", response_model=ApprovalOut, status_code=status.HTTP_201_CREATED, summary="提出审批申请")
def create_request(
    session: SessionDep, data: ApprovalIn, caller: Annotated[Caller, Depends(requesters)]
) -> ApprovalOut:
    req = service.request(
        session,
        caller,
        data.kind,
        data.purpose,
        subject_ids=data.subject_ids,
        record_ids=data.record_ids,
        max_uses=data.max_uses,
    )
    trail.note(session, subject_ids=data.subject_ids, record_ids=data.record_ids, approval_id=req.id)
    return outs(session, [req])[0]


@router.get("", response_model=ApprovalPage, summary="审批申请列表（待批、已批准、已驳回、已使用、已过期）")
def list_requests(
    session: SessionDep,
    caller: Annotated[Caller, Depends(requesters)],
    state: service.State | None = None,
    kind: service.Kind | None = None,
    mine: Annotated[bool, Query(description="只看本人提出的申请")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> ApprovalPage:
    total, rows = service.listing(
        session, caller, state=state, kind=kind, mine=mine, limit=limit, offset=offset
    )
    return ApprovalPage(total=total, items=outs(session, rows))


@router.get("/{approval_id}", response_model=ApprovalOut, summary="审批申请详情")
def read_request(
    session: SessionDep, approval_id: DbId, caller: Annotated[Caller, Depends(requesters)]
) -> ApprovalOut:
    req = service.get(session, approval_id)
    if caller.role not in service.APPROVERS and req.requested_by_principal != caller.principal:
        raise service.NotFound(f"审批申请 {approval_id} 不存在")
    return outs(session, [req])[0]


@router.post("/{approval_id}/approve", response_model=ApprovalOut, summary="批准（不能批准本人的申请）")
def approve(
    session: SessionDep, approval_id: DbId, data: DecisionIn, caller: Annotated[Caller, Depends(approvers)]
) -> ApprovalOut:
    req = service.decide(
        session, caller, approval_id, approve=True, note=data.note, valid_hours=data.valid_hours
    )
    trail.note(session, approval_id=req.id, decision="approved")
    return outs(session, [req])[0]


@router.post("/{approval_id}/reject", response_model=ApprovalOut, summary="驳回（须说明理由）")
def reject(
    session: SessionDep, approval_id: DbId, data: DecisionIn, caller: Annotated[Caller, Depends(approvers)]
) -> ApprovalOut:
    req = service.decide(session, caller, approval_id, approve=False, note=data.note)
    trail.note(session, approval_id=req.id, decision="rejected")
    return outs(session, [req])[0]


@subject_router.get(
    "/{subject_id}/pii",
    response_model=PiiOut,
    summary="未脱敏的个人信息（须经批准的 unmask_pii 申请，每次查看均记录）",
    responses={403: {"description": "没有经批准的申请（code: approval_required）"}},
)
def read_pii(
    session: SessionDep, cipher: CipherDep, subject_id: DbId, caller: Annotated[Caller, Depends(pii_viewers)]
) -> PiiOut:
    subject = get_subject(session, subject_id)
    try:
        grant = service.require_grant(
            session, caller, service.Kind.UNMASK_PII, service.Target.subject(subject_id)
        )
    except service.ApprovalRequired as exc:
        trail.deny(session, exc.message)
        raise
    grant = service.use_grant(session, grant)
    trail.note(session, grant_id=grant.id, purpose=grant.purpose, unmasked="id_number,phone")
    clear = unmasked(subject, cipher)
    return PiiOut(
        subject_id=subject_id,
        id_number=clear["id_number"],
        phone=clear["phone"],
        grant_id=grant.id,
        uses_left=grant.max_uses - grant.uses,
    )
