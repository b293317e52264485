"""Bearer tokens: random, shown once, stored as SHA-256 (they carry 256 bits, so no slow hash).

Tokens are scoped (``scopes``: what they may do, ``platforms``: whose data), expiring, revocable and
rotatable (a rotation issues a new token and lets the old one live for a grace period, so a system
client can switch without downtime). A token bound to a user acts as that user.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.models import ApiToken, User
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import InvalidInput, NotFound, Unauthenticated
from ggzy_credit.subjects.models import Subject

__all__ = ["PREFIX", "Caller", "authenticate", "create_token", "hash_token", "revoke_token", "rotate_token"]

PREFIX = "ggzy_"
MAX_GRACE_HOURS = 24 * 7
# "*", "read", "write", or "<resource>:<read|write|*>" where resource is the first path segment
# after /api/v1 (subjects, records, evidence, ledger, approvals, audit, …).
_SCOPE = re.compile(r"^(\*|read|write|[a-z][a-z0-9_-]{0,39}:(read|write|\*))$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_scopes(scopes: Iterable[str] | None) -> list[str] | None:
    if scopes is None:
        return None
    out = sorted({s.strip() for s in scopes if s.strip()})
    for scope in out:
        if not _SCOPE.match(scope):
            raise InvalidInput.field(
                "scopes", f"权限范围 {scope} 格式错误（应为 read、write 或 资源:read|write|*）"
            )
    return out or None


def check_platforms(session: Session, platforms: Iterable[str] | None) -> list[str] | None:
    from ggzy_credit.standards.models import Platform

    if platforms is None:
        return None
    wanted = sorted({p.strip() for p in platforms if p.strip()})
    if not wanted:
        return None
    known = set(session.scalars(select(Platform.code).where(Platform.code.in_(wanted))))
    for code in wanted:
        if code not in known:
            raise InvalidInput.field("platforms", f"平台代码 {code} 不存在")
    return wanted


def create_token(
    session: Session,
    role: Role,
    name: str,
    *,
    subject_id: int | None = None,
    valid_days: int | None = None,
    scopes: Iterable[str] | None = None,
    platforms: Iterable[str] | None = None,
    organisation: str | None = None,
    user_id: int | None = None,
    rotated_from_id: int | None = None,
) -> tuple[ApiToken, str]:
    if not name.strip():
        raise InvalidInput.field("name", "令牌名称不能为空")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None:
            raise InvalidInput.field("user", f"用户 {user_id} 不存在")
        role = Role(user.role)
    elif role is Role.SUBJECT and subject_id is None:
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
        scopes=check_scopes(scopes),
        platforms=check_platforms(session, platforms),
        organisation=(organisation or "").strip() or None,
        user_id=user_id,
        rotated_from_id=rotated_from_id,
    )
    session.add(row)
    session.flush()
    return row, secret


def authenticate(session: Session, token: str) -> Caller:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = clock.now()
    if row is None or row.revoked_at is not None or (row.expires_at and aware(row.expires_at) <= now):
        raise Unauthenticated("令牌无效、已过期或已吊销")
    scopes = frozenset(row.scopes) if row.scopes else None
    if row.user_id is not None:
        from ggzy_credit.auth.accounts import caller_for_user

        user = session.get(User, row.user_id)
        if user is None or user.locked_at is not None:
            raise Unauthenticated("令牌无效、已过期或已吊销")
        return caller_for_user(session, user, token_id=row.id, scopes=scopes)
    return Caller(
        token_id=row.id,
        name=row.name,
        role=Role(row.role),
        subject_id=row.subject_id,
        organisation=row.organisation,
        platforms=frozenset(row.platforms) if row.platforms else None,
        scopes=scopes,
    )


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"令牌 {token_id} 不存在")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    return row


def rotate_token(session: Session, token_id: int, *, grace_hours: int = 24) -> tuple[ApiToken, str]:
    """A new token with the same role, scope and remaining lifetime; the old one expires after the grace."""
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise InvalidInput.field("grace_hours", f"宽限期应在 0 至 {MAX_GRACE_HOURS} 小时之间")
    old = session.get(ApiToken, token_id)
    now = clock.now()
    if old is None:
        raise NotFound(f"令牌 {token_id} 不存在")
    if old.revoked_at is not None or (old.expires_at and aware(old.expires_at) <= now):
        raise InvalidInput.field("token_id", "已吊销或已过期的令牌不能轮换")
    valid_days = None
    if old.expires_at is not None:
        valid_days = max(1, (aware(old.expires_at) - aware(old.created_at)).days)
    new, secret = create_token(
        session,
        Role(old.role),
        old.name,
        subject_id=old.subject_id,
        valid_days=valid_days,
        scopes=old.scopes,
        platforms=old.platforms,
        organisation=old.organisation,
        user_id=old.user_id,
        rotated_from_id=old.id,
    )
    cutoff = now + timedelta(hours=grace_hours)
    if old.expires_at is None or aware(old.expires_at) > cutoff:
        old.expires_at = cutoff
    return new, secret


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=clock.CHINA)
