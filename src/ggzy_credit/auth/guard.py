"""Enforcing route policies — the one place every request's access is decided and audited.

For each request: per-IP rate limit, authentication (bearer token, or portal session cookie with
its CSRF token on unsafe methods), role, token scope, own-data and platform restrictions on the
subject or record the request names, the regulator's declared purpose, and then one audit line
queued on the request's transaction (written when it commits, together with the request's writes).
Refusals (403) are audited too, in their own small transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from ggzy_credit.audit import trail
from ggzy_credit.auth import sessions, targets, tokens
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.policy import SAFE_METHODS, Policy
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import FieldProblem, Forbidden, InvalidInput, Unauthenticated
from ggzy_credit.web.deps import SessionDep

PURPOSE_ROLES = frozenset({Role.REGULATOR})
MAX_PURPOSE = 200
_bearer = HTTPBearer(auto_error=False, description="`ggzy-credit token create` 生成的令牌")
_cookie = APIKeyCookie(
    name=sessions.SESSION_COOKIE,
    auto_error=False,
    description="门户登录会话（POST /api/v1/auth/login）；修改类请求须带 X-CSRF-Token",
)
PurposeHeader = Annotated[
    str | None,
    Header(
        alias="X-Purpose", description="查询目的（监管部门查询非公开信息时必填；非 ASCII 字符请按 URL 编码）"
    ),
]


class ScopeForbidden(Forbidden):
    code = "forbidden_scope"


def guard(policy: Policy) -> Callable[..., Any]:
    """The FastAPI dependency enforcing ``policy`` (it carries the policy as ``.policy``)."""
    if policy.public and not policy.audit:
        # Nothing to audit: no request session either (nor a wait for one, web.deps).
        async def unaudited_public_dependency(request: Request) -> None:
            _limit(request, policy)

        unaudited_public_dependency.policy = policy  # type: ignore[attr-defined]
        return unaudited_public_dependency

    if policy.public:
        # On the event loop (no threadpool step): the rate limit is in memory, the audit line is only
        # queued, and the session is not used otherwise (web.deps closes it in place if nothing ran).
        async def public_dependency(request: Request, session: SessionDep) -> None:
            _limit(request, policy)
            # Anonymous writes (a complaint from the public) are audited too: who is "anonymous", from where.
            if policy.audit and request.method.upper() not in SAFE_METHODS:
                trail.queue(
                    session,
                    trail.line(
                        kind="write",
                        action=f"{request.method.upper()} {route_template(request)}",
                        actor="anonymous",
                        principal="anonymous",
                        ip=_ip(request),
                    ),
                    current=True,
                )

        public_dependency.policy = policy  # type: ignore[attr-defined]
        return public_dependency

    def dependency(
        request: Request,
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        cookie: Annotated[str | None, Depends(_cookie)],
        x_purpose: PurposeHeader = None,
    ) -> Caller:
        return enforce(policy, request, session, credentials, cookie, x_purpose)

    dependency.policy = policy  # type: ignore[attr-defined]
    dependency.allowed_roles = policy.roles  # type: ignore[attr-defined]
    return dependency


def enforce(
    policy: Policy,
    request: Request,
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    cookie: str | None,
    x_purpose: str | None,
) -> Caller:
    _limit(request, policy)
    method = request.method.upper()
    unsafe = method not in SAFE_METHODS
    caller = _authenticate(session, request, credentials, cookie, unsafe)
    template = route_template(request)
    action = f"{method} {template}"
    params = request.path_params
    found = targets.resolve(session, params)
    purpose, purpose_problem = _purpose(request, x_purpose)

    def deny(message: str, error: type[Forbidden] = Forbidden) -> Forbidden:
        _audit_denial(session, caller, action, found, purpose, _ip(request), message)
        return error(message)

    if not policy.admits(caller.role):
        raise deny("当前角色无权执行此操作")
    if caller.scopes is not None and not _scope_ok(caller.scopes, template, unsafe):
        raise deny("令牌的权限范围不包括此操作", ScopeForbidden)
    if caller.role in policy.own and not (found.subject_ids & caller.subject_ids):
        raise deny("只能查看或办理本账号所代表经营主体的信息")
    if caller.role is Role.SUBJECT and found.unpublished and not (found.subject_ids & caller.subject_ids):
        raise deny("该信用记录未公开，只有记录所涉经营主体可以查看")
    wanted_platforms = found.platforms | _platform_params(request)
    if caller.platforms is not None and not wanted_platforms <= caller.platforms:
        raise deny("超出本账号授权的平台范围")
    if purpose_problem is not None:
        raise InvalidInput(purpose_problem)
    if policy.nonpublic and not unsafe and caller.role in PURPOSE_ROLES and not purpose:
        raise InvalidInput(
            FieldProblem(
                ("header", "X-Purpose"),
                "监管部门查询非公开信用信息须说明查询目的（X-Purpose 请求头或 purpose 查询参数）",
                "missing",
            )
        )
    if unsafe or policy.nonpublic:
        trail.queue(
            session,
            trail.for_caller(
                caller,
                kind="write" if unsafe else "read",
                action=action,
                subject_ids=found.subject_ids,
                record_ids=found.record_ids,
                purpose=purpose,
                ip=_ip(request),
            ),
            current=True,
        )
    request.state.caller = caller
    return caller


def route_template(request: Request) -> str:
    """The matched route's path template with its router prefixes (``/api/v1/subjects/{subject_id}``)."""
    fastapi_scope = request.scope.get("fastapi")
    context = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    for candidate in (context, request.scope.get("route")):
        path = getattr(candidate, "path", None)
        if isinstance(path, str) and _fills(path, request):
            return path
    # Fallback: put the parameter names back into the concrete path.
    names = {str(v): k for k, v in request.path_params.items()}
    return "/".join(f"{{{names[p]}}}" if p in names else p for p in request.url.path.split("/"))


