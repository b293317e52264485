"""/api/v1/objections: 异议 — filed by subjects, accepted and decided by reviewers within 20 working days."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from fastapi.responses import FileResponse

from ggzy_credit import clock
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, allow
from ggzy_credit.web.params import DbId, Offset
from ggzy_credit.workflows import objections, views
from ggzy_credit.workflows.api_common import evidence_file, read_uploads
from ggzy_credit.workflows.calendar_store import work_calendar
from ggzy_credit.workflows.schemas import (
    EscalationOut,
    EvidenceOut,
    ObjectionDecisionIn,
    ObjectionOut,
    ObjectionPage,
    ReasonIn,
)

router = APIRouter(prefix="/objections", tags=["异议处理 objections"])

subjects = allow(Role.SUBJECT)
deciders = allow(Role.ADMIN, Role.REVIEWER)
readers = allow(Role.ADMIN, Role.REVIEWER, Role.RECORDER, Role.REGULATOR, Role.SUBJECT)
Files = Annotated[list[UploadFile], File(description="证明材料（PDF、OFD、PNG、JPEG、DOCX、XLSX，至少一个）")]


@router.post(
    "",
    response_model=ObjectionOut,
    status_code=status.HTTP_201_CREATED,
    summary="提出异议（附书面理由和证明材料；收到之日后 20 个工作日内答复）",
    responses={
        409: {"description": "该记录已有处理中的异议，或记录已撤销/更正"},
        503: {"description": "答复期限所在年份的节假日安排尚未载入"},
    },
)
async def submit_objection(
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(subjects)],
    files: Files,
    reason: Annotated[str, Form(max_length=4000, description="异议理由")],
    target: Annotated[
        Literal["record", "evaluation"], Form(description="record 信用记录；evaluation 评估结果")
    ] = "record",
    record_id: Annotated[DbId | None, Form(description="有异议的信用记录（target=record）")] = None,
    platform: Annotated[str | None, Form(max_length=40, description="平台代码（target=evaluation）")] = None,
    subject_id: Annotated[DbId | None, Form(description="账号代表多个主体时必填")] = None,
    evaluation_on: Annotated[date | None, Form(description="有异议的评估日期，缺省为当日")] = None,
) -> ObjectionOut:
    uploads = await read_uploads(files, settings)
    obj = objections.submit(
        session,
        work_calendar(session),
        caller,
        target=target,
        reason=reason,
        uploads=uploads,
        evidence_root=settings.evidence_dir,
        max_bytes=settings.evidence_max_bytes,
        record_id=record_id,
        platform=platform,
        subject_id=subject_id,
        evaluation_on=evaluation_on,
    )
    return views.read_objection(session, caller, obj.id)


@router.get("", response_model=ObjectionPage, summary="异议列表（可筛选逾期、即将到期、已督办）")
def list_objections(
    session: SessionDep,
    caller: Annotated[Caller, Depends(readers)],
    status_: Annotated[
        str | None, Query(alias="status", description="submitted、accepted、decided、withdrawn")
    ] = None,
    subject_id: DbId | None = None,
    record_id: DbId | None = None,
    overdue: Annotated[bool | None, Query(description="true：已过答复期限仍未办结")] = None,
    due_within: Annotated[int | None, Query(ge=0, le=60, description="N：N 个工作日内到期且未办结")] = None,
    escalated: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ObjectionPage:
    total, items = views.list_objections(
        session,
        caller,
        status=status_,
        subject_id=subject_id,
        record_id=record_id,
        overdue=overdue,
        due_within=due_within,
        escalated=escalated,
        limit=limit,
        offset=offset,
    )
    return ObjectionPage(total=total, items=items)


@router.post("/escalate", response_model=EscalationOut, summary="督办逾期异议（每日任务，亦可手动执行）")
def escalate(session: SessionDep, caller: Annotated[Caller, Depends(allow(Role.ADMIN))]) -> EscalationOut:
    return EscalationOut(escalated=objections.escalate_overdue(session, clock.today(), by=caller.label))


@router.get(
    "/{objection_id}", response_model=ObjectionOut, summary="异议详情（含答复期限 due_on、材料和处理经过）"
)
def read_objection(
    session: SessionDep, caller: Annotated[Caller, Depends(readers)], objection_id: DbId
) -> ObjectionOut:
    return views.read_objection(session, caller, objection_id)


@router.post(
    "/{objection_id}/evidence",
    response_model=list[EvidenceOut],
    status_code=status.HTTP_201_CREATED,
    summary="补充异议证明材料",
)
async def add_evidence(
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(subjects)],
    objection_id: DbId,
    files: Files,
) -> list[EvidenceOut]:
    uploads = await read_uploads(files, settings)
    rows = objections.add_evidence(
        session, caller, objection_id, uploads, settings.evidence_dir, settings.evidence_max_bytes
    )
    return [EvidenceOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/{objection_id}/evidence/{digest}", response_class=FileResponse, summary="下载异议证明材料")
def download_evidence(
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(readers)],
    objection_id: DbId,
    digest: str,
) -> FileResponse:
    views.read_objection(session, caller, objection_id)
    return evidence_file(session, settings, objections.CASE, objection_id, digest)


@router.post("/{objection_id}/accept", response_model=ObjectionOut, summary="受理异议")
def accept(
    session: SessionDep, caller: Annotated[Caller, Depends(deciders)], objection_id: DbId, data: ReasonIn
) -> ObjectionOut:
    objections.accept(session, caller, objection_id, data.reason)
    return views.read_objection(session, caller, objection_id)


@router.post(
    "/{objection_id}/decision",
    response_model=ObjectionOut,
    summary="作出异议处理决定（成立时更正或撤销记录，须持有他人批准的 credit_change 授权）",
    responses={
        403: {"description": "角色不符，或未持有经批准的 credit_change 授权"},
        409: {"description": "状态不允许（未受理、已办结或已撤回）"},
    },
)
def decide(
    session: SessionDep,
    cipher: CipherDep,
    caller: Annotated[Caller, Depends(deciders)],
    objection_id: DbId,
    data: ObjectionDecisionIn,
) -> ObjectionOut:
    remedy = None
    if data.remedy is not None:
        remedy = objections.Remedy(data.remedy.action, data.remedy.record_id, dict(data.remedy.changes))
    objections.decide(session, cipher, caller, objection_id, data.outcome, data.reason, remedy)
    return views.read_objection(session, caller, objection_id)


@router.post("/{objection_id}/withdraw", response_model=ObjectionOut, summary="撤回异议")
def withdraw(
    session: SessionDep, caller: Annotated[Caller, Depends(subjects)], objection_id: DbId, data: ReasonIn
) -> ObjectionOut:
    objections.withdraw(session, caller, objection_id, data.reason)
    return views.read_objection(session, caller, objection_id)
