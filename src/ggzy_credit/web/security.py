"""Security response headers for the API, the portal and the API documentation pages."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON never needs to load anything; a browser that renders it by mistake must run nothing.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The server-rendered portal: every asset from this origin (no CDN, DESIGN §3).
PORTAL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# FastAPI's Swagger UI / ReDoc pages load their bundle from jsdelivr and start it with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"


def apply(headers: MutableHeaders, path: str, *, hsts: bool) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
        headers.setdefault("Content-Security-Policy", API_CSP)
    elif path.startswith(DOCS_PATHS):
        headers.setdefault("Content-Security-Policy", DOCS_CSP)
    else:
        headers.setdefault("Content-Security-Policy", PORTAL_CSP)
    if hsts:
        headers.setdefault("Strict-Transport-Security", HSTS)


class SecurityHeaders:
    """Pure ASGI middleware adding the headers above to every HTTP response.

    Not ``BaseHTTPMiddleware`` (``@app.middleware("http")``): that one runs each request in an extra
    task with memory streams, a measurable part of a small request's CPU time (benchmarks/score_load.py).
    """

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply(MutableHeaders(scope=message), path, hsts=self.hsts)
            await send(message)

        await self.app(scope, receive, send_with_headers)
