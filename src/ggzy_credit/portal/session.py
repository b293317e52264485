"""Who is signed in, for pages that do not require it (the header shows the account and logout).

Protected pages get their caller from the access guard (``allow``); public pages call
:func:`signed_in`, which reads the portal session cookie if there is one and never refuses.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from ggzy_credit.auth import sessions
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import DomainError

HOMES = {
    Role.SUBJECT: "/my",
    Role.ADMIN: "/staff",
    Role.RECORDER: "/staff",
    Role.REVIEWER: "/staff",
    Role.REGULATOR: "/regulator",
}


def signed_in(request: Request, session: Session) -> Caller | None:
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if not cookie:
        return None
    try:
        caller = sessions.authenticate(session, cookie, unsafe=False, csrf=None)
    except DomainError:
        return None
    request.state.portal_caller = caller
    return caller


def home_of(caller: Caller | None) -> str:
    return HOMES.get(caller.role, "/") if caller is not None else "/"


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: ``/x`` but never ``//host`` or ``/\\host`` (open redirects)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return fallback
