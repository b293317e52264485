"""The log's Ed25519 signing key: PKCS#8 PEM, 0600, in the secrets directory (``ggzy-credit init``)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ggzy_credit.ledger.tree_head import generate_key, load_private_key, private_key_pem, public_key_pem
from ggzy_credit.pii.keys import ensure_secret, read_secret

SIGNING_KEY = "ledger-signing-ed25519.pem"


def ensure_signing_key(secrets_dir: Path) -> Ed25519PrivateKey:
    """Create the key on first use (``init``); never replaces an existing one."""
    if not (secrets_dir / SIGNING_KEY).exists():
        ensure_secret(secrets_dir, SIGNING_KEY, private_key_pem(generate_key()))
    return signing_key(secrets_dir)


def signing_key(secrets_dir: Path) -> Ed25519PrivateKey:
    """The private key; ``FileNotFoundError`` (naming ``ggzy-credit init``) when it was never made."""
    path = secrets_dir / SIGNING_KEY
    return _load(str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=8)
def _load(path: str, _mtime: int) -> Ed25519PrivateKey:
    return load_private_key(read_secret(Path(path).parent, Path(path).name))


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public_key_pem(public).decode("ascii")


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw 32-byte public key: names the key in heads."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
