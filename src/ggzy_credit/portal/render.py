"""Rendering portal pages: the Jinja2 environment, the context every page gets, language cookies."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.sessions import CSRF_COOKIE
from ggzy_credit.portal import i18n, labels
from ggzy_credit.portal.i18n import N_

STATIC_PREFIX = "/assets"
_PACKAGE = resources.files("ggzy_credit.portal")
templates = Jinja2Templates(directory=str(_PACKAGE / "templates"))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


@lru_cache(maxsize=64)
def static_url(name: str) -> str:
    """``/assets/<name>?v=<content hash>``: cacheable for ever, refreshed when the file changes."""
    digest = hashlib.sha256((_PACKAGE / "static" / name).read_bytes()).hexdigest()[:10]
    return f"{STATIC_PREFIX}/{name}?v={digest}"


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


templates.env.filters["day"] = _day
templates.env.globals["static"] = static_url


def language(request: Request) -> str:
    """``?lang=`` first, then the remembered cookie, then zh-CN."""
    return (
        i18n.normalise(request.query_params.get("lang"))
        or i18n.normalise(request.cookies.get(i18n.COOKIE))
        or i18n.DEFAULT
    )


def tr(request: Request) -> i18n.Translator:
    return i18n.translator(language(request))


def _lang_url(request: Request, lang: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return f"{request.url.path}?{urlencode(params)}"


def _nav(caller: Any, t: i18n.Translator) -> list[tuple[str, str]]:
    _ = t.gettext
    items = [
        ("/", _("首页")),
        ("/search", _("信用查询")),
        ("/standards", _("评估标准")),
        ("/data-list", _("数据清单")),
    ]
    role = getattr(caller, "role", None)
    if role is Role.SUBJECT:
        items.append(("/my", _("我的信用")))
    elif role in (Role.ADMIN, Role.RECORDER, Role.REVIEWER):
        items.append(("/staff", _("工作台")))
    elif role is Role.REGULATOR:
        items.append(("/regulator", _("监管查询")))
    return items


def caller_of(request: Request) -> Any:
    """The signed-in caller, if a dependency of this page identified one."""
    return getattr(request.state, "portal_caller", None) or getattr(request.state, "caller", None)


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    title: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the common context; remembers an explicit ``?lang=`` in a cookie."""
    lang = language(request)
    t = i18n.translator(lang)
    caller = caller_of(request)
    ctx: dict[str, Any] = {
        "request": request,
        "_": t.gettext,
        "ngettext": t.ngettext,
        "lang": lang,
        "languages": [(code, label, _lang_url(request, code)) for code, label in i18n.LANGUAGES.items()],
        "title": title,
        "caller": caller,
        "role_name": labels.label(labels.ROLES, getattr(getattr(caller, "role", None), "value", None), t),
        "nav": _nav(caller, t),
        "path": request.url.path,
        "today": clock.today(),
        "csrf": getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE),
        "case_states": {k: t.gettext(v) for k, v in labels.CASE_STATES.items()},
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers)
    explicit = i18n.normalise(request.query_params.get("lang"))
    if explicit and explicit != i18n.normalise(request.cookies.get(i18n.COOKIE)):
        response.set_cookie(i18n.COOKIE, explicit, max_age=365 * 86400, samesite="lax", httponly=True)
    response.headers.setdefault("Cache-Control", "no-store" if caller else "no-cache")
    return response


_ERROR_TITLES = {
    400: N_("请求有误"),
    401: N_("需要登录"),
    403: N_("无权访问"),
    404: N_("页面不存在"),
    409: N_("操作冲突"),
    422: N_("提交的内容有误"),
    429: N_("请求过于频繁"),
    503: N_("服务暂时不可用"),
}


def error_page(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    _ = tr(request).gettext
    title = _(_ERROR_TITLES.get(status, N_("出错了")))
    return page(
        request,
        "error.html",
        {"status": status, "detail": detail},
        title=title,
        status_code=status,
        headers=headers,
    )
