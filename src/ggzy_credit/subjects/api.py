"""/api/v1/subjects: the subject registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from pydantic import Field

from ggzy_credit.audit import trail
from ggzy_credit.auth.roles import ALL_ROLES, Role
from ggzy_credit.records.queries import subject_records
from ggzy_credit.records.schemas import RecordPage
from ggzy_credit.subjects import service
from ggzy_credit.subjects.kinds import SubjectKind
from ggzy_credit.subjects.schemas import (
    LegalPersonIn,
    NaturalPersonIn,
    SubjectOut,
    SubjectPage,
    SubjectUpdate,
)
from ggzy_credit.web.deps import CipherDep, SessionDep, allow
from ggzy_credit.web.params import DbId, Offset

router = APIRouter(prefix="/subjects", tags=["经营主体 subjects"])

writers = allow(Role.ADMIN, Role.RECORDER)
readers = allow(*ALL_ROLES)
SubjectIn = Annotated[LegalPersonIn | NaturalPersonIn, Field(discriminator="type")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SubjectOut,
    dependencies=[Depends(writers)],
    summary="登记经营主体",
    responses={409: {"description": "已登记（existing_id 给出已有主体）"}, 422: {"description": "字段错误"}},
)
def create_subject(session: SessionDep, cipher: CipherDep, data: Annotated[SubjectIn, Body()]) -> SubjectOut:
    subject = service.create_subject(session, cipher, data)
    trail.note(session, subject_ids=[subject.id])
    return service.to_out(subject)


@router.get("", response_model=SubjectPage, dependencies=[Depends(readers)], summary="检索经营主体")
def search_subjects(
    session: SessionDep,
    cipher: CipherDep,
    q: Annotated[str | None, Query(max_length=100, description="名称片段或统一社会信用代码")] = None,
    uscc: Annotated[str | None, Query(max_length=40)] = None,
    id_number: Annotated[str | None, Query(max_length=40, description="身份证号码（精确匹配）")] = None,
    kind: SubjectKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Offset = 0,
) -> SubjectPage:
    total, rows = service.search_subjects(
        session, cipher, q=q, uscc=uscc, id_number=id_number, kind=kind, limit=limit, offset=offset
    )
    return SubjectPage(total=total, items=[service.to_out(s) for s in rows])


@router.get(
    "/{subject_id}", response_model=SubjectOut, dependencies=[Depends(readers)], summary="经营主体详情"
)
def get_subject(session: SessionDep, subject_id: DbId) -> SubjectOut:
    return service.to_out(service.get_subject(session, subject_id))


@router.patch(
    "/{subject_id}", response_model=SubjectOut, dependencies=[Depends(writers)], summary="更新经营主体"
)
def update_subject(
    session: SessionDep, cipher: CipherDep, subject_id: DbId, data: SubjectUpdate
) -> SubjectOut:
    return service.to_out(service.update_subject(session, cipher, subject_id, data))


@router.get(
    "/{subject_id}/records",
    response_model=RecordPage,
    dependencies=[Depends(readers)],
    summary="经营主体的信用记录",
)
def list_subject_records(
    request: Request,
    session: SessionDep,
    subject_id: DbId,
    response: Response,
    platform: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> RecordPage:
    service.get_subject(session, subject_id)
    caller = request.state.caller
    # Other market entities see only published records (Shanghai art. 16); scoped accounts their platforms.
    total, items = subject_records(
        session,
        subject_id,
        platform=platform,
        limit=limit,
        offset=offset,
        platforms=caller.platforms,
        published_only=caller.role is Role.SUBJECT and not caller.acts_for(subject_id),
    )
    return RecordPage(total=total, items=items)
