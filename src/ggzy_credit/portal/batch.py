"""Batch upload: row-by-row checking of an uploaded file, the same rules as ``records import``.

Rows that fail to parse are marked first; the rest go through ``ingest``, which checks every row
before writing any. When it refuses, the problems are attached to their rows and the remaining rows
are tried again, until a set passes — so the report names every bad row, not just the first.
Nothing is written unless every row is good, or the uploader asked to skip invalid rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ggzy_credit.auth.caller import Caller
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.files import Row
from ggzy_credit.records.ingest import ingest

CHUNK = 1000
MAX_REPORTED = 500


@dataclass
class BatchReport:
    total: int = 0
    created: int = 0
    existing: int = 0
    written: bool = False
    bad: list[Row] = field(default_factory=list)

    @property
    def problems(self) -> list[tuple[int, str, str]]:
        """(line, field, message) for the first rows in error."""
        out = []
        for row in self.bad[:MAX_REPORTED]:
            out += [(row.line, f, m) for f, m in row.errors or []]
        return out


def import_rows(
    session: Session, cipher: PiiCipher, rows: list[Row], caller: Caller, *, skip_invalid: bool
) -> BatchReport:
    report = BatchReport(total=len(rows))
    for row in rows:
        platform = getattr(row.record, "platform", None)
        if platform and not caller.sees_platform(platform):
            row.errors = [*(row.errors or []), ("platform", "超出本账号授权的平台范围")]
    for start in range(0, len(rows), CHUNK):
        chunk = [r for r in rows[start : start + CHUNK] if not r.errors]
        while chunk:
            try:  # ingest checks every row before it writes: a refusal leaves nothing behind
                outcomes = ingest(session, cipher, [r.record for r in chunk], caller.label)  # type: ignore[misc]
            except (InvalidInput, Conflict) as exc:
                _mark(chunk, exc)
                chunk = [r for r in chunk if not r.errors]
                continue
            report.created += sum(o.created for o in outcomes)
            report.existing += sum(not o.created for o in outcomes)
            break
    report.bad = [r for r in rows if r.errors]
    report.written = bool(report.created or report.existing) and (skip_invalid or not report.bad)
    if not report.written:
        report.created = report.existing = 0
    return report


def _mark(chunk: list[Row], exc: InvalidInput | Conflict) -> None:
    problems = exc.problems if isinstance(exc, InvalidInput) else exc.extra.get("problems", [])
    marked = False
    for p in problems:
        loc = p.loc if hasattr(p, "loc") else tuple(p["loc"])
        msg = p.msg if hasattr(p, "msg") else p["msg"]
        index, name = loc[-2], loc[-1]
        if isinstance(index, int) and 0 <= index < len(chunk):
            row = chunk[index]
            row.errors = [*(row.errors or []), (str(name), msg)]
            marked = True
    if not marked:  # a refusal naming no row: fail the whole chunk rather than loop for ever
        for row in chunk:
            row.errors = [*(row.errors or []), ("line", exc.message)]
