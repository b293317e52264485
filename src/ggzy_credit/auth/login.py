"""Password (+ TOTP) login with per-name lockout and exponential back-off.

Five failed attempts for one user name lock it for one minute; every further failure doubles the
wait, up to an hour. Failures are counted per user name whether or not the account exists, and an
unknown name costs one argon2 verification like a known one, so neither the answer, the lockout
nor the timing tells an attacker which names exist. A day without failures clears the count.

``attempt`` never raises for a failed login: it returns the error for the caller to raise *after*
committing, because the failure counter and the audit line must survive the failed request.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.audit import trail
from ggzy_credit.auth import passwords, sessions, totp
from ggzy_credit.auth.accounts import normalise_username, totp_secret
from ggzy_credit.auth.models import LoginThrottle, User
from ggzy_credit.errors import DomainError, RateLimited, Unauthenticated
from ggzy_credit.pii.cipher import PiiCipher

FREE_ATTEMPTS = 5
FIRST_LOCK = timedelta(minutes=1)
MAX_LOCK = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)
ACTION = "POST /api/v1/auth/login"


class LoginFailed(Unauthenticated):
    code = "login_failed"


class TotpRequired(Unauthenticated):
    code = "totp_required"


@dataclass
class Attempt:
    user: User | None = None
    started: sessions.NewSession | None = None
    error: DomainError | None = None


def throttle_key(username: str) -> str:
    return hashlib.sha256(b"login\x00" + normalise_username(username).encode()).hexdigest()


def lock_for(failures: int) -> timedelta:
    """How long a name is locked after ``failures`` consecutive failures (0 below the threshold)."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(MAX_LOCK, FIRST_LOCK * 2 ** (failures - FREE_ATTEMPTS))


def attempt(
    session: Session,
    cipher: PiiCipher,
    username: str,
    password: str,
    code: str | None,
    *,
    ip: str | None,
    user_agent: str | None,
) -> Attempt:
    name = normalise_username(username)[:64]
    now = clock.now()
    throttle = session.get(LoginThrottle, throttle_key(name))
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        wait = math.ceil((throttle.locked_until - now).total_seconds())
        _audit(session, "login_locked", name, None, ip)
        return Attempt(error=RateLimited(f"登录失败次数过多，请 {wait} 秒后再试", wait))
    user = session.scalar(select(User).where(User.username == name))
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.locked_at is not None:
        return _failed(session, throttle, name, user, ip, now)
    secret = totp_secret(cipher, user)
    if secret is not None:
        if not code:
            return Attempt(error=TotpRequired("请输入动态口令（身份验证器中的 6 位数字）"))
        step = totp.accepted_step(secret, code, user.totp_last_step)
        if step is None:
            return _failed(session, throttle, name, user, ip, now)
        user.totp_last_step = step
    if throttle is not None:
        session.delete(throttle)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    started = sessions.start(session, user, ip=ip, user_agent=user_agent)
    _audit(session, "login", name, user, ip)
    return Attempt(user=user, started=started)


def _failed(
    session: Session, throttle: LoginThrottle | None, name: str, user: User | None, ip: str | None, now
) -> Attempt:  # type: ignore[no-untyped-def]
    if throttle is None:
        throttle = LoginThrottle(key=throttle_key(name), failures=0)
        session.add(throttle)
    elif throttle.last_failure_at is not None and now - throttle.last_failure_at > FORGET_AFTER:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failure_at = now
    wait = lock_for(throttle.failures)
    throttle.locked_until = now + wait if wait else None
    _audit(session, "login_failed", name, user, ip)
    return Attempt(error=LoginFailed("用户名、密码或动态口令错误"))


def _audit(session: Session, kind: str, name: str, user: User | None, ip: str | None) -> None:
    trail.queue(
        session,
        trail.line(
            kind=kind,
            action=ACTION,
            actor=f"{user.role}:{name}" if user else f"?:{name}",
            principal=f"user:{user.id}" if user else "anonymous",
            role=user.role if user else None,
            organisation=user.organisation if user else None,
            ip=ip,
        ),
    )
