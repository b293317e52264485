"""An HTML "page not found" for unknown paths outside the API (the API keeps its JSON 404).

Paths no route matches never reach a ``PortalRoute``, so the application's handler for HTTP errors
decides: a 404 for a browser path (not ``/api/…``, the OpenAPI pages or ``/healthz``) becomes the
portal's error page in the visitor's language; everything else is FastAPI's JSON answer.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException

from ggzy_credit.auth.policy import FRAMEWORK_PUBLIC
from ggzy_credit.web.errors import http_error

JSON_PREFIXES = ("/api/", "/healthz")


def wants_page(request: Request) -> bool:
    path = request.url.path
    return (
        request.method in ("GET", "HEAD")
        and path != "/api"
        and not path.startswith(JSON_PREFIXES)
        and path not in FRAMEWORK_PUBLIC
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def page_not_found(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and wants_page(request):
            from ggzy_credit.portal.render import error_page, tr

            return error_page(
                request, 404, tr(request).gettext("您访问的页面不存在，请检查网址或从首页进入。")
            )
        return await http_error(request, exc)
