"""Portal routes: HTML errors instead of JSON, and the CSRF token of plain HTML forms.

Every portal route uses :class:`PortalRoute` and declares its callers like an API route
(``Depends(public())`` or ``Depends(allow(...))`` from ``web.deps``). The request's unit of work is
the same ``SessionDep`` the access guard audits into; it is rolled back when a page raises, before
the error page is shown.

* A domain error raised by a page, or by its access dependency, becomes an HTML page with the same
  status. An unauthenticated visitor to a protected page is sent to the login page and brought back
  afterwards.
* Portal sessions require the session's CSRF token on unsafe requests (``X-CSRF-Token``, checked by
  ``auth.sessions``). A form posted without JavaScript cannot set a header, so every portal form
  carries the token in a hidden ``csrf_token`` field, and this route hands it to the guard as the
  header — the same secret, checked by the same code (the synchronizer-token pattern).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from ggzy_credit.auth.sessions import CSRF_HEADER
from ggzy_credit.errors import DomainError, Unauthenticated

CSRF_FIELD = "csrf_token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PortalRoute(APIRoute):
    """An HTML route: errors become pages; a form's CSRF field stands in for the header."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def portal_handler(request: Request) -> Response:
            try:
                await _form_csrf_as_header(request)
                return await handler(request)
            except Unauthenticated as exc:
                if request.method in ("GET", "HEAD"):
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
                return _error(request, exc.status, exc.message)
            except DomainError as exc:
                return _error(request, exc.status, exc.message, exc.headers())
            except RequestValidationError as exc:
                fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
                return _error(request, 422, fields)

        return portal_handler


async def _form_csrf_as_header(request: Request) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or CSRF_HEADER.lower() in request.headers:
        return
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(_FORM_TYPES):
        return
    token = (await request.form()).get(CSRF_FIELD)  # parsed once; FastAPI reuses the parsed form
    if isinstance(token, str) and token:
        request.scope["headers"] = [*request.scope["headers"], (CSRF_HEADER.lower().encode(), token.encode())]
        if hasattr(request, "_headers"):
            del request._headers  # Starlette caches the parsed headers; let it re-read the scope


def _error(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    from ggzy_credit.portal.render import error_page

    return error_page(request, status, detail, headers)
