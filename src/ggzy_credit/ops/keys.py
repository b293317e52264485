"""Keys and backups: by default a backup records key fingerprints, never the keys.

The PII keys decrypt identity numbers and the signing key signs ledger heads; a backup that held
them would let anyone who reads the backup medium decrypt it. So keys are kept apart (the centre
stores the secrets directory separately, offline) and the manifest only names them by fingerprint;
restore refuses to put data in place under keys that cannot read it. ``--include-secrets`` copies
them into the backup for centres that protect the backup medium itself.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ggzy_credit.ledger.keys import SIGNING_KEY
from ggzy_credit.ops.manifest import Manifest, key_fingerprint
from ggzy_credit.pii.keys import INDEX_KEY, PII_KEY

KEY_FILES = (PII_KEY, INDEX_KEY, SIGNING_KEY)
SECRETS_SUBDIR = "secrets"


def fingerprints(secrets_dir: Path) -> dict[str, str]:
    return {
        name: key_fingerprint((secrets_dir / name).read_bytes())
        for name in KEY_FILES
        if (secrets_dir / name).is_file()
    }


def copy_into(secrets_dir: Path, backup_dir: Path) -> list[Path]:
    target = backup_dir / SECRETS_SUBDIR
    target.mkdir(mode=0o700)
    copied = []
    for name in KEY_FILES:
        if (secrets_dir / name).is_file():
            shutil.copyfile(secrets_dir / name, target / name)
            os.chmod(target / name, 0o600)
            copied.append(target / name)
    return copied


def check(manifest: Manifest, backup_dir: Path, secrets_dir: Path) -> list[str]:
    """Problems (zh-CN) that make the backup's data unreadable with the target's keys."""
    problems = []
    for name, expected in sorted(manifest.key_fingerprints.items()):
        path = secrets_dir / name
        if path.is_file():
            if key_fingerprint(path.read_bytes()) != expected:
                problems.append(
                    f"密钥 {path} 与备份时使用的密钥不同（指纹应为 {expected}）："
                    "请换回原密钥文件，否则恢复后的数据无法解密或校验"
                )
        elif not (manifest.secrets_included and (backup_dir / SECRETS_SUBDIR / name).is_file()):
            problems.append(f"缺少密钥文件 {path}：请先从单独保管处复制原密钥文件（指纹 {expected}）")
    return problems


def install_missing(manifest: Manifest, backup_dir: Path, secrets_dir: Path) -> list[str]:
    """Copy keys shipped in the backup that the target lacks (never replaces an existing key)."""
    if not manifest.secrets_included:
        return []
    secrets_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    installed = []
    for name in sorted(manifest.key_fingerprints):
        source, target = backup_dir / SECRETS_SUBDIR / name, secrets_dir / name
        if target.exists() or not source.is_file():
            continue
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(source.read_bytes())
        installed.append(name)
    return installed
