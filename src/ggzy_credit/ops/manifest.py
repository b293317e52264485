"""The backup manifest (``manifest.json``): what a backup holds and how to check it before restoring.

A backup directory is complete exactly when its manifest exists: every other file is written first
and the manifest last (atomically), so an interrupted backup has no manifest and is refused.
The manifest records every file with its size and SHA-256, the database backend and schema, the
Alembic revision, row counts and the latest signed ledger head of the same snapshot, and the key
fingerprints the data depends on (never the keys themselves unless ``--include-secrets``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ggzy_credit.errors import DomainError
from ggzy_credit.ledger.tree_head import TreeHead, load_public_key

FORMAT = "ggzy-credit-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupError(DomainError):
    """A backup cannot be made or restored; ``message`` is for the operator (zh-CN); CLI exit 2."""

    code = "backup_refused"


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative, POSIX separators
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str
    app_version: str
    backend: str  # sqlite | postgresql
    schema: str | None  # PostgreSQL schema dumped (None for SQLite)
    alembic_revision: str | None
    files: list[FileEntry]
    row_counts: dict[str, int]
    ledger_tree_size: int
    ledger_head: dict[str, Any] | None  # TreeHead.to_json() of the latest signed head
    signing_key_id: str | None
    public_key_pem: str | None
    key_fingerprints: dict[str, str]  # secret file name -> fingerprint (not the key)
    secrets_included: bool = False
    database_file: str = ""
    notes: list[str] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {"format": data.pop("format"), "format_version": data.pop("format_version"), **data}

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """Parse strictly; ``BackupError`` naming the problem on anything unexpected."""
        if not isinstance(data, dict):
            raise BackupError("清单格式错误：应为 JSON 对象")
        if data.get("format") != FORMAT:
            raise BackupError(f"清单格式错误：format 应为 {FORMAT}")
        version = data.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise BackupError("清单格式错误：缺少 format_version")
        if version > FORMAT_VERSION:
            raise BackupError(
                f"备份格式版本 {version} 高于本程序支持的 {FORMAT_VERSION}：请用更新版本的 ggzy-credit 恢复"
            )
        try:
            files = [FileEntry(**f) for f in data["files"]]
            manifest = cls(**{**data, "files": files})
        except (KeyError, TypeError) as exc:
            raise BackupError(f"清单格式错误：{exc}") from None
        manifest._check_shape()
        return manifest

    def _check_shape(self) -> None:
        if self.backend not in ("sqlite", "postgresql"):
            raise BackupError(f"清单格式错误：未知的数据库类型 {self.backend!r}")
        for entry in self.files:
            if not safe_relative(entry.path):
                raise BackupError(f"清单格式错误：文件路径不安全 {entry.path!r}")
            if not isinstance(entry.size, int) or entry.size < 0 or not _SHA256.fullmatch(str(entry.sha256)):
                raise BackupError(f"清单格式错误：文件 {entry.path} 的大小或校验值无效")
        if self.database_file not in {f.path for f in self.files}:
            raise BackupError("清单格式错误：未列出数据库转储文件")
        if not isinstance(self.row_counts, dict) or not all(
            isinstance(v, int) for v in self.row_counts.values()
        ):
            raise BackupError("清单格式错误：row_counts 应为整数")
        if not isinstance(self.key_fingerprints, dict):
            raise BackupError("清单格式错误：key_fingerprints 应为对象")
        if self.ledger_head is not None:
            try:
                TreeHead.from_json(self.ledger_head)
            except (TypeError, ValueError) as exc:
                raise BackupError(f"清单格式错误：ledger_head {exc}") from None
        if self.public_key_pem is not None:
            try:
                load_public_key(str(self.public_key_pem).encode())
            except (TypeError, ValueError) as exc:
                raise BackupError(f"清单格式错误：public_key_pem {exc}") from None


def safe_relative(path: str) -> bool:
    """A plain relative path inside the backup directory (no ``..``, no absolute, no backslash)."""
    pure = PurePosixPath(path)
    return bool(path) and "\\" not in path and not pure.is_absolute() and ".." not in pure.parts


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(root: Path, path: Path) -> FileEntry:
    return FileEntry(path.relative_to(root).as_posix(), path.stat().st_size, sha256_file(path))


def key_fingerprint(secret: bytes) -> str:
    """Names a secret without revealing it: 16 hex digits of a domain-separated SHA-256."""
    return hashlib.sha256(b"ggzy-credit/key-fingerprint/v1\n" + secret).hexdigest()[:16]


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` atomically (temp file, fsync, rename): the backup's commit point."""
    path = directory / MANIFEST
    tmp = directory / f".{MANIFEST}.{os.getpid()}.tmp"
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    return path


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not directory.is_dir():
        raise BackupError(f"备份目录不存在：{directory}")
    if not path.is_file():
        raise BackupError(f"备份不完整：{directory} 中没有 {MANIFEST}（备份可能中途中断）")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"无法读取备份清单 {path}：{exc}") from None
    return Manifest.from_json(data)


def verify_files(directory: Path, manifest: Manifest) -> list[str]:
    """Every listed file present with its size and SHA-256; returns the problems (zh-CN), if any."""
    problems: list[str] = []
    for entry in manifest.files:
        path = directory / entry.path
        if not path.is_file():
            problems.append(f"缺少文件 {entry.path}")
        elif path.stat().st_size != entry.size:
            problems.append(
                f"文件 {entry.path} 大小不符（应为 {entry.size} 字节，实为 {path.stat().st_size}）"
            )
        elif sha256_file(path) != entry.sha256:
            problems.append(f"文件 {entry.path} 校验值（SHA-256）不符，文件已损坏或被改动")
    return problems
