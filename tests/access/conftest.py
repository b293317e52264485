"""Helpers for the access tests: an HTTPS client (session cookies are Secure) and user logins."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PASSWORD = "Ggzy-test-2026!"


@pytest.fixture
def https(app):  # type: ignore[no-untyped-def]
    """A client on https://testserver, so the browser-like cookie jar sends Secure cookies."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def make_user(db):  # type: ignore[no-untyped-def]
    """Create a user account: ``make_user("alice", "reviewer")`` → the User row."""
    from ggzy_credit.auth.accounts import create_user
    from ggzy_credit.auth.roles import Role

    def make(username: str, role: str = "reviewer", **fields):  # type: ignore[no-untyped-def]
        fields.setdefault("display_name", username)
        if Role(role) in (Role.REGULATOR, Role.BANK):
            fields.setdefault("organisation", "市财政局")
        with db.session() as session:
            return create_user(session, username=username, password=PASSWORD, role=Role(role), **fields)

    return make


def _login(client, username: str, password: str = PASSWORD, totp: str | None = None):  # type: ignore[no-untyped-def]
    body = {"username": username, "password": password} | ({"totp": totp} if totp else {})
    return client.post("/api/v1/auth/login", json=body)


@pytest.fixture
def login():  # type: ignore[no-untyped-def]
    """``login(client, "alice")`` posts to /api/v1/auth/login (password ``PASSWORD`` unless given)."""
    return _login
