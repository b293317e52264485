"""Evidence files of workflow cases, stored like record evidence: by SHA-256, type-checked by bytes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import FieldProblem, InvalidInput, NotFound
from ggzy_credit.records.evidence import detect_type, store_blob
from ggzy_credit.workflows.models import WorkflowEvidence

MAX_FILES = 10


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class _Checked:
    name: str
    content: bytes
    content_type: str


def check_uploads(uploads: Sequence[Upload], max_bytes: int, *, required: bool = True) -> list[_Checked]:
    """Validate every file before anything is stored; problems name ``files[i]``."""
    if required and not uploads:
        raise InvalidInput.field("files", "请附证明材料（至少一个文件）", "missing_evidence")
    if len(uploads) > MAX_FILES:
        raise InvalidInput.field("files", f"每次至多上传 {MAX_FILES} 个文件", "too_long")
    problems: list[FieldProblem] = []
    checked: list[_Checked] = []
    for i, upload in enumerate(uploads):
        loc = ("body", "files", i)
        name = Path(upload.filename or "").name
        if not name:
            problems.append(FieldProblem(loc, "缺少文件名", "missing"))
        elif not upload.content:
            problems.append(FieldProblem(loc, f"文件 {name} 为空", "empty"))
        elif len(upload.content) > max_bytes:
            problems.append(
                FieldProblem(loc, f"文件 {name} 超过大小上限 {max_bytes // (1024 * 1024)} MB", "too_large")
            )
        else:
            content_type = detect_type(name, upload.content[:16])
            if content_type is None:
                problems.append(
                    FieldProblem(
                        loc, f"文件 {name} 类型不支持（仅接受 PDF、OFD、PNG、JPEG、DOCX、XLSX）", "bad_type"
                    )
                )
            else:
                checked.append(_Checked(name[:255], upload.content, content_type))
    if problems:
        raise InvalidInput(problems)
    return checked


def attach(
    session: Session, root: Path, case_kind: str, case_id: int, files: Sequence[_Checked], uploaded_by: str
) -> list[WorkflowEvidence]:
    """Store checked files and link them to the case (a file already attached is not duplicated)."""
    existing = set(
        session.scalars(
            select(WorkflowEvidence.sha256).where(
                WorkflowEvidence.case_kind == case_kind, WorkflowEvidence.case_id == case_id
            )
        )
    )
    rows = []
    now = clock.now()
    for f in files:
        digest = store_blob(root, f.content)
        if digest in existing:
            continue
        existing.add(digest)
        rows.append(
            WorkflowEvidence(
                case_kind=case_kind,
                case_id=case_id,
                sha256=digest,
                filename=f.name,
                content_type=f.content_type,
                size=len(f.content),
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


def list_for(session: Session, case_kind: str, case_ids: Sequence[int]) -> dict[int, list[WorkflowEvidence]]:
    out: dict[int, list[WorkflowEvidence]] = {i: [] for i in case_ids}
    for start in range(0, len(case_ids), 500):
        for row in session.scalars(
            select(WorkflowEvidence)
            .where(
                WorkflowEvidence.case_kind == case_kind,
                WorkflowEvidence.case_id.in_(list(case_ids[start : start + 500])),
            )
            .order_by(WorkflowEvidence.id)
        ):
            out[row.case_id].append(row)
    return out


def find(session: Session, case_kind: str, case_id: int, sha256: str) -> WorkflowEvidence:
    row = session.scalar(
        select(WorkflowEvidence).where(
            WorkflowEvidence.case_kind == case_kind,
            WorkflowEvidence.case_id == case_id,
            WorkflowEvidence.sha256 == sha256.lower(),
        )
    )
    if row is None:
        raise NotFound("证明材料不存在")
    return row
