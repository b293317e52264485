"""Key files in the secrets directory, created by ``ggzy-credit init`` with mode 0600."""

from __future__ import annotations

import os
from pathlib import Path

from ggzy_credit.pii.cipher import PiiCipher

PII_KEY = "pii-encryption.key"
INDEX_KEY = "pii-blind-index.key"


def ensure_secret(secrets_dir: Path, name: str, make: bytes | None = None) -> bytes:
    """Read a secret file, creating it (0600, directory 0700) with ``make`` or 32 random bytes."""
    secrets_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    path = secrets_dir / name
    if not path.exists():
        data = make if make is not None else os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return path.read_bytes()


def read_secret(secrets_dir: Path, name: str) -> bytes:
    path = secrets_dir / name
    if not path.exists():
        raise FileNotFoundError(f"密钥文件不存在：{path}（请先运行 ggzy-credit init）")
    return path.read_bytes()


def pii_cipher(secrets_dir: Path, create: bool = False) -> PiiCipher:
    get = ensure_secret if create else read_secret
    return PiiCipher(get(secrets_dir, PII_KEY), get(secrets_dir, INDEX_KEY))
