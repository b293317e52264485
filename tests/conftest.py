"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

``--db sqlite|postgresql|both`` (default both). PostgreSQL comes from ``GGZY_TEST_PG_URL``
(default: the CI server, database ``test``, user ``postgres``); each test process works in its
own schema. When ``CI`` is set and PostgreSQL is unreachable the run fails instead of skipping.
"""

from __future__ import annotations

import os

# Cheap password hashes for the test suite (production keeps argon2id's RFC 9106 default cost).
os.environ.setdefault("GGZY_ARGON2_TIME_COST", "1")
os.environ.setdefault("GGZY_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("GGZY_ARGON2_PARALLELISM", "1")
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import create_token
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import make_engine, make_sessionmaker, unit_of_work
from ggzy_credit.db.migrate import upgrade
from ggzy_credit.db.models import metadata
from ggzy_credit.ledger.keys import ensure_signing_key
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.standards.service import load_defaults

PG_URL = os.environ.get("GGZY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_problem: str | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql", "both"],
        default="both",
        help="database backends for database tests",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _pg_problem
    if config.getoption("--db") == "sqlite":
        return
    try:
        with create_engine(PG_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        _pg_problem = f"PostgreSQL unreachable at {PG_URL}: {exc.__class__.__name__}: {exc}"
        if os.environ.get("CI"):
            pytest.exit(f"CI is set and PostgreSQL tests cannot run — {_pg_problem}", returncode=3)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        backends = ["sqlite", "postgresql"] if choice == "both" else [choice]
        metafunc.parametrize("backend", backends, scope="session")


@dataclass
class TestDb:
    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings

    def session(self):  # type: ignore[no-untyped-def]
        return unit_of_work(self.sessions)


@pytest.fixture(scope="session")
def _pg_schema_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if _pg_problem:
        pytest.skip(_pg_problem)
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        load_defaults(session)
    engine.dispose()
    return path


@pytest.fixture
def db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDb]:
    """A migrated database with the shipped platforms and standards, empty otherwise."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "test.db"
        shutil.copy(template, target)
        url = f"sqlite:///{target}"
        engine = make_engine(url)
    else:
        url = request.getfixturevalue("_pg_schema_url")
        engine = make_engine(url)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        with unit_of_work(make_sessionmaker(engine)) as session:
            load_defaults(session)
    settings = Settings(var_dir=tmp_path / "var", database_url=url)
    assert settings.secrets_dir is not None
    pii_cipher(settings.secrets_dir, create=True)
    ensure_signing_key(settings.secrets_dir)
    yield TestDb(backend, url, engine, make_sessionmaker(engine), settings)
    engine.dispose()


@pytest.fixture
def cipher(db: TestDb):  # type: ignore[no-untyped-def]
    assert db.settings.secrets_dir is not None
    return pii_cipher(db.settings.secrets_dir)


@pytest.fixture
def app(db: TestDb):  # type: ignore[no-untyped-def]
    from ggzy_credit.web.app import create_app

    return create_app(db.settings, db.engine)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def tokens(db: TestDb) -> dict[Role, str]:
    """One token per role (the subject token is bound later by tests that need one)."""
    out: dict[Role, str] = {}
    with db.session() as session:
        for role in Role:
            if role is Role.SUBJECT:
                continue
            _, out[role] = create_token(session, role, f"test-{role.value}")
    return out


@pytest.fixture
def auth(tokens: dict[Role, str]):  # type: ignore[no-untyped-def]
    """Bearer headers for a role; regulators also state a purpose (X-Purpose) unless ``purpose=None``."""

    def headers(role: Role | str, *, purpose: str | None = "测试查询") -> dict[str, str]:
        out = {"Authorization": f"Bearer {tokens[Role(role)]}"}
        if Role(role) is Role.REGULATOR and purpose:
            out["X-Purpose"] = quote(purpose)
        return out

    return headers


ACCOUNT_PASSWORD = "Ggzy-test-2026!"


@pytest.fixture
def account(db: TestDb):  # type: ignore[no-untyped-def]
    """A user account with a personal token: ``account(7, 9)`` → bearer headers of a market-entity
    account acting for subjects 7 and 9; ``account(role="reviewer")`` for other roles."""
    from ggzy_credit.auth.accounts import create_user

    serial = iter(range(1, 10_000))

    def make(
        *subject_ids: int,
        role: Role | str = Role.SUBJECT,
        organisation: str | None = None,
        platforms: list[str] | None = None,
        purpose: str | None = "测试查询",
    ) -> dict[str, str]:
        role = Role(role)
        name = f"{role.value}-{next(serial)}"
        if organisation is None and role in (Role.REGULATOR, Role.BANK):
            organisation = "测试单位"
        with db.session() as session:
            user = create_user(
                session,
                username=name,
                password=ACCOUNT_PASSWORD,
                role=role,
                display_name=name,
                organisation=organisation,
                subject_ids=subject_ids,
                platforms=platforms,
            )
            _, secret = create_token(session, role, name, user_id=user.id)
        out = {"Authorization": f"Bearer {secret}"}
        if role is Role.REGULATOR and purpose:
            out["X-Purpose"] = quote(purpose)
        return out

    return make


@pytest.fixture
def cli_env(db: TestDb, monkeypatch: pytest.MonkeyPatch) -> TestDb:
    """Point the CLI (which reads GGZY_* from the environment) at the test database."""
    monkeypatch.setenv("GGZY_DATABASE_URL", db.url)
    monkeypatch.setenv("GGZY_VAR_DIR", str(db.settings.var_dir))
    return db


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    from ggzy_credit.demo.fake import Faker

    return Faker(int(uuid.uuid4().int % 10_000))


@pytest.fixture
def make_subject(db: TestDb, cipher, fake):  # type: ignore[no-untyped-def]
    """Register a subject through the service: ``make_subject("responder")`` → id."""
    from ggzy_credit.subjects.schemas import LegalPersonIn, NaturalPersonIn
    from ggzy_credit.subjects.service import create_subject

    def make(*kinds: str, intermediary_id: int | None = None, **fields: object) -> int:
        kinds = kinds or ("responder",)
        with db.session() as session:
            if set(kinds) & {"practitioner", "expert"}:
                data = NaturalPersonIn(
                    type="natural",
                    kinds=list(kinds),
                    intermediary_id=intermediary_id,
                    **(fake.natural_person() | fields),
                )
            else:
                data = LegalPersonIn(type="legal", kinds=list(kinds), **(fake.legal_person() | fields))
            return create_subject(session, cipher, data).id

    return make


@pytest.fixture
def item_for(db: TestDb):  # type: ignore[no-untyped-def]
    """An item code of ``platform``'s standard in force on ``on`` that applies to ``kind``."""
    from datetime import date

    from ggzy_credit.standards.service import StandardResolver

    def pick(
        platform: str,
        kind: str = "responder",
        *,
        on: date | None = None,
        item_kind: str = "deduction",
        min_points: int = 1,
    ) -> tuple[str, int]:
        from ggzy_credit import clock

        with db.session() as session:
            resolved = StandardResolver(session).resolve(platform, on or clock.today())
            assert resolved is not None
            for item in sorted(resolved[1].values(), key=lambda i: i.code):
                if (
                    kind in item.applies_to
                    and item.kind == item_kind
                    and item.points >= (min_points if item_kind == "deduction" else 0)
                ):
                    return item.code, item.points
        raise LookupError(f"no {item_kind} item for {kind} on {platform}")

    return pick
