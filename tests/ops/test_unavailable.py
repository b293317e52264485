"""Losing the database mid-request: HTTP 503 with Retry-After and a zh-CN body, nothing half-written,
and the same request succeeds once the database is back."""

from __future__ import annotations

import sqlite3
import threading
import time

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DisconnectionError, OperationalError, ProgrammingError

from ggzy_credit.web.app import create_app
from ggzy_credit.web.errors import database_unavailable


def assert_unavailable(r) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) >= 1
    body = r.json()
    assert body["code"] == "unavailable" and "数据库暂时不可用" in body["detail"]
    assert "sqlite" not in r.text.lower() and "psycopg" not in r.text.lower()  # nothing leaks


@pytest.fixture
def payload(new_batch):  # type: ignore[no-untyped-def]
    return new_batch("outage", 30)


def test_classification() -> None:
    locked = sqlite3.OperationalError("database is locked")
    assert database_unavailable(locked) and database_unavailable(OperationalError("x", {}, locked))
    assert database_unavailable(sqlite3.OperationalError("disk I/O error"))
    assert database_unavailable(psycopg.OperationalError("terminating connection"))
    assert database_unavailable(psycopg.errors.AdminShutdown())
    assert database_unavailable(DisconnectionError())
    bug = sqlite3.OperationalError("no such table: nowhere")  # a bug, not an outage: stays 500
    assert not database_unavailable(bug) and not database_unavailable(OperationalError("x", {}, bug))
    assert not database_unavailable(ProgrammingError("x", {}, psycopg.errors.UndefinedTable()))
    assert not database_unavailable(ValueError("database is locked"))


def test_an_unreachable_database_gives_503(db, auth, tmp_path):  # type: ignore[no-untyped-def]
    if db.backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'missing-dir' / 'nowhere.db'}"  # cannot be opened
    else:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"  # nothing listens
    engine = create_engine(url)
    with TestClient(create_app(db.settings, engine)) as client:
        assert_unavailable(client.get("/healthz"))
        assert_unavailable(client.get("/api/v1/records/1", headers=auth("admin")))
    engine.dispose()


def test_sqlite_locked_database_gives_503_and_writes_nothing(db, auth, payload, state):  # type: ignore[no-untyped-def]
    if db.backend != "sqlite":
        pytest.skip("SQLite's write lock")
    before = state(db)
    impatient = create_engine(db.url, connect_args={"timeout": 0.2})  # no 30 s busy wait
    holder = sqlite3.connect(db.url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with TestClient(create_app(db.settings, impatient)) as client:
            assert_unavailable(client.post("/api/v1/records/batch", json=payload, headers=auth("recorder")))
            holder.rollback()
            assert state(db) == before
            retried = client.post("/api/v1/records/batch", json=payload, headers=auth("recorder"))
            assert retried.status_code == 201 and retried.json()["created"] == 30, retried.text
    finally:
        holder.close()
        impatient.dispose()
    assert state(db)["records"] == before["records"] + 30


def test_postgresql_backend_terminated_mid_request_gives_503_and_writes_nothing(  # type: ignore[no-untyped-def]
    db, client, auth, payload, state
):
    if db.backend != "postgresql":
        pytest.skip("pg_terminate_backend")
    before = state(db)
    responses = []
    with db.engine.connect() as locker, db.engine.connect() as killer:
        locker.begin()
        locker.execute(text("LOCK TABLE credit_records IN ACCESS EXCLUSIVE MODE"))
        request = threading.Thread(
            target=lambda: responses.append(
                client.post("/api/v1/records/batch", json=payload, headers=auth("recorder"))
            )
        )
        request.start()
        waiting = []
        deadline = time.monotonic() + 20
        while not waiting and time.monotonic() < deadline:  # the request blocks on our lock
            time.sleep(0.05)
            waiting = killer.scalars(
                text("SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'credit_records'::regclass")
            ).all()
        assert waiting, "the request never reached credit_records"
        assert killer.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting[0]})
        killer.commit()
        locker.rollback()
        request.join(30)
    assert_unavailable(responses[0])
    assert state(db) == before  # the request's transaction died with its connection
    retried = client.post("/api/v1/records/batch", json=payload, headers=auth("recorder"))
    assert retried.status_code == 201 and retried.json()["created"] == 30, retried.text
