"""/api/v1/complaints: 质疑/举报 — anyone reports (no login, rate-limited), reviewers verify."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from fastapi.responses import FileResponse

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, allow, public
from ggzy_credit.web.params import DbId, Offset
from ggzy_credit.workflows import complaints, views
from ggzy_credit.workflows import evidence as files_store
from ggzy_credit.workflows.api_common import evidence_file, read_uploads
from ggzy_credit.workflows.schemas import ComplaintDecisionIn, ComplaintOut, ComplaintPage, ComplaintReceipt

router = APIRouter(prefix="/complaints", tags=["质疑举报 complaints"])

deciders = allow(Role.ADMIN, Role.REVIEWER)
readers = allow(Role.ADMIN, Role.REVIEWER, Role.REGULATOR)


@router.post(
    "",
    response_model=ComplaintReceipt,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(public(rate="search"))],
    summary="质疑/举报经营主体的失信行为（无需登录，须附证据）",
    responses={422: {"description": "字段错误"}, 429: {"description": "提交过于频繁"}},
)
async def submit_complaint(
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    platform: Annotated[str, Form(min_length=1, max_length=40, description="平台代码")],
    description: Annotated[str, Form(max_length=4000, description="被举报行为的事实描述")],
    files: Annotated[list[UploadFile], File(description="证据材料（至少一个）")],
    subject_id: Annotated[DbId | None, Form(description="被举报主体 ID（与 subject_uscc 二选一）")] = None,
    subject_uscc: Annotated[str | None, Form(max_length=40, description="被举报主体统一社会信用代码")] = None,
    project_code: Annotated[str | None, Form(max_length=100)] = None,
    project_name: Annotated[str | None, Form(max_length=300)] = None,
    reporter_name: Annotated[str | None, Form(max_length=100, description="举报人姓名（可匿名）")] = None,
    reporter_phone: Annotated[
        str | None, Form(max_length=32, description="举报人联系电话（加密保存）")
    ] = None,
) -> ComplaintReceipt:
    uploads = await read_uploads(files, settings)
    checked = files_store.check_uploads(uploads, settings.evidence_max_bytes)
    row = complaints.submit(
        session,
        cipher,
        platform=platform,
        description=description,
        subject_id=subject_id,
        subject_uscc=subject_uscc,
        project_code=project_code,
        project_name=project_name,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
    )
    assert settings.evidence_dir is not None
    files_store.attach(session, settings.evidence_dir, complaints.CASE, row.id, checked, "public")
    return ComplaintReceipt(id=row.id, status=row.status, submitted_at=row.submitted_at)


@router.get("", response_model=ComplaintPage, summary="质疑/举报列表")
def list_complaints(
    session: SessionDep,
    caller: Annotated[Caller, Depends(readers)],
    status_: Annotated[
        str | None, Query(alias="status", description="submitted、verified、unfounded")
    ] = None,
    subject_id: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ComplaintPage:
    total, items = views.list_complaints(
        session, caller, status=status_, subject_id=subject_id, limit=limit, offset=offset
    )
    return ComplaintPage(total=total, items=items)


@router.get("/{complaint_id}", response_model=ComplaintOut, summary="质疑/举报详情")
def read_complaint(
    session: SessionDep, caller: Annotated[Caller, Depends(readers)], complaint_id: DbId
) -> ComplaintOut:
    return views.read_complaint(session, caller, complaint_id)


@router.get("/{complaint_id}/evidence/{digest}", response_class=FileResponse, summary="下载举报证据")
def download_evidence(
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(readers)],
    complaint_id: DbId,
    digest: str,
) -> FileResponse:
    views.read_complaint(session, caller, complaint_id)
    return evidence_file(session, settings, complaints.CASE, complaint_id, digest)


@router.post(
    "/{complaint_id}/decision",
    response_model=ComplaintOut,
    summary="核查质疑/举报（属实则生成来源为 complaint 的信用记录）",
)
def decide(
    session: SessionDep,
    cipher: CipherDep,
    caller: Annotated[Caller, Depends(deciders)],
    complaint_id: DbId,
    data: ComplaintDecisionIn,
) -> ComplaintOut:
    complaints.decide(
        session,
        cipher,
        caller,
        complaint_id,
        verified=data.verified,
        reason=data.reason,
        item_code=data.item_code,
        occurred_on=data.occurred_on,
    )
    return views.read_complaint(session, caller, complaint_id)
