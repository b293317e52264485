"""Helpers shared by the workflow routers: reading uploads, serving case evidence."""

from __future__ import annotations

from fastapi import UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from ggzy_credit.config import Settings
from ggzy_credit.records.evidence import blob_path
from ggzy_credit.workflows import evidence as files


async def read_uploads(uploads: list[UploadFile] | None, settings: Settings) -> list[files.Upload]:
    """Read at most the size limit + 1 byte of each file (the service reports what is too large)."""
    out = []
    for upload in uploads or []:
        content = await upload.read(settings.evidence_max_bytes + 1)
        out.append(files.Upload(upload.filename or "", content))
    return out


def evidence_file(
    session: Session, settings: Settings, case_kind: str, case_id: int, digest: str
) -> FileResponse:
    row = files.find(session, case_kind, case_id, digest)
    assert settings.evidence_dir is not None
    return FileResponse(
        blob_path(settings.evidence_dir, row.sha256), media_type=row.content_type, filename=row.filename
    )
