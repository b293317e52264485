"""Import use case: one file for one source → rows written, a report, and an ``import_runs`` row.

The caller owns the transaction. A malformed file (or a misconfigured source) writes nothing but
the failed run; otherwise accepted rows are written and rejected rows are listed with reasons.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.config import Settings
from ggzy_credit.exchange.bids import import_bids
from ggzy_credit.exchange.entries import import_entries
from ggzy_credit.exchange.formats import FORMATS, Problem, detect_format, read_table
from ggzy_credit.exchange.report import ImportReport, save_run
from ggzy_credit.exchange.rows import BID_COLUMNS, ENTRY_COLUMNS
from ggzy_credit.exchange.sources import Registry, Source, SourceKind, load_registry
from ggzy_credit.pii.cipher import PiiCipher


def registry_for(settings: Settings) -> Registry:
    return load_registry(settings.exchange_sources)


def import_bytes(
    session: Session,
    cipher: PiiCipher,
    source: Source,
    data: bytes,
    *,
    filename: str,
    fmt: str | None = None,
    run_by: str,
) -> ImportReport:
    """Import ``data`` (the content of ``filename``) for ``source``; returns the report."""
    detected = detect_format(Path(filename), fmt)
    report = ImportReport(
        source=source.name,
        filename=filename,
        format=detected or (fmt or Path(filename).suffix.lstrip(".") or "?")[:8],
        file_sha256=hashlib.sha256(data).hexdigest(),
        run_by=run_by,
        started_at=clock.now(),
    )
    if detected is None:
        known = "、".join(sorted(FORMATS))
        report.fail(
            [Problem(None, None, f"无法识别的文件格式“{Path(filename).suffix or fmt}”：请使用 {known}")]
        )
        save_run(session, report)
        return report
    columns = BID_COLUMNS if source.kind is SourceKind.BID_METADATA else ENTRY_COLUMNS
    table = read_table(data, detected, columns)
    if not table.ok:
        report.fail(table.problems)
        save_run(session, report)
        return report
    save_run(session, report)  # the run's id: imported rows point at it
    if source.kind is SourceKind.BID_METADATA:
        import_bids(session, cipher, source, table, report)
    else:
        import_entries(session, cipher, source, table, report)
    report.finished_at = clock.now()
    save_run(session, report)
    return report


def import_path(
    session: Session, cipher: PiiCipher, source: Source, path: Path, *, fmt: str | None = None, run_by: str
) -> ImportReport:
    return import_bytes(
        session, cipher, source, path.read_bytes(), filename=path.name, fmt=fmt, run_by=run_by
    )
