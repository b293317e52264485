"""Portal fixtures: a small world of subjects, records and accounts, and a browser-like client.

The client talks HTTPS to the test server, because portal session cookies are ``Secure``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from ggzy_credit import clock
from ggzy_credit.auth import passwords
from ggzy_credit.auth.accounts import create_user
from ggzy_credit.auth.roles import Role

PASSWORD = "Portal-test-2026!"


@dataclass
class World:
    company: int  # a legal-person responder with one published record
    clean: int  # a legal-person responder without records
    expert: int  # a natural person (expert) with a published and an unpublished record
    public_record: int  # the company's
    hidden_record: int  # the expert's, under an item that is not public
    expert_record: int  # the expert's published one
    users: dict[str, str] = field(default_factory=dict)  # role → user name


# Inside the years the working-day calendar knows, so objection deadlines can be computed.
TODAY = datetime(2026, 6, 15, 10, 0, tzinfo=clock.CHINA)


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    with clock.freeze(TODAY):
        yield


@pytest.fixture
def portal(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c


def _pick(db, platform: str, kind: str, public: bool) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    from ggzy_credit.standards.service import StandardResolver

    with db.session() as session:
        resolved = StandardResolver(session).resolve(platform, clock.today())
        assert resolved is not None
        for item in sorted(resolved[1].values(), key=lambda i: i.code):
            if kind in item.applies_to and item.kind == "deduction" and item.public is public:
                return item.code, item.points
    raise LookupError(f"no {'public' if public else 'unpublished'} deduction item for {kind} on {platform}")


@pytest.fixture
def world(db, cipher, make_subject, monkeypatch) -> World:  # type: ignore[no-untyped-def]
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.schemas import RecordIn

    company = make_subject("responder", name="测试建设工程有限公司")
    clean = make_subject("responder", name="守信科技有限公司")
    expert = make_subject("expert")
    today = clock.today()
    public_code, _ = _pick(db, "gov_procurement", "responder", True)
    hidden_code, _ = _pick(db, "gov_procurement", "expert", False)
    expert_code, _ = _pick(db, "centre", "expert", True)
    records = [
        RecordIn(
            platform="gov_procurement",
            external_id="P-1",
            subject_id=company,
            item_code=public_code,
            occurred_on=today - timedelta(days=40),
            deducted_on=today - timedelta(days=38),
            project_code="ZFCG2026-0001",
            project_name="办公设备采购项目",
            description="提供虚假材料",
        ),
        RecordIn(
            platform="gov_procurement",
            external_id="H-1",
            subject_id=expert,
            item_code=hidden_code,
            occurred_on=today - timedelta(days=10),
            deducted_on=today - timedelta(days=10),
            description="未公开事项",
        ),
        RecordIn(
            platform="centre",
            external_id="E-1",
            subject_id=expert,
            item_code=expert_code,
            occurred_on=today - timedelta(days=5),
            deducted_on=today - timedelta(days=5),
        ),
    ]
    # Production argon2 costs ~0.3 s a hash or check; the portal tests sign in often, so they use a
    # cheap parameter set (the password rules and the login code are the real ones).
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with db.session() as session:
        outcomes = ingest(session, cipher, records, "recorder:test")
        users = {}
        for role in (Role.RECORDER, Role.REVIEWER, Role.ADMIN, Role.SUBJECT, Role.REGULATOR):
            name = f"{role.value}1"
            create_user(
                session,
                username=name,
                password=PASSWORD,
                role=role,
                display_name=f"测试{role.value}",
                organisation="市发展改革委" if role is Role.REGULATOR else None,
                subject_ids=[company] if role is Role.SUBJECT else (),
            )
            users[role.value] = name
    return World(company, clean, expert, outcomes[0].id, outcomes[1].id, outcomes[2].id, users)


def login_as(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the CSRF token the pages embed in their forms."""
    form = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    response = client.post(
        "/login", data={"username": username, "password": password, "login_token": token.group(1)}
    )
    assert response.status_code == 303, response.text
    return client.cookies.get("ggzy_csrf") or ""


@pytest.fixture
def signed_in(portal, world):  # type: ignore[no-untyped-def]
    def sign(role: str) -> str:
        return login_as(portal, world.users[role])

    return sign


@pytest.fixture
def browser_for(app, world):  # type: ignore[no-untyped-def]
    """A separate signed-in client per role: ``reviewer, csrf = browser_for("reviewer")``."""
    clients: list[TestClient] = []

    def make(role: str) -> tuple[TestClient, str]:
        client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client, login_as(client, world.users[role])

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def field_error():  # type: ignore[no-untyped-def]
    """The message in a form field's error slot: ``field_error(page.text, "reason")``."""

    def find(page: str, name: str) -> str:
        found = re.search(rf'id="f-{name}-error"[^>]*>([^<]*)<', page)
        assert found, f"no error slot for {name}"
        return found.group(1)

    return find


@pytest.fixture
def rows(db):  # type: ignore[no-untyped-def]
    """How many rows a table holds: ``rows(Objection)`` (to check a refused form changed nothing)."""
    from sqlalchemy import func, select

    def count(model) -> int:  # type: ignore[no-untyped-def]
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    return count
