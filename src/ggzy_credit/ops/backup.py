"""``ggzy-credit backup DIR``: a consistent copy of the database, the evidence files and a manifest.

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while
  the server keeps running; the copy is switched to rollback-journal mode so it is one file.
* PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the manifest's counts and ledger
  head are read in it and ``pg_dump --format=custom --snapshot`` dumps exactly that state.
* Evidence files are content-addressed and written before the rows that name them commit, so
  copying them after the database snapshot covers every file the snapshot refers to.
* The manifest is written last: a backup without one is incomplete and restore refuses it.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from ggzy_credit import __version__, clock
from ggzy_credit.config import Settings
from ggzy_credit.ledger.keys import key_id, public_pem, signing_key
from ggzy_credit.ops import keys, pgtools, snapshot
from ggzy_credit.ops.manifest import BackupError, Manifest, file_entry, write_manifest

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
EVIDENCE_SUBDIR = "evidence"
_BLOB = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    manifest: Manifest
    evidence_files: int
    bytes_written: int


def backup(
    settings: Settings, engine: Engine, directory: Path, *, include_secrets: bool = False
) -> BackupResult:
    _prepare(directory)
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        name, schema, snap = SQLITE_FILE, None, _sqlite_copy(engine, directory / SQLITE_FILE)
    elif backend == "postgresql":
        name, schema = PG_FILE, pgtools.schema_of(engine)
        snap = _pg_dump(engine, schema, directory / PG_FILE)
    else:
        raise BackupError(f"不支持的数据库类型：{backend}")
    files = [directory / name]
    assert settings.evidence_dir is not None and settings.secrets_dir is not None
    blobs = _copy_evidence(settings.evidence_dir, directory / EVIDENCE_SUBDIR)
    files += blobs
    if include_secrets:
        files += keys.copy_into(settings.secrets_dir, directory)
    _seal(files)
    manifest = Manifest(
        created_at=clock.now().isoformat(timespec="seconds"),
        app_version=__version__,
        backend=backend,
        schema=schema,
        alembic_revision=snap.alembic_revision,
        files=[file_entry(directory, f) for f in files],
        row_counts=snap.row_counts,
        ledger_tree_size=snap.ledger_tree_size,
        ledger_head=snap.ledger_head,
        signing_key_id=None,
        public_key_pem=None,
        key_fingerprints=keys.fingerprints(settings.secrets_dir),
        secrets_included=include_secrets,
        database_file=name,
    )
    try:
        key = signing_key(settings.secrets_dir)
        manifest.signing_key_id, manifest.public_key_pem = key_id(key), public_pem(key)
    except FileNotFoundError:
        manifest.notes.append("备份时没有账本签名密钥")
    write_manifest(directory, manifest)
    written = sum(f.size for f in manifest.files)
    return BackupResult(directory, manifest, len(blobs), written)


def _prepare(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"备份目录 {directory} 已存在且不为空：请为每次备份使用新的空目录")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)


def _sqlite_copy(engine: Engine, target: Path) -> snapshot.Snapshot:
    source = make_url(engine.url).database
    if not source or source == ":memory:" or not Path(source).is_file():
        raise BackupError(f"SQLite 数据库文件不存在：{source}")
    src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one step: a consistent snapshot even while the server writes
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()
    reader = create_engine(f"sqlite:///file:{target.resolve()}?mode=ro&uri=true")
    try:
        with reader.connect() as conn:
            return snapshot.take(conn)
    finally:
        reader.dispose()


def _pg_dump(engine: Engine, schema: str, target: Path) -> snapshot.Snapshot:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        exported = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        snap = snapshot.take(conn)
        pgtools.dump(engine.url, schema, exported, target)  # the snapshot lives while we hold it
    return snap


def evidence_blobs(root: Path) -> Iterator[Path]:
    """Stored evidence files (``aa/bb/<sha256>``); temp files of interrupted uploads are skipped."""
    if not root.is_dir():
        return
    for path in sorted(root.glob("??/??/*")):
        if path.is_file() and _BLOB.fullmatch(path.name) and path.parent.parent.name == path.name[:2]:
            yield path


def _copy_evidence(source: Path, target: Path) -> list[Path]:
    copied = []
    for blob in evidence_blobs(source):
        dest = target / blob.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(blob, dest)
        copied.append(dest)
    return copied


def _seal(paths: list[Path]) -> None:
    """Owner-only (the data holds encrypted personal information) and on disk before the manifest."""
    for path in paths:
        os.chmod(path, 0o600)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
