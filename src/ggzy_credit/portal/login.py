"""Login and logout pages: a plain form, errors next to the field, the same rules as the API login.

The password check, lockout, audit and session come from ``auth.login.attempt`` in a transaction of
their own, as in ``POST /api/v1/auth/login``: a failed attempt's counter must be committed while the
attempt is refused. The login form carries a double-submit token (cookie + hidden field) so another
site cannot sign a visitor in to an account of its choosing (login CSRF).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ggzy_credit.auth import accounts, sessions
from ggzy_credit.auth.login import TotpRequired, attempt
from ggzy_credit.db.engine import unit_of_work
from ggzy_credit.errors import RateLimited
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.portal.session import home_of, safe_next, signed_in
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, public

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
LOGIN_COOKIE = "ggzy_login_csrf"


def _form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
    message: str | None = None,
    token: str | None = None,
) -> HTMLResponse:
    token = token or secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        {"values": values, "errors": errors, "message": message, "login_token": token},
        title=tr(request).gettext("登录"),
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
    )
    return response


@router.get("/login", response_class=HTMLResponse, dependencies=[Depends(public())], summary="门户登录页")
def login_form(
    request: Request, session: SessionDep, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    caller = signed_in(request, session)
    if caller is not None:
        return RedirectResponse(safe_next(next, home_of(caller)), status_code=303)
    return _form(request, {"next": next or ""}, {})


@router.post(
    "/login", response_class=HTMLResponse, dependencies=[Depends(public(rate="login"))], summary="门户登录"
)
def login_submit(
    request: Request,
    cipher: CipherDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    totp: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    login_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    _ = tr(request).gettext
    values = {"username": username.strip(), "next": next, "totp": ""}
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = _("请输入用户名")
    if not password:
        errors["password"] = _("请输入密码")
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not (expected and hmac.compare_digest(expected, login_token)):
        return _form(request, values, errors, status_code=403, message=_("登录表单已过期，请重新输入后提交"))
    if errors:
        return _form(request, values, errors, status_code=422)
    ip = request.client.host if request.client else None
    with unit_of_work(request.app.state.sessions) as session:
        result = attempt(
            session,
            cipher,
            username,
            password,
            totp.strip() or None,
            ip=ip,
            user_agent=request.headers.get("user-agent"),
        )
        caller = None
        if result.error is None:
            assert result.user is not None and result.started is not None
            caller = accounts.caller_for_user(session, result.user, session_id=result.started.row.id)
    if result.error is not None:
        if isinstance(result.error, TotpRequired):
            errors["totp"] = result.error.message
        elif isinstance(result.error, RateLimited):
            return _form(request, values, errors, status_code=429, message=result.error.message)
        else:
            errors["password"] = result.error.message
        return _form(request, values, errors, status_code=401)
    assert result.started is not None
    response = RedirectResponse(safe_next(next, home_of(caller)), status_code=303)
    result.started.set_cookies(response, secure=settings.cookie_secure)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[Depends(public(rate=None))], summary="退出门户登录")
def logout(request: Request, session: SessionDep) -> Response:
    """End the session if there is one; an expired session simply lands on the home page."""
    caller = signed_in(request, session)
    if caller is not None:
        # The session is ended only with its CSRF token: a cross-site form cannot sign anyone out.
        token = request.headers.get(sessions.CSRF_HEADER)
        cookie = request.cookies.get(sessions.SESSION_COOKIE, "")
        sessions.authenticate(session, cookie, unsafe=True, csrf=token)
        if caller.session_id is not None:
            sessions.end(session, caller.session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    response.delete_cookie(sessions.CSRF_COOKIE, path="/")
    return response
