"""``ggzy-credit restore DIR``: check a backup completely, then put it in place and prove it intact.

Order: (1) the manifest and every file's size and SHA-256, the schema revision (a backup from a
newer schema is refused), the backend and the keys are checked before anything is touched;
(2) the data is restored — SQLite into a temp file beside the target, PostgreSQL with
``pg_restore --single-transaction``; (3) row counts must equal the manifest's, migrations run up to
head, ``ledger verify`` runs with the manifest's head pinned and the rebuilt root at that size
must equal the head's root. SQLite does (2)–(3) on the temp file and renames it over the target
only when all passed, so a failed restore leaves the target as it was; on PostgreSQL (3) runs after
the restore transaction committed and a failure is reported with a non-zero exit.
A non-empty target needs ``force`` (SQLite keeps the replaced file as ``<name>.pre-restore-<time>``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from ggzy_credit import clock
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import make_engine, make_sessionmaker, unit_of_work
from ggzy_credit.db.migrate import alembic_config, upgrade
from ggzy_credit.ledger import store
from ggzy_credit.ledger.keys import key_id
from ggzy_credit.ledger.tree_head import TreeHead, load_public_key
from ggzy_credit.ledger.verify import verify
from ggzy_credit.ops import keys, pgtools, snapshot
from ggzy_credit.ops.backup import EVIDENCE_SUBDIR
from ggzy_credit.ops.manifest import BackupError, Manifest, read_manifest, verify_files

SHOWN = 20


@dataclass
class LedgerCheck:
    ok: bool
    tree_size: int = 0
    rows_checked: int = 0
    heads_checked: int = 0
    root_matches: bool | None = None  # None: the backup had no signed head
    problems: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: Manifest
    target: str
    revision: str | None
    row_counts: dict[str, int]
    ledger: LedgerCheck
    evidence_restored: int = 0
    keys_installed: list[str] = field(default_factory=list)
    previous_kept: Path | None = None

    @property
    def ok(self) -> bool:
        return self.ledger.ok


def check_backup(directory: Path, settings: Settings) -> Manifest:
    """Everything that can be checked without touching the target; ``BackupError`` listing problems."""
    manifest = read_manifest(directory)
    problems = verify_files(directory, manifest)
    target = make_url(settings.database_url).get_backend_name()
    if manifest.backend != target:
        problems.append(f"备份来自 {manifest.backend} 数据库，目标为 {target}：请用同类数据库恢复")
    problems += _revision_problems(manifest.alembic_revision)
    if manifest.public_key_pem and key_id(load_public_key(manifest.public_key_pem.encode())) != (
        manifest.signing_key_id
    ):
        problems.append("清单中的公钥与其指纹不符")
    assert settings.secrets_dir is not None
    problems += keys.check(manifest, directory, settings.secrets_dir)
    if problems:
        raise BackupError("备份校验未通过，未做任何改动：\n  " + "\n  ".join(problems[:SHOWN]))
    return manifest


def _revision_problems(revision: str | None) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    known = {r.revision for r in script.walk_revisions()}
    if revision is None:
        return ["备份中没有数据库结构版本（alembic_version）"]
    if revision not in known:
        return [
            f"备份来自更新的数据库结构（版本 {revision}，本程序最高为 {script.get_current_head()}）："
            "请先升级 ggzy-credit 再恢复"
        ]
    return []


def restore(settings: Settings, directory: Path, *, force: bool = False) -> RestoreResult:
    manifest = check_backup(directory, settings)
    dump = directory / manifest.database_file
    if manifest.backend == "sqlite":
        result = _restore_sqlite(settings, manifest, dump, force)
    else:
        result = _restore_postgresql(settings, manifest, dump, force)
    assert settings.evidence_dir is not None and settings.secrets_dir is not None
    result.evidence_restored = _restore_evidence(manifest, directory, settings.evidence_dir)
    result.keys_installed = keys.install_missing(manifest, directory, settings.secrets_dir)
    return result


# -- SQLite --------------------------------------------------------------------------------------


def _restore_sqlite(settings: Settings, manifest: Manifest, dump: Path, force: bool) -> RestoreResult:
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        raise BackupError("GGZY_DATABASE_URL 未指向 SQLite 数据库文件")
    target = Path(database)
    if _sqlite_has_tables(target) and not force:
        raise BackupError(f"目标数据库 {target} 不为空：确认要用备份覆盖它时请加 --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.restore-{os.getpid()}.tmp")
    try:
        shutil.copyfile(dump, tmp)
        result = _check_restored(make_engine(f"sqlite:///{tmp}"), manifest, str(target), settings)
        _to_single_file(tmp)
        if not result.ok:
            raise BackupError(_ledger_failure(result.ledger))
        _fsync(tmp)
        result.previous_kept = _swap_in(tmp, target)
        return result
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)


def _sqlite_has_tables(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
    finally:
        conn.close()


def _to_single_file(path: Path) -> None:
    """Fold any WAL back into the file so that renaming the file alone moves all of it."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _swap_in(tmp: Path, target: Path) -> Path | None:
    """Atomically replace ``target`` by ``tmp``; the replaced file stays as a hard link (or copy)."""
    kept = None
    if target.exists():
        conn = sqlite3.connect(target, timeout=5)
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.close()
        if busy:
            raise BackupError(f"数据库 {target} 正被其他进程使用：请先停止 ggzy-credit serve 等进程再恢复")
        kept = target.with_name(f"{target.name}.pre-restore-{clock.now():%Y%m%d%H%M%S}")
        try:
            os.link(target, kept)
        except OSError:
            shutil.copy2(target, kept)
    os.replace(tmp, target)
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    _fsync(target.parent)
    return kept


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- PostgreSQL ----------------------------------------------------------------------------------


