"""/api/v1/commitments: 信用承诺 — templates per platform, signing, verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.web.deps import CipherDep, SessionDep, allow, public
from ggzy_credit.web.params import DbId, Offset
from ggzy_credit.workflows import commitments, views
from ggzy_credit.workflows.schemas import (
    CommitmentIn,
    CommitmentOut,
    CommitmentPage,
    TemplateOut,
    VerificationIn,
)

router = APIRouter(tags=["信用承诺 commitments"])

subjects = allow(Role.SUBJECT)
verifiers = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER)
readers = allow(Role.ADMIN, Role.REVIEWER, Role.RECORDER, Role.REGULATOR, Role.SUBJECT)


@router.get(
    "/commitment-templates",
    response_model=list[TemplateOut],
    dependencies=[Depends(public(rate=None))],
    summary="平台的信用承诺书模板（公开）",
)
def list_templates(
    session: SessionDep, platform: Annotated[str, Query(min_length=1, max_length=40)]
) -> list[TemplateOut]:
    return [TemplateOut.model_validate(t) for t in commitments.templates(session, platform)]


@router.post(
    "/commitments",
    response_model=CommitmentOut,
    status_code=status.HTTP_201_CREATED,
    summary="就项目签署信用承诺书（以承诺代替证明材料）",
    responses={409: {"description": "已就该项目签署过此承诺书"}},
)
def sign(
    session: SessionDep, caller: Annotated[Caller, Depends(subjects)], data: CommitmentIn
) -> CommitmentOut:
    row = commitments.sign(
        session,
        caller,
        platform=data.platform,
        template_code=data.template_code,
        project_code=data.project_code,
        project_name=data.project_name,
        subject_id=data.subject_id,
    )
    return views.read_commitment(session, caller, row.id)


@router.get("/commitments", response_model=CommitmentPage, summary="信用承诺列表")
def list_commitments(
    session: SessionDep,
    caller: Annotated[Caller, Depends(readers)],
    status_: Annotated[str | None, Query(alias="status")] = None,
    subject_id: DbId | None = None,
    project_code: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> CommitmentPage:
    total, items = views.list_commitments(
        session,
        caller,
        status=status_,
        subject_id=subject_id,
        project_code=project_code,
        limit=limit,
        offset=offset,
    )
    return CommitmentPage(total=total, items=items)


@router.get("/commitments/{commitment_id}", response_model=CommitmentOut, summary="信用承诺详情")
def read_commitment(
    session: SessionDep, caller: Annotated[Caller, Depends(readers)], commitment_id: DbId
) -> CommitmentOut:
    return views.read_commitment(session, caller, commitment_id)


@router.post(
    "/commitments/{commitment_id}/verification",
    response_model=CommitmentOut,
    summary="核查信用承诺（不实时自动记入失信记录）",
    responses={409: {"description": "已核查过，或平台标准未规定承诺不实事项"}},
)
def verify(
    session: SessionDep,
    cipher: CipherDep,
    caller: Annotated[Caller, Depends(verifiers)],
    commitment_id: DbId,
    data: VerificationIn,
) -> CommitmentOut:
    commitments.verify(session, cipher, caller, commitment_id, data.truthful, data.reason)
    return views.read_commitment(session, caller, commitment_id)
