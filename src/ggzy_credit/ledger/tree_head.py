"""Signed tree heads (STH) for the credit-event Merkle log, signed with Ed25519.

Byte format (version 1) — everything a third party needs to verify a head with
only ``hashlib`` and an Ed25519 implementation:

* ``root_hash`` is the RFC 9162 Merkle Tree Hash (SHA-256, leaf prefix 0x00,
  node prefix 0x01; see :mod:`ggzy_credit.ledger.merkle`) of the first
  ``tree_size`` log entries; ``tree_size`` and ``timestamp`` (milliseconds
  since the Unix epoch, UTC) are integers in ``[0, 2**53 - 1]``.
* The signed message is the ASCII prefix ``ggzy-credit/sth/v1`` and one line
  feed (0x0A), followed by the canonical JSON (RFC 8785, see
  :mod:`ggzy_credit.ledger.canonical`) of an object with exactly three
  members.  Because the keys sort as ``root_hash`` < ``timestamp`` <
  ``tree_size`` and there is no whitespace, the message is always::

      ggzy-credit/sth/v1\\n{"root_hash":"<64 lower-case hex>","timestamp":<decimal>,"tree_size":<decimal>}

  with integers in plain decimal (no sign, no leading zeros, no exponent) —
  for example::

      ggzy-credit/sth/v1\\n{"root_hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","timestamp":1700000000000,"tree_size":0}

  The message is all ASCII, so its UTF-8 and ASCII encodings coincide.
* ``signature`` is the 64-byte Ed25519 signature (RFC 8032, pure Ed25519, no
  pre-hash, no context) of that message.

The JSON form (:meth:`TreeHead.to_json`) is::

    {"tree_size": <int>, "root_hash": "<64 lower-case hex>", "timestamp": <int>,
     "signature": "<standard base64 with padding, RFC 4648 §4, of 64 bytes>"}

so the signed message is also exactly ``b"ggzy-credit/sth/v1\\n"`` followed by the
canonical JSON of that object with ``"signature"`` removed.

Keys are exchanged as PEM: private keys as unencrypted (or password-encrypted)
PKCS#8, public keys as SubjectPublicKeyInfo.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ggzy_credit.ledger.canonical import MAX_SAFE_INTEGER, canonical_json
from ggzy_credit.ledger.merkle import HASH_SIZE

__all__ = [
    "SIGNATURE_SIZE",
    "STH_PREFIX",
    "TreeHead",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_pem",
    "sign_head",
    "tree_head_message",
    "verify_head",
]

STH_PREFIX = b"ggzy-credit/sth/v1\n"
SIGNATURE_SIZE = 64

_HEX_ROOT = re.compile(r"[0-9a-f]{64}")
_JSON_KEYS = frozenset({"tree_size", "root_hash", "timestamp", "signature"})


def _check_uint(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not 0 <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"{name} must be between 0 and 2**53 - 1, got {value}")
    return value


def _check_root(root_hash: object) -> bytes:
    if not isinstance(root_hash, bytes | bytearray | memoryview):
        raise TypeError(f"root_hash must be bytes, got {type(root_hash).__name__}")
    root_hash = bytes(root_hash)
    if len(root_hash) != HASH_SIZE:
        raise ValueError(f"root_hash must be {HASH_SIZE} bytes, got {len(root_hash)}")
    return root_hash


def tree_head_message(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The exact bytes that are signed for a tree head (see the module docstring)."""
    body = {
        "tree_size": _check_uint("tree_size", tree_size),
        "root_hash": _check_root(root_hash).hex(),
        "timestamp": _check_uint("timestamp_ms", timestamp_ms),
    }
    return STH_PREFIX + canonical_json(body)


@dataclass(frozen=True)
class TreeHead:
    """A signed statement that the log had ``tree_size`` entries with root ``root_hash``."""

    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    signature: bytes

    def message(self) -> bytes:
        """The signed bytes for this head."""
        return tree_head_message(self.tree_size, self.root_hash, self.timestamp_ms)

    def to_json(self) -> dict[str, Any]:
        """``{"tree_size", "root_hash" (hex), "timestamp" (ms), "signature" (base64)}``."""
        return {
            "tree_size": self.tree_size,
            "root_hash": bytes(self.root_hash).hex(),
            "timestamp": self.timestamp_ms,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeHead:
        """Parse :meth:`to_json` output strictly; ``ValueError``/``TypeError`` on anything else.

        Parsing does not verify the signature: call :func:`verify_head`.
        """
        if not isinstance(data, dict):
            raise TypeError(f"tree head JSON must be an object, got {type(data).__name__}")
        keys = set(data)
        if keys != _JSON_KEYS:
            missing = sorted(_JSON_KEYS - keys)
            extra = sorted(str(k) for k in keys - _JSON_KEYS)
            raise ValueError(f"tree head JSON has missing keys {missing} / unexpected keys {extra}")
        tree_size = _check_uint("tree_size", data["tree_size"])
        timestamp_ms = _check_uint("timestamp", data["timestamp"])
        root_hex = data["root_hash"]
        if not isinstance(root_hex, str) or not _HEX_ROOT.fullmatch(root_hex):
            raise ValueError("root_hash must be 64 lower-case hex digits")
        signature_b64 = data["signature"]
        if not isinstance(signature_b64, str):
            raise TypeError("signature must be a base64 string")
        try:
            signature = base64.b64decode(signature_b64.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("signature is not valid base64") from None
        if len(signature) != SIGNATURE_SIZE or base64.b64encode(signature).decode("ascii") != signature_b64:
            raise ValueError(f"signature must be the canonical base64 of {SIGNATURE_SIZE} bytes")
        return cls(
            tree_size=tree_size,
            root_hash=bytes.fromhex(root_hex),
            timestamp_ms=timestamp_ms,
            signature=signature,
        )


def sign_head(private_key: Ed25519PrivateKey, size: int, root: bytes, timestamp_ms: int) -> TreeHead:
    """Sign the tree head ``(size, root, timestamp_ms)``."""
    message = tree_head_message(size, root, timestamp_ms)
    return TreeHead(
        tree_size=size,
        root_hash=bytes(root),
        timestamp_ms=timestamp_ms,
        signature=private_key.sign(message),
    )


def verify_head(public_key: Ed25519PublicKey, head: TreeHead) -> bool:
    """True iff ``head.signature`` is a valid signature of ``head``'s fields by ``public_key``.

    Malformed heads (wrong types, sizes out of range, root or signature of the
    wrong length) are reported as ``False``, never raised.
    """
    try:
        message = head.message()
    except (TypeError, ValueError):
        return False
    signature = head.signature
    if not isinstance(signature, bytes | bytearray) or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        public_key.verify(bytes(signature), message)
    except InvalidSignature:
        return False
    return True


def generate_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM; encrypted with the best available scheme when ``password`` is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=encryption,
    )


def load_private_key(pem: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM Ed25519 private key; ``TypeError`` if it is another key type."""
    key = serialization.load_pem_private_key(pem, password=password)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def public_key_pem(pub: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM of an Ed25519 public key."""
    return pub.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """Load a SubjectPublicKeyInfo PEM Ed25519 public key; ``TypeError`` if it is another key type."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key
