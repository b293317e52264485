"""Personal information at rest: AES-GCM encryption, keyed-hash blind index, masking.

Resident ID numbers and phone numbers are personal information (DESIGN §2 "Subjects"). They are
stored only encrypted; equality search uses an HMAC-SHA256 "blind index" of the normalised value
under a separate key, so the database alone reveals neither the value nor a dictionary-attackable
plain hash. Each ciphertext is bound to its column through AES-GCM associated data.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_NONCE = 12


class PiiCipher:
    def __init__(self, encryption_key: bytes, index_key: bytes) -> None:
        if len(encryption_key) != 32 or len(index_key) != 32:
            raise ValueError("PII keys must be 32 bytes")
        self._aead = AESGCM(encryption_key)
        self._index_key = index_key

    def encrypt(self, value: str, column: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, value.encode(), column.encode())

    def decrypt(self, blob: bytes, column: str) -> str:
        if blob[:1] != _VERSION:
            raise ValueError("unknown PII ciphertext version")
        nonce, ciphertext = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
        return self._aead.decrypt(nonce, ciphertext, column.encode()).decode()

    def blind_index(self, value: str, column: str) -> str:
        message = column.encode() + b"\x00" + value.strip().upper().encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """``310101199001011234`` → ``3101**********1234`` (first four, last four)."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``; other lengths keep the last four only."""
    digits = value.strip()
    if len(digits) == 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]
