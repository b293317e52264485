"""Evidence files: content-addressed by SHA-256, size-limited, type-checked by their bytes.

The declared content type is not trusted: the file's magic bytes decide, and only documents a
centre actually receives as evidence are accepted (PDF, OFD, images, Office documents).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput, NotFound
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.sources import EVIDENCE, EVIDENCE_ATTACHED
from ggzy_credit.records.models import CreditRecord, Evidence

_ZIP_TYPES = {
    ".ofd": "application/ofd",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def detect_type(filename: str, head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _ZIP_TYPES.get(Path(filename).suffix.lower())
    return None


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store_blob(root: Path, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    path = blob_path(root, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    return digest


def attach(
    session: Session,
    root: Path,
    record_id: int,
    filename: str,
    content: bytes,
    uploaded_by: str,
    max_bytes: int,
) -> Evidence:
    if session.get(CreditRecord, record_id) is None:
        raise NotFound(f"信用记录 {record_id} 不存在")
    name = Path(filename or "").name
    if not name:
        raise InvalidInput.field("file", "缺少文件名")
    if not content:
        raise InvalidInput.field("file", "文件为空")
    if len(content) > max_bytes:
        raise InvalidInput.field("file", f"文件超过大小上限 {max_bytes // (1024 * 1024)} MB", "too_large")
    content_type = detect_type(name, content[:16])
    if content_type is None:
        raise InvalidInput.field(
            "file", "不支持的文件类型（仅接受 PDF、OFD、PNG、JPEG、DOCX、XLSX）", "bad_type"
        )
    digest = store_blob(root, content)
    existing = session.scalar(
        select(Evidence).where(Evidence.record_id == record_id, Evidence.sha256 == digest)
    )
    if existing is not None:
        return existing
    evidence = Evidence(
        record_id=record_id,
        sha256=digest,
        filename=name[:255],
        content_type=content_type,
        size=len(content),
        uploaded_by=uploaded_by,
        uploaded_at=clock.now(),
    )
    session.add(evidence)
    session.flush()
    ledger.log_rows(session, EVIDENCE_ATTACHED, EVIDENCE, [evidence.id])
    return evidence


def list_for(session: Session, record_id: int) -> Sequence[Evidence]:
    return session.scalars(
        select(Evidence).where(Evidence.record_id == record_id).order_by(Evidence.id)
    ).all()


def find(session: Session, sha256: str) -> Evidence:
    evidence = session.scalar(select(Evidence).where(Evidence.sha256 == sha256.lower()).limit(1))
    if evidence is None:
        raise NotFound("证据文件不存在")
    return evidence
