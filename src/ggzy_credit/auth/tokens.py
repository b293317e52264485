"""Bearer tokens: random, shown once, stored as SHA-256 (they carry 256 bits, so no slow hash)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.models import ApiToken
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import InvalidInput, Unauthenticated
from ggzy_credit.subjects.models import Subject

PREFIX = "ggzy_"


@dataclass(frozen=True)
class Caller:
    """Who is calling: enough to authorise and to write an audit line."""

    token_id: int
    name: str
    role: Role
    subject_id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.name}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    role: Role,
    name: str,
    *,
    subject_id: int | None = None,
    valid_days: int | None = None,
) -> tuple[ApiToken, str]:
    if not name.strip():
        raise InvalidInput.field("name", "令牌名称不能为空")
    if role is Role.SUBJECT and subject_id is None:
        raise InvalidInput.field("subject_id", "经营主体令牌必须指定主体")
    if subject_id is not None and session.get(Subject, subject_id) is None:
        raise InvalidInput.field("subject_id", f"经营主体 {subject_id} 不存在")
    if valid_days is not None and valid_days < 1:
        raise InvalidInput.field("valid_days", "有效天数必须为正整数")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(
        name=name.strip(),
        role=role.value,
        prefix=secret[: len(PREFIX) + 6],
        token_hash=hash_token(secret),
        subject_id=subject_id,
        created_at=now,
        expires_at=now + timedelta(days=valid_days) if valid_days else None,
    )
    session.add(row)
    session.flush()
    return row, secret


def authenticate(session: Session, token: str) -> Caller:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = clock.now()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        raise Unauthenticated("令牌无效、已过期或已吊销")
    return Caller(token_id=row.id, name=row.name, role=Role(row.role), subject_id=row.subject_id)


def revoke_token(session: Session, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise InvalidInput.field("token_id", f"令牌 {token_id} 不存在")
    row.revoked_at = clock.now()
