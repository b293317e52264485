"""Passwords: argon2id hashes (argon2-cffi) and the password policy.

Policy (Shanghai art. 18 "口令保护"): at least 10 characters, at least three of the four classes
(lower case, upper case, digits, other), and not the user name (nor containing it, for names of four
or more characters). The upper bound of 128 characters bounds the hashing work an attacker can ask for.
"""

from __future__ import annotations

import os
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ggzy_credit.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 128


def _hasher_from_environment() -> PasswordHasher:
    """argon2id; default cost is RFC 9106's low-memory profile (t=3, m=64 MiB, p=4). Deployments tune it
    with ``GGZY_ARGON2_TIME_COST`` / ``GGZY_ARGON2_MEMORY_KIB`` / ``GGZY_ARGON2_PARALLELISM`` (the test
    suite lowers it); stored hashes carry their own parameters and are upgraded at the next login."""
    env = os.environ
    return PasswordHasher(
        time_cost=int(env.get("GGZY_ARGON2_TIME_COST", "3")),
        memory_cost=int(env.get("GGZY_ARGON2_MEMORY_KIB", "65536")),
        parallelism=int(env.get("GGZY_ARGON2_PARALLELISM", "4")),
    )


_hasher = _hasher_from_environment()
# Verified against when the user name is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("ggzy-credit dummy password 0")


def check_policy(password: str, username: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput.field(field, f"密码至少 {MIN_LENGTH} 位", "password_too_short")
    if len(password) > MAX_LENGTH:
        raise InvalidInput.field(field, f"密码至多 {MAX_LENGTH} 位", "password_too_long")
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or c in string.punctuation for c in password),
    ]
    if sum(classes) < 3:
        raise InvalidInput.field(
            field, "密码须包含小写字母、大写字母、数字、符号中的至少三类", "password_too_weak"
        )
    name = username.strip().lower()
    if name and (password.lower() == name or (len(name) >= 4 and name in password.lower())):
        raise InvalidInput.field(field, "密码不能与用户名相同或包含用户名", "password_contains_username")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check: an unknown user (``password_hash`` None) still costs one argon2 verify."""
    try:
        return (
            _hasher.verify(password_hash or _DUMMY_HASH, password[:MAX_LENGTH]) and password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
