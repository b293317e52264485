"""Time-based one-time passwords (RFC 6238) with ``cryptography``'s TOTP: 6 digits, 30 s, SHA-1.

Those parameters are what authenticator apps accept by default. A code is accepted for the current
step and one step either side (clock drift); a step that was already used is refused (replay).
"""

from __future__ import annotations

import base64
import os
from urllib.parse import quote

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from ggzy_credit import clock

DIGITS = 6
STEP = 30
ISSUER = "ggzy-credit"


def new_secret() -> bytes:
    return os.urandom(20)


def _totp(secret: bytes) -> TOTP:
    return TOTP(secret, DIGITS, SHA1(), STEP, enforce_key_length=False)


def base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode().rstrip("=")


def provisioning_uri(secret: bytes, account: str) -> str:
    return (
        f"otpauth://totp/{quote(ISSUER)}:{quote(account)}?secret={base32(secret)}&issuer={quote(ISSUER)}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP}"
    )


def code_at(secret: bytes, when: float) -> str:
    return _totp(secret).generate(int(when)).decode()


def accepted_step(secret: bytes, code: str, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (now ±1 step), or None when wrong or already used."""
    code = code.strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = int(clock.now().timestamp())
    totp = _totp(secret)
    for offset in (0, -1, 1):
        at = now + offset * STEP
        try:
            totp.verify(code.encode(), at)
        except InvalidToken:
            continue
        step = at // STEP
        if last_step is not None and step <= last_step:
            return None
        return step
    return None
