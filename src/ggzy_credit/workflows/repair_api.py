"""/api/v1/repairs: 信用修复 — applied for by subjects, reviewed, then approved by a second person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from fastapi.responses import FileResponse

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.web.deps import SessionDep, SettingsDep, allow
from ggzy_credit.web.params import DbId, Offset
from ggzy_credit.workflows import repair, views
from ggzy_credit.workflows.api_common import evidence_file, read_uploads
from ggzy_credit.workflows.schemas import ReasonIn, RepairDecisionIn, RepairOut, RepairPage, RepairReviewIn

router = APIRouter(prefix="/repairs", tags=["信用修复 repairs"])

subjects = allow(Role.SUBJECT)
deciders = allow(Role.ADMIN, Role.REVIEWER)
readers = allow(Role.ADMIN, Role.REVIEWER, Role.RECORDER, Role.REGULATOR, Role.SUBJECT)


@router.post(
    "",
    response_model=RepairOut,
    status_code=status.HTTP_201_CREATED,
    summary="申请信用修复（附纠正失信行为的证明材料；须满最短等待期）",
    responses={
        409: {"description": "已有处理中的申请，或记录已修复/撤销"},
        422: {"description": "未满最短等待期（给出最早可申请日期）或字段错误"},
    },
)
async def apply(
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(subjects)],
    record_id: Annotated[DbId, Form(description="申请修复的信用记录")],
    reason: Annotated[str, Form(max_length=4000, description="纠正失信行为、消除不良影响的情况")],
    files: Annotated[list[UploadFile], File(description="证明材料（至少一个）")],
) -> RepairOut:
    uploads = await read_uploads(files, settings)
    app = repair.apply(
        session,
        caller,
        record_id=record_id,
        reason=reason,
        uploads=uploads,
        evidence_root=settings.evidence_dir,
        max_bytes=settings.evidence_max_bytes,
    )
    return views.read_repair(session, caller, app.id)


@router.get("", response_model=RepairPage, summary="信用修复申请列表")
def list_repairs(
    session: SessionDep,
    caller: Annotated[Caller, Depends(readers)],
    status_: Annotated[str | None, Query(alias="status")] = None,
    subject_id: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> RepairPage:
    total, items = views.list_repairs(
        session, caller, status=status_, subject_id=subject_id, limit=limit, offset=offset
    )
    return RepairPage(total=total, items=items)


@router.get("/{application_id}", response_model=RepairOut, summary="信用修复申请详情")
def read_repair(
    session: SessionDep, caller: Annotated[Caller, Depends(readers)], application_id: DbId
) -> RepairOut:
    return views.read_repair(session, caller, application_id)


@router.get("/{application_id}/evidence/{digest}", response_class=FileResponse, summary="下载修复证明材料")
def download_evidence(
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(readers)],
    application_id: DbId,
    digest: str,
) -> FileResponse:
    views.read_repair(session, caller, application_id)
    return evidence_file(session, settings, repair.CASE, application_id, digest)


@router.post(
    "/{application_id}/review", response_model=RepairOut, summary="审核信用修复申请（提出批准或不批准的意见）"
)
def review(
    session: SessionDep,
    caller: Annotated[Caller, Depends(deciders)],
    application_id: DbId,
    data: RepairReviewIn,
) -> RepairOut:
    repair.review(session, caller, application_id, data.recommendation, data.reason)
    return views.read_repair(session, caller, application_id)


@router.post(
    "/{application_id}/decision",
    response_model=RepairOut,
    summary="批准或不批准信用修复（不得由审核人本人决定）",
)
def decide(
    session: SessionDep,
    caller: Annotated[Caller, Depends(deciders)],
    application_id: DbId,
    data: RepairDecisionIn,
) -> RepairOut:
    repair.decide(session, caller, application_id, data.approve, data.reason)
    return views.read_repair(session, caller, application_id)


@router.post("/{application_id}/withdraw", response_model=RepairOut, summary="撤回信用修复申请")
def withdraw(
    session: SessionDep, caller: Annotated[Caller, Depends(subjects)], application_id: DbId, data: ReasonIn
) -> RepairOut:
    repair.withdraw(session, caller, application_id, data.reason)
    return views.read_repair(session, caller, application_id)
