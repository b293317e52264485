"""The drop folder: ``$GGZY_DROP_DIR/<source>/`` files are imported on schedule.

Layout per source: files dropped into ``<source>/`` are claimed by an atomic rename into
``<source>/processing/`` (so two workers never import one file), imported in one transaction, and
moved to ``<source>/done/`` or — when the file was malformed or the import failed —
``<source>/failed/``, each as ``<timestamp>-<run id>-<name>`` with ``….report.json`` beside it.
Writers should drop a file under a temporary name (``.part``/``.tmp`` suffix or a leading dot) and
rename it when complete: such names are left alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ggzy_credit import clock
from ggzy_credit.db.engine import unit_of_work
from ggzy_credit.exchange.formats import Problem
from ggzy_credit.exchange.report import ImportReport, save_run
from ggzy_credit.exchange.service import import_bytes
from ggzy_credit.exchange.sources import Registry, Source
from ggzy_credit.pii.cipher import PiiCipher

log = logging.getLogger("ggzy_credit.exchange")
PARTIAL = (".part", ".tmp", ".partial", ".crdownload")
SUBDIRS = ("processing", "done", "failed")


@dataclass
class Processed:
    source: str
    file: Path  # where the file ended up (done/ or failed/)
    report: Path
    status: str
    summary: str


def ensure_dirs(drop_dir: Path, registry: Registry) -> None:
    for source in registry.sources:
        for sub in SUBDIRS:
            (drop_dir / source.name / sub).mkdir(parents=True, exist_ok=True)


def pending_files(drop_dir: Path, source: Source) -> list[Path]:
    inbox = drop_dir / source.name
    if not inbox.is_dir():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().endswith(PARTIAL)
    )


def process_drop_folder(
    sessions: sessionmaker[Session], cipher: PiiCipher, drop_dir: Path, registry: Registry
) -> list[Processed]:
    """Import every complete file waiting in every source's folder; one transaction per file."""
    ensure_dirs(drop_dir, registry)
    out: list[Processed] = []
    for source in registry.sources:
        for path in pending_files(drop_dir, source):
            claimed = drop_dir / source.name / "processing" / path.name
            try:
                os.rename(path, claimed)
            except FileNotFoundError:
                continue  # another worker claimed it
            out.append(_process(sessions, cipher, drop_dir, source, claimed))
    return out


def _process(
    sessions: sessionmaker[Session], cipher: PiiCipher, drop_dir: Path, source: Source, claimed: Path
) -> Processed:
    data = claimed.read_bytes()
    try:
        with unit_of_work(sessions) as session:
            report = import_bytes(
                session, cipher, source, data, filename=claimed.name, run_by=f"watch:{source.name}"
            )
    except OperationalError:
        # The database is unavailable: put the file back for the next run rather than fail it.
        os.rename(claimed, drop_dir / source.name / claimed.name)
        raise
    except Exception as exc:  # any other failure: the file goes to failed/ with the reason, nothing imported
        log.exception("import of %s for %s failed", claimed.name, source.name)
        report = _crashed(sessions, source, claimed.name, data, exc)
    target_dir = drop_dir / source.name / ("done" if report.status == "succeeded" else "failed")
    stamp = f"{clock.now():%Y%m%dT%H%M%S}-{report.run_id or 0}-"
    target = target_dir / (stamp + claimed.name)
    os.rename(claimed, target)
    report_path = report.write_json(target.with_name(target.name + ".report.json"))
    return Processed(source.name, target, report_path, report.status, report.summary())


def _crashed(
    sessions: sessionmaker[Session], source: Source, filename: str, data: bytes, exc: Exception
) -> ImportReport:
    report = ImportReport(
        source=source.name,
        filename=filename,
        format=Path(filename).suffix.lstrip(".")[:8],
        file_sha256=hashlib.sha256(data).hexdigest(),
        run_by=f"watch:{source.name}",
        started_at=clock.now(),
    )
    report.fail([Problem(None, None, f"导入时发生内部错误（{exc.__class__.__name__}），未导入任何数据")])
    with unit_of_work(sessions) as session:
        save_run(session, report)
    return report
