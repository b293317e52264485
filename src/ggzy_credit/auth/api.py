"""/api/v1/auth: portal login and logout, who am I, password change, self-rotation of a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from ggzy_credit.auth import accounts, sessions
from ggzy_credit.auth.admin_api import router as admin_router
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.login import attempt
from ggzy_credit.auth.ratelimit import Limiter, Rate
from ggzy_credit.auth.roles import ALL_ROLES
from ggzy_credit.auth.schemas import CallerOut, LoginIn, LoginOut, PasswordIn, RotateIn, TokenCreated
from ggzy_credit.auth.tokens import rotate_token
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import unit_of_work
from ggzy_credit.errors import InvalidInput
from ggzy_credit.web.deps import CipherDep, SessionDep, SettingsDep, allow, public

__all__ = ["admin_router", "auth_router", "limiter"]

auth_router = APIRouter(prefix="/auth", tags=["登录 auth"])
anyone = allow(*ALL_ROLES, nonpublic=False)
CallerDep = Annotated[Caller, Depends(anyone)]


def limiter(settings: Settings) -> Limiter:
    def rate(per_minute: int) -> Rate:
        return Rate(per_minute=per_minute, burst=max(1, per_minute))

    return Limiter(
        {
            "login": rate(settings.rate_login_per_minute),
            "search": rate(settings.rate_search_per_minute),
            "public": rate(settings.rate_public_per_minute),
        }
    )


def caller_out(caller: Caller) -> CallerOut:
    return CallerOut(
        name=caller.name,
        role=caller.role,
        organisation=caller.organisation,
        user_id=caller.user_id,
        subject_ids=sorted(caller.subject_ids),
        platforms=sorted(caller.platforms) if caller.platforms else None,
        scopes=sorted(caller.scopes) if caller.scopes else None,
        via="session" if caller.via_session else "token",
    )


@auth_router.post(
    "/login",
    response_model=LoginOut,
    dependencies=[Depends(public(rate="login", audit=False))],
    summary="门户登录（用户名、密码、动态口令）",
    responses={
        401: {"description": "用户名、密码或动态口令错误"},
        429: {"description": "失败次数过多或请求过于频繁"},
    },
)
def login(
    request: Request, response: Response, data: LoginIn, cipher: CipherDep, settings: SettingsDep
) -> LoginOut:
    ip = request.client.host if request.client else None
    # Its own transaction: a failed attempt's counter and audit line must be committed, then refused.
    with unit_of_work(request.app.state.sessions) as session:
        result = attempt(
            session,
            cipher,
            data.username,
            data.password,
            data.totp,
            ip=ip,
            user_agent=request.headers.get("user-agent"),
        )
        if result.error is None:
            assert result.user is not None and result.started is not None
            caller = accounts.caller_for_user(session, result.user, session_id=result.started.row.id)
            out = LoginOut(
                caller=caller_out(caller),
                csrf_token=result.started.csrf,
                expires_at=result.started.row.expires_at,
            )
    if result.error is not None:
        raise result.error
    assert result.started is not None
    result.started.set_cookies(response, secure=settings.cookie_secure)
    return out


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="退出登录")
def logout(session: SessionDep, caller: CallerDep, response: Response) -> Response:
    if caller.session_id is not None:
        sessions.end(session, caller.session_id)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    response.delete_cookie(sessions.CSRF_COOKIE, path="/")
    return response


@auth_router.get("/me", response_model=CallerOut, summary="当前调用方")
def me(caller: CallerDep) -> CallerOut:
    return caller_out(caller)


@auth_router.post(
    "/password", status_code=status.HTTP_204_NO_CONTENT, summary="修改本人密码（所有会话随之失效）"
)
def change_password(session: SessionDep, caller: CallerDep, data: PasswordIn, response: Response) -> Response:
    if caller.user_id is None:
        raise InvalidInput.field("current_password", "系统令牌没有密码")
    user = accounts.get_user(session, caller.user_id)
    accounts.set_password(session, user, data.new_password, current=data.current_password)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    response.delete_cookie(sessions.CSRF_COOKIE, path="/")
    return response


@auth_router.post(
    "/token/rotate",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="轮换调用方自身的令牌（旧令牌在宽限期后失效）",
)
def rotate_own_token(session: SessionDep, caller: CallerDep, data: RotateIn) -> TokenCreated:
    if caller.token_id is None:
        raise InvalidInput.field("token", "门户会话没有令牌可轮换")
    from ggzy_credit.auth.admin_api import token_out

    row, secret = rotate_token(session, caller.token_id, grace_hours=data.grace_hours)
    return TokenCreated(**token_out(row).model_dump(), token=secret)