def _fills(template: str, request: Request) -> bool:
    concrete = template
    for name, value in request.path_params.items():
        concrete = concrete.replace(f"{{{name}}}", str(value)).replace(f"{{{name}:path}}", str(value))
    return concrete == request.url.path


def _authenticate(
    session: Session,
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    cookie: str | None,
    unsafe: bool,
) -> Caller:
    if credentials is not None:
        if credentials.scheme.lower() != "bearer":
            raise Unauthenticated("Authorization 头应为 Bearer 令牌")
        return tokens.authenticate(session, credentials.credentials)
    if cookie:
        return sessions.authenticate(
            session, cookie, unsafe=unsafe, csrf=request.headers.get(sessions.CSRF_HEADER)
        )
    raise Unauthenticated("需要登录：请在 Authorization 头中提供 Bearer 令牌，或先登录门户")


def _scope_ok(scopes: frozenset[str], template: str, unsafe: bool) -> bool:
    """``*``, ``read``/``write`` or ``<resource>:read|write|*`` (resource: first segment after /api/v1)."""
    action = "write" if unsafe else "read"
    parts = template.split("/")
    resource = (
        parts[3] if len(parts) > 3 and parts[1:3] == ["api", "v1"] else parts[1] if len(parts) > 1 else ""
    )
    if resource == "auth":  # a token may always see and rotate itself, whatever its scope
        return True
    return bool(scopes & {"*", action, f"{resource}:*", f"{resource}:{action}"})


def _purpose(request: Request, header: str | None) -> tuple[str | None, FieldProblem | None]:
    """The declared purpose, and what is wrong with it (reported only once access is decided)."""
    raw = header if header is not None else request.query_params.get("purpose")
    if raw is None:
        return None, None
    text = unquote(raw).strip()
    if len(text) > MAX_PURPOSE:
        problem = FieldProblem(("header", "X-Purpose"), f"查询目的至多 {MAX_PURPOSE} 字", "too_long")
        return text[:MAX_PURPOSE], problem
    return text or None, None


def _platform_params(request: Request) -> set[str]:
    value = request.path_params.get("platform") or request.query_params.get("platform")
    return {str(value)} if value else set()


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _limit(request: Request, policy: Policy) -> None:
    limiter = getattr(request.app.state, "limiter", None)
    if policy.rate and limiter is not None:
        limiter.hit(policy.rate, _ip(request) or "unknown")


def _audit_denial(
    session: Session,
    caller: Caller,
    action: str,
    found: targets.Targets,
    purpose: str | None,
    ip: str | None,
    reason: str,
) -> None:
    """Refusals are kept: the request's transaction is rolled back, the denial line committed alone."""
    session.rollback()
    trail.queue(
        session,
        trail.for_caller(
            caller,
            kind="denied",
            action=action,
            subject_ids=found.subject_ids,
            record_ids=found.record_ids,
            purpose=purpose,
            ip=ip,
            detail={"reason": reason},
        ),
    )
    session.commit()
