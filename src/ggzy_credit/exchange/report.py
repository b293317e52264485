"""The import report: every row's outcome with reasons, the totals, and the run row that keeps it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.exchange.formats import Problem
from ggzy_credit.exchange.models import ImportRun

# Row outcomes. ``matched`` is orthogonal: whether the row's subject was already registered.
CREATED = "created"  # a new credit record (or bid submission) was written
DUPLICATE = "duplicate"  # already recorded with the same content (same source id)
RETIRED = "retired"  # an entry recorded earlier left public display because the source says so
SKIPPED = "skipped"  # nothing to do: e.g. an entry past its publicity period that was never imported
REJECTED = "rejected"  # not imported; ``reasons`` say why
COUNTED = (CREATED, DUPLICATE, RETIRED, SKIPPED, REJECTED)


@dataclass
class RowOutcome:
    line: int
    key: str | None
    outcome: str = REJECTED
    matched: bool = False
    subject_id: int | None = None
    subject_created: bool = False
    record_id: int | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "key": self.key,
            "outcome": self.outcome,
            "matched": self.matched,
            "subject_id": self.subject_id,
            "subject_created": self.subject_created,
            "record_id": self.record_id,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
        }

    def reject(self, problems: list[Problem]) -> None:
        self.outcome = REJECTED
        self.reasons.extend({"field": p.field, "message": p.message} for p in problems)


@dataclass
class ImportReport:
    source: str
    filename: str
    format: str
    file_sha256: str
    run_by: str
    started_at: datetime
    status: str = "succeeded"  # succeeded | failed (the file was malformed: nothing imported)
    finished_at: datetime | None = None
    file_errors: list[dict[str, Any]] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    run_id: int | None = None

    def fail(self, problems: list[Problem]) -> None:
        self.status = "failed"
        self.file_errors.extend(p.as_dict() for p in problems)
        self.rows = []

    def counts(self) -> dict[str, int]:
        out = {name: sum(r.outcome == name for r in self.rows) for name in COUNTED}
        out["rows"] = len(self.rows)
        out["matched"] = sum(r.matched for r in self.rows)
        out["subjects_created"] = sum(r.subject_created for r in self.rows)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "filename": self.filename,
            "format": self.format,
            "file_sha256": self.file_sha256,
            "status": self.status,
            "run_by": self.run_by,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "counts": self.counts(),
            "file_errors": self.file_errors,
            "rows": [r.as_dict() for r in self.rows],
        }

    def summary(self) -> str:
        c = self.counts()
        if self.status == "failed":
            return f"文件格式错误，未导入任何数据（{len(self.file_errors)} 处错误）"
        return (
            f"共 {c['rows']} 行：匹配已登记主体 {c['matched']}，新增 {c['created']}（其中新登记主体 "
            f"{c['subjects_created']}），重复 {c['duplicate']}，停止公示 {c['retired']}，"
            f"跳过 {c['skipped']}，拒收 {c['rejected']}"
        )

    def write_json(self, path: Path) -> Path:
        path.write_text(
            json.dumps(self.as_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        return path


def save_run(session: Session, report: ImportReport) -> ImportRun:
    """Keep the report in ``import_runs`` (in the caller's transaction); call again to update it.

    The first call (at the start of an import) gives the run its id, which imported rows point at.
    """
    run = session.get(ImportRun, report.run_id) if report.run_id is not None else None
    if run is None:
        run = ImportRun(
            source=report.source,
            filename=report.filename[:255],
            file_sha256=report.file_sha256,
            format=report.format,
            started_at=report.started_at,
            run_by=report.run_by,
        )
        session.add(run)
    run.status = report.status
    run.finished_at = report.finished_at or clock.now()
    for name, value in report.counts().items():
        setattr(run, name, value)
    session.flush()
    report.run_id = run.id
    run.report = report.as_dict()  # JSON-ready: plain values, timestamps as ISO strings
    session.flush()
    return run
