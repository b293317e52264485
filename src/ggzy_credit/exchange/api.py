"""/api/v1/exchange and /api/v1/exports: sources, file imports and their reports, public bulk export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import func, select

from ggzy_credit.approvals import service as approvals
from ggzy_credit.audit import trail
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.db.engine import unit_of_work
from ggzy_credit.errors import InvalidInput, NotFound
from ggzy_credit.exchange import export
from ggzy_credit.exchange.models import ImportRun
from ggzy_credit.exchange.schemas import ImportReportOut, ImportRunOut, ImportRunPage, SourceOut
from ggzy_credit.exchange.service import import_bytes, registry_for
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, allow, public
from ggzy_credit.web.params import DbId, Offset

router = APIRouter(tags=["数据交换 exchange"])
importers = allow(Role.ADMIN, Role.RECORDER)
overseers = allow(Role.ADMIN, Role.RECORDER, Role.REGULATOR, nonpublic=False)
MAX_UPLOAD = 50 * 1024 * 1024


def _run_out(run: ImportRun) -> ImportRunOut:
    return ImportRunOut.model_validate(run, from_attributes=True)


@router.get(
    "/exchange/sources",
    response_model=list[SourceOut],
    summary="外部信用信息来源登记",
    dependencies=[Depends(overseers)],
)
def list_sources(settings: SettingsDep) -> list[SourceOut]:
    return [
        SourceOut(
            name=s.name,
            title=s.title,
            kind=s.kind.value,
            platform=s.platform,
            item=s.item,
            item_map=s.item_map,
            publicity=s.publicity,
            register_unknown=s.register_unknown,
        )
        for s in registry_for(settings).sources
    ]


@router.post(
    "/exchange/imports/{source}",
    response_model=ImportReportOut,
    status_code=status.HTTP_201_CREATED,
    summary="上传并导入一个文件（CSV、JSON Lines、XLSX）",
    responses={422: {"description": "文件格式错误：未导入任何数据，报告说明原因"}},
)
async def upload_import(
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    source: str,
    file: Annotated[UploadFile, File(description="导入文件")],
    caller: Annotated[Caller, Depends(importers)],
) -> ImportReportOut | JSONResponse:
    found = registry_for(settings).get(source)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput.field("file", f"文件超过 {MAX_UPLOAD // 1024 // 1024} MiB，请拆分或投递到交换目录")
    report = import_bytes(
        session, cipher, found, data, filename=file.filename or f"upload.{source}", run_by=caller.label
    )
    run = session.get(ImportRun, report.run_id)
    assert run is not None
    out = ImportReportOut.model_validate(run, from_attributes=True)
    if report.status == "failed":  # recorded (committed) as a failed run, answered as 422
        return JSONResponse(out.model_dump(mode="json") | {"code": "invalid"}, status_code=422)
    return out


@router.get(
    "/exchange/import-runs",
    response_model=ImportRunPage,
    summary="导入记录",
    dependencies=[Depends(overseers)],
)
def list_runs(
    session: SessionDep,
    source: Annotated[str | None, Query(max_length=40)] = None,
    run_status: Annotated[Literal["succeeded", "failed"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> ImportRunPage:
    query = select(ImportRun)
    if source:
        query = query.where(ImportRun.source == source)
    if run_status:
        query = query.where(ImportRun.status == run_status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ImportRun.id.desc()).limit(limit).offset(offset)).all()
    return ImportRunPage(total=total, items=[_run_out(r) for r in rows])


@router.get(
    "/exchange/import-runs/{run_id}",
    response_model=ImportReportOut,
    summary="导入报告（逐行结果）",
    dependencies=[Depends(overseers)],
)
def read_run(session: SessionDep, run_id: DbId) -> ImportReportOut:
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"导入记录 {run_id} 不存在")
    return ImportReportOut.model_validate(run, from_attributes=True)


@router.get(
    "/exports/public-records",
    summary="公开信用记录批量导出（JSON Lines 或 CSV）",
    dependencies=[Depends(public())],
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "数据流；截取点见 X-GGZY-Cut-At、X-GGZY-Max-Record-Id、"
            "X-GGZY-Ledger-Size、X-GGZY-Ledger-Head 响应头",
            "content": {"application/x-ndjson": {}, "text/csv": {}},
        }
    },
)
def export_public(
    request: Request, fmt: Annotated[Literal["jsonl", "csv"], Query(alias="format")] = "jsonl"
) -> StreamingResponse:
    sessions = request.app.state.sessions
    with unit_of_work(sessions) as session:
        at = export.cut(session)

    def stream() -> Iterator[bytes]:
        with unit_of_work(sessions) as session:
            yield from export.encode(export.rows(session, at), fmt)

    return StreamingResponse(
        stream(), media_type=_MEDIA[fmt], headers=_cut_headers(at, "public-credit-records", fmt)
    )


@router.get(
    "/exports/approved/{approval_id}",
    summary="经批准的非公开信用记录批量导出（JSON Lines 或 CSV）",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "数据流（JSON Lines 或 CSV）",
            "content": {"application/x-ndjson": {}, "text/csv": {}},
        },
        403: {"description": "没有本人经批准、未过期、未用完的批量导出授权"},
    },
)
def export_approved(
    request: Request,
    session: SessionDep,
    approval_id: DbId,
    caller: Annotated[Caller, Depends(allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR))],
    fmt: Annotated[Literal["jsonl", "csv"], Query(alias="format")] = "jsonl",
) -> StreamingResponse:
    """Every record of the subjects an approved ``bulk_export`` request names, for its requester only;
    each download uses the grant once and is in the audit trail with the subjects and the grant."""
    row = approvals.get(session, approval_id)
    if row.requested_by_principal != caller.principal or row.kind != approvals.Kind.BULK_EXPORT:
        raise NotFound(f"审批申请 {approval_id} 不存在")
    targets = approvals.targets_of(session, [approval_id]).get(approval_id, [])
    try:
        grant = approvals.require_grant(session, caller, approvals.Kind.BULK_EXPORT, targets)
        approvals.use_grant(session, grant)
    except approvals.ApprovalRequired as exc:
        trail.deny(session, exc.message)
        raise
    subject_ids = [t.id for t in targets]
    trail.note(session, subject_ids=subject_ids, grant_id=grant.id, purpose=row.purpose)
    at = export.cut(session)
    sessions = request.app.state.sessions

    def stream() -> Iterator[bytes]:
        with unit_of_work(sessions) as reader:
            yield from export.encode(
                export.rows(reader, at, subject_ids=subject_ids, platforms=caller.platforms),
                fmt,
                export.APPROVED_NAMES,
            )

    return StreamingResponse(
        stream(), media_type=_MEDIA[fmt], headers=_cut_headers(at, f"approved-{approval_id}", fmt)
    )


@router.get(
    "/exports/public-records/manifest",
    summary="公开导出的数据结构说明与当前截取点",
    dependencies=[Depends(public())],
)
def export_manifest(session: SessionDep) -> dict[str, object]:
    return export.cut(session).manifest()


_MEDIA = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def _cut_headers(at: export.Cut, name: str, fmt: str) -> dict[str, str]:
    headers = {
        "X-GGZY-Cut-At": at.cut_at.isoformat(),
        "X-GGZY-Max-Record-Id": str(at.max_record_id),
        "X-GGZY-Schema-Version": export.SCHEMA_VERSION,
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
    }
    if at.ledger_size is not None:
        headers["X-GGZY-Ledger-Size"] = str(at.ledger_size)
    if at.ledger_head is not None:
        headers["X-GGZY-Ledger-Head"] = f"{at.ledger_head['tree_size']}:{at.ledger_head['root_hash']}"
    return headers