def _restore_postgresql(settings: Settings, manifest: Manifest, dump: Path, force: bool) -> RestoreResult:
    engine = make_engine(settings.database_url)
    try:
        schema = pgtools.schema_of(engine)
        if manifest.schema and schema != manifest.schema:
            raise BackupError(
                f"备份来自模式 {manifest.schema}，目标数据库连接使用模式 {schema}："
                "请在 GGZY_DATABASE_URL 中用 options=-csearch_path=" + manifest.schema + " 指定同名模式"
            )
        existing = _pg_tables(engine, schema)
        if existing and not force:
            raise BackupError(
                f"目标模式 {schema} 不为空（{len(existing)} 张表）：确认要用备份覆盖它时请加 --force"
            )
        extra = sorted(set(existing) - set(manifest.row_counts))
        if extra:
            raise BackupError(
                f"目标模式 {schema} 中有备份里没有的表（{', '.join(extra[:SHOWN])}），恢复会失败："
                "请先删除这些表或该模式，未做任何改动"
            )
    finally:
        engine.dispose()
    pgtools.restore(make_url(settings.database_url), dump)
    return _check_restored(make_engine(settings.database_url), manifest, f"{schema} @ {engine.url}", settings)


def _pg_tables(engine: Engine, schema: str) -> list[str]:
    query = text(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
    )
    with engine.connect() as conn:
        return list(conn.scalars(query, {"schema": schema}))


# -- shared: counts, migrations, ledger ----------------------------------------------------------


def _check_restored(engine: Engine, manifest: Manifest, target: str, settings: Settings) -> RestoreResult:
    try:
        with engine.connect() as conn:
            counts = snapshot.row_counts(conn)
        differ = [
            f"{name}：备份 {want} 行，恢复后 {counts.get(name)} 行"
            for name, want in sorted(manifest.row_counts.items())
            if counts.get(name) != want
        ]
        if differ:
            raise BackupError("恢复后的行数与清单不符：\n  " + "\n  ".join(differ[:SHOWN]))
        upgrade(engine)
        with engine.connect() as conn:
            revision = snapshot.alembic_revision(conn)
        ledger = _verify_ledger(engine, manifest, settings)
        return RestoreResult(manifest, target, revision, counts, ledger)
    finally:
        engine.dispose()


def _verify_ledger(engine: Engine, manifest: Manifest, settings: Settings) -> LedgerCheck:
    if manifest.public_key_pem:
        public = load_public_key(manifest.public_key_pem.encode())
    else:
        from ggzy_credit.ledger.keys import signing_key

        assert settings.secrets_dir is not None
        public = signing_key(settings.secrets_dir).public_key()
    head = TreeHead.from_json(manifest.ledger_head) if manifest.ledger_head else None
    url = engine.url.render_as_string(hide_password=False)
    with unit_of_work(make_sessionmaker(engine)) as session:
        report = verify(session, public, pinned=[head] if head else [], url=url)
        check = LedgerCheck(
            ok=report.ok,
            tree_size=report.tree_size,
            rows_checked=report.rows_checked,
            heads_checked=report.heads_checked,
            problems=[p.message for p in report.problems],
        )
        if report.tree_size < manifest.ledger_tree_size:
            check.ok = False
            check.problems.append(f"账本规模 {report.tree_size} 小于备份时的 {manifest.ledger_tree_size}")
        if head is not None:
            check.root_matches = head.tree_size <= report.tree_size and (
                store.root(session, head.tree_size) == head.root_hash
            )
            if not check.root_matches:
                check.ok = False
                check.problems.append(f"规模 {head.tree_size} 处的账本根哈希与清单中的签名树头不符")
    return check


def _ledger_failure(check: LedgerCheck) -> str:
    lines = "\n  ".join(check.problems[:SHOWN])
    return f"恢复出的数据未通过账本校验，目标数据库未被替换：\n  {lines}"


def _restore_evidence(manifest: Manifest, directory: Path, root: Path) -> int:
    """Copy evidence files the target lacks (content-addressed: an existing file is the same file)."""
    restored = 0
    prefix = EVIDENCE_SUBDIR + "/"
    for entry in manifest.files:
        if not entry.path.startswith(prefix):
            continue
        dest = root / entry.path[len(prefix) :]
        if dest.is_file() and dest.stat().st_size == entry.size:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        shutil.copyfile(directory / entry.path, tmp)
        os.replace(tmp, dest)
        restored += 1
    return restored
