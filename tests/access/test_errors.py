"""Refusals are clear and leak nothing; security headers; no stack traces or SQL in error bodies."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import text

from ggzy_credit.web.deps import SessionDep, public


def test_missing_and_bad_credentials_are_401_with_a_clear_message(client):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/subjects")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json() == {
        "detail": "需要登录：请在 Authorization 头中提供 Bearer 令牌，或先登录门户",
        "code": "unauthenticated",
    }
    r = client.get("/api/v1/subjects", headers={"Authorization": "Bearer ggzy_not-a-token"})
    assert r.json() == {"detail": "令牌无效、已过期或已吊销", "code": "unauthenticated"}
    assert client.get("/api/v1/subjects", headers={"Authorization": "Basic YTpi"}).status_code == 401


def test_a_forbidden_request_says_so_and_nothing_more(client, auth):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/audit", headers=auth("bank"))
    assert r.status_code == 403
    assert r.json() == {"detail": "当前角色无权执行此操作", "code": "forbidden"}


def test_rate_limited_public_routes(db):  # type: ignore[no-untyped-def]
    from ggzy_credit.web.app import create_app

    app = create_app(db.settings.model_copy(update={"rate_public_per_minute": 2}), db.engine)
    client = TestClient(app)
    assert [client.get("/api/v1/platforms").status_code for _ in range(3)] == [200, 200, 429]
    r = client.get("/api/v1/data-list")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.json()["code"] == "rate_limited" and "请求过于频繁" in r.json()["detail"]
    assert client.get("/healthz").status_code == 200  # health checks are not limited


@pytest.fixture
def failing(app):  # type: ignore[no-untyped-def]
    router = APIRouter()

    @router.get("/api/v1/test-only/boom", dependencies=[Depends(public(rate=None))])
    def boom() -> None:
        raise RuntimeError("SELECT secret FROM users WHERE password = 'x'  -- Traceback")

    @router.get("/api/v1/test-only/sql", dependencies=[Depends(public(rate=None))])
    def bad_sql(session: SessionDep) -> None:
        session.execute(text("SELECT no_such_column FROM users"))

    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


def test_unexpected_errors_show_no_stack_trace_or_sql(failing):  # type: ignore[no-untyped-def]
    for url in ("/api/v1/test-only/boom", "/api/v1/test-only/sql"):
        r = failing.get(url)
        # SQLite reports the bad column as an OperationalError, which the app answers with 503
        assert r.status_code in (500, 503)
        assert r.json()["code"] in ("internal", "unavailable") and set(r.json()) == {"detail", "code"}
        for leak in ("SELECT", "Traceback", "no_such_column", "users", 'File "'):
            assert leak not in r.text


def test_security_headers(client, db):  # type: ignore[no-untyped-def]
    api = client.get("/api/v1/platforms")
    assert api.headers["X-Content-Type-Options"] == "nosniff" and api.headers["X-Frame-Options"] == "DENY"
    assert api.headers["Cache-Control"] == "no-store"
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Strict-Transport-Security" not in api.headers
    docs = client.get("/docs")
    assert "cdn.jsdelivr.net" in docs.headers["Content-Security-Policy"]
    health = client.get("/healthz")
    assert "default-src 'self'" in health.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in health.headers["Content-Security-Policy"]

    from ggzy_credit.web.app import create_app

    tls = TestClient(create_app(db.settings.model_copy(update={"hsts": True}), db.engine))
    assert tls.get("/healthz").headers["Strict-Transport-Security"].startswith("max-age=31536000")
