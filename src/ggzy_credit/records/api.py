"""/api/v1/records: same-day credit records, single and batch, with evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Response, UploadFile, status
from fastapi.responses import FileResponse

from ggzy_credit.audit import trail
from ggzy_credit.auth.roles import ALL_ROLES, Role
from ggzy_credit.auth.tokens import Caller
from ggzy_credit.errors import InvalidInput
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.records import evidence as evidence_store
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.queries import get_record
from ggzy_credit.records.schemas import BatchIn, BatchOut, BatchRowOut, EvidenceOut, RecordIn, RecordOut
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, allow
from ggzy_credit.web.params import DbId

router = APIRouter(tags=["信用记录 records"])

writers = allow(Role.ADMIN, Role.RECORDER)
readers = allow(*ALL_ROLES)
# Evidence files: a market-entity account sees only those of its own subjects' records.
evidence_readers = allow(*ALL_ROLES, own=Role.SUBJECT)


@router.post(
    "/records",
    response_model=RecordOut,
    status_code=status.HTTP_201_CREATED,
    summary="记录一条市场信用信息",
    responses={
        200: {"description": "幂等重放：已存在的同一记录"},
        409: {"description": "编号已存在且内容不同"},
    },
)
def create_record(
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    data: RecordIn,
    response: Response,
    caller: Annotated[Caller, Depends(writers)],
) -> RecordOut:
    [outcome] = ingest(session, cipher, [data], caller.label, loc_prefix=("body",), with_index=False)
    trail.note(session, record_ids=[outcome.id])
    ledger.sign_if_grown(session, signing_key(settings.secrets_dir))  # type: ignore[arg-type]
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return get_record(session, outcome.id)


@router.post(
    "/records/batch",
    response_model=BatchOut,
    status_code=status.HTTP_201_CREATED,
    summary="批量记录（至多 1000 条，全部成功或全部不写入）",
    responses={
        409: {"description": "有记录与已有记录冲突，整批未写入"},
        422: {"description": "逐行字段错误"},
    },
)
def create_batch(
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    data: BatchIn,
    caller: Annotated[Caller, Depends(writers)],
) -> BatchOut:
    if len(data.records) > settings.batch_max_records:
        raise InvalidInput.field(
            "records", f"每批至多 {settings.batch_max_records} 条，本批 {len(data.records)} 条", "too_long"
        )
    outcomes = ingest(session, cipher, data.records, caller.label)
    trail.note(session, record_ids=[o.id for o in outcomes])
    ledger.sign_if_grown(session, signing_key(settings.secrets_dir))  # type: ignore[arg-type]
    created = sum(o.created for o in outcomes)
    return BatchOut(
        created=created,
        existing=len(outcomes) - created,
        results=[
            BatchRowOut(
                index=o.index, id=o.id, points=o.points, status="created" if o.created else "existing"
            )
            for o in outcomes
        ],
    )


@router.get(
    "/records/{record_id}", response_model=RecordOut, dependencies=[Depends(readers)], summary="信用记录详情"
)
def read_record(session: SessionDep, record_id: DbId) -> RecordOut:
    return get_record(session, record_id)


@router.post(
    "/records/{record_id}/evidence",
    response_model=EvidenceOut,
    status_code=status.HTTP_201_CREATED,
    summary="上传证据材料",
)
async def upload_evidence(
    session: SessionDep,
    settings: SettingsDep,
    record_id: DbId,
    file: Annotated[UploadFile, File(description="PDF、OFD、PNG、JPEG、DOCX 或 XLSX")],
    caller: Annotated[Caller, Depends(writers)],
) -> EvidenceOut:
    content = await file.read(settings.evidence_max_bytes + 1)
    assert settings.evidence_dir is not None
    row = evidence_store.attach(
        session,
        settings.evidence_dir,
        record_id,
        file.filename or "",
        content,
        caller.label,
        settings.evidence_max_bytes,
    )
    return EvidenceOut.model_validate(row, from_attributes=True)


@router.get(
    "/records/{record_id}/evidence",
    response_model=list[EvidenceOut],
    dependencies=[Depends(evidence_readers)],
    summary="记录的证据材料",
)
def list_evidence(session: SessionDep, record_id: DbId) -> list[EvidenceOut]:
    get_record(session, record_id)
    return [
        EvidenceOut.model_validate(e, from_attributes=True)
        for e in evidence_store.list_for(session, record_id)
    ]


@router.get(
    "/evidence/{sha256}",
    dependencies=[Depends(evidence_readers)],
    summary="下载证据文件",
    response_class=FileResponse,
)
def download_evidence(session: SessionDep, settings: SettingsDep, sha256: str) -> FileResponse:
    row = evidence_store.find(session, sha256)
    assert settings.evidence_dir is not None
    return FileResponse(
        evidence_store.blob_path(settings.evidence_dir, row.sha256),
        media_type=row.content_type,
        filename=row.filename,
    )
