"""Request dependencies: a transaction per request, the caller, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import Caller, authenticate
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import unit_of_work
from ggzy_credit.errors import Forbidden, Unauthenticated
from ggzy_credit.pii.cipher import PiiCipher

_bearer = HTTPBearer(auto_error=False, description="`ggzy-credit token create` 生成的令牌")


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the handler returns, rolled back if it raises."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


def get_cipher(request: Request) -> PiiCipher:
    return request.app.state.cipher  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


SessionDep = Annotated[Session, Depends(get_session)]
CipherDep = Annotated[PiiCipher, Depends(get_cipher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def allow(*roles: Role) -> Callable[..., Caller]:
    """A dependency admitting callers with one of ``roles`` (401 without a valid token, 403 otherwise)."""
    allowed = frozenset(roles)

    def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Caller:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("需要登录：请在 Authorization 头中提供 Bearer 令牌")
        with unit_of_work(request.app.state.sessions) as session:
            caller = authenticate(session, credentials.credentials)
        if caller.role not in allowed:
            raise Forbidden("当前角色无权执行此操作")
        request.state.caller = caller
        return caller

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency
