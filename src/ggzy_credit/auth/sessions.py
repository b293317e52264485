"""Portal sessions and their CSRF tokens.

The session cookie (``ggzy_session``) is Secure, HttpOnly and SameSite=Lax and carries 256 random
bits; the table keeps only their SHA-256. Each session has a synchronizer CSRF token, also stored
hashed: it is handed to the browser in the login response and in the readable ``ggzy_csrf`` cookie,
and every unsafe request authenticated by the cookie must echo it in ``X-CSRF-Token``. Bearer-token
requests carry no ambient credential, so they need no CSRF token.

Sessions end after 30 idle minutes or 12 hours, whichever comes first, on logout, on a password
change and when an administrator locks the account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.accounts import caller_for_user
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.models import PortalSession, User
from ggzy_credit.errors import Forbidden, Unauthenticated

if TYPE_CHECKING:
    from starlette.responses import Response

SESSION_COOKIE = "ggzy_session"
CSRF_COOKIE = "ggzy_csrf"
CSRF_HEADER = "X-CSRF-Token"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
_TOUCH_EVERY = timedelta(minutes=1)


class CsrfFailed(Forbidden):
    code = "csrf"


@dataclass(frozen=True)
class NewSession:
    row: PortalSession
    cookie: str
    csrf: str

    def set_cookies(self, response: Response, *, secure: bool) -> None:
        """The session cookie (HttpOnly) and the readable CSRF cookie, both for the whole site."""
        max_age = int(ABSOLUTE.total_seconds())
        for name, value, httponly in ((SESSION_COOKIE, self.cookie, True), (CSRF_COOKIE, self.csrf, False)):
            response.set_cookie(
                name, value, max_age=max_age, path="/", secure=secure, httponly=httponly, samesite="lax"
            )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(session: Session, user: User, *, ip: str | None, user_agent: str | None) -> NewSession:
    now = clock.now()
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = PortalSession(
        token_hash=_digest(cookie),
        csrf_hash=_digest(csrf),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE,
        ip=(ip or "")[:64] or None,
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(row)
    session.flush()
    return NewSession(row, cookie, csrf)


def authenticate(session: Session, cookie: str, *, unsafe: bool, csrf: str | None) -> Caller:
    """The caller behind a session cookie; unsafe methods must present the session's CSRF token."""
    row = session.scalar(select(PortalSession).where(PortalSession.token_hash == _digest(cookie)))
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.last_seen_at + IDLE <= now:
        raise Unauthenticated("登录已失效，请重新登录")
    user = session.get(User, row.user_id)
    if user is None or user.locked_at is not None:
        raise Unauthenticated("登录已失效，请重新登录")
    if unsafe and not (csrf and hmac.compare_digest(_digest(csrf), row.csrf_hash)):
        raise CsrfFailed(f"缺少或错误的 CSRF 令牌：请在 {CSRF_HEADER} 头中提供登录时取得的令牌")
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
    return caller_for_user(session, user, session_id=row.id)


def end(session: Session, session_id: int) -> None:
    row = session.get(PortalSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
