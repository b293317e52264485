"""The audit trail: who, role, organisation, what, when, where, why — append-only and hash-chained."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.audit import chain, trail
from ggzy_credit.audit.models import AuditEntry
from ggzy_credit.cli.main import app as cli


def entries(db, **where) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.seq)))


def test_reads_and_writes_record_who_what_when_where_why(client, account, auth, make_subject, db):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    regulator = account(role="regulator", organisation="市财政局", purpose="投诉核查")
    with clock.freeze(clock.now().replace(microsecond=123456)):
        assert client.get(f"/api/v1/subjects/{subject}/records", headers=regulator).status_code == 200
    [line] = entries(db, kind="read")
    assert line.action == "GET /api/v1/subjects/{subject_id}/records"
    assert (line.role, line.organisation, line.purpose, line.ip) == (
        "regulator",
        "市财政局",
        "投诉核查",
        "testclient",
    )
    assert (
        line.subject_ids == [subject] and line.principal.startswith("user:") and line.at.microsecond == 123456
    )
    r = client.patch(
        f"/api/v1/subjects/{subject}", json={"address": "上海市黄浦区"}, headers=auth("recorder")
    )
    assert r.status_code == 200
    [write] = entries(db, kind="write")
    assert write.action == "PATCH /api/v1/subjects/{subject_id}" and write.subject_ids == [subject]
    assert write.actor == "recorder:test-recorder" and write.principal.startswith("token:")


def test_a_failed_write_leaves_no_audit_line(client, auth, db):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/subjects",
        json={"type": "legal", "name": "坏", "uscc": "bad", "kinds": ["responder"]},
        headers=auth("recorder"),
    )
    assert r.status_code == 422
    assert entries(db, kind="write") == []


def test_created_records_are_named_in_the_write_line(client, auth, make_subject, item_for, db):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    body = {
        "platform": "gov_procurement",
        "external_id": "AUD-1",
        "subject_id": subject,
        "item_code": item_for("gov_procurement")[0],
        "occurred_on": str(clock.today()),
        "description": "审计测试",
        "source": "manual",
    }
    created = client.post("/api/v1/records", json=body, headers=auth("recorder")).json()
    [write] = entries(db, kind="write")
    assert write.record_ids == [created["id"]]


def test_the_enquiry_list_shows_who_looked_when_and_why(client, account, auth, make_subject, db):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    owner = account(subject)
    competitor = account(make_subject("responder"))
    regulator = account(role="regulator", organisation="市财政局", purpose="政府采购投诉核查")
    bank = account(role="bank", organisation="某银行上海分行")
    client.get(f"/api/v1/subjects/{subject}", headers=owner)  # its own look is not an enquiry
    client.get(f"/api/v1/subjects/{subject}/records", headers=regulator)
    client.get(f"/api/v1/subjects/{subject}?purpose=%E8%9E%8D%E8%B5%84%E5%AE%A1%E6%9F%A5", headers=bank)
    client.get(f"/api/v1/subjects/{subject}/records", headers=competitor)
    client.get(f"/api/v1/subjects/{make_subject('responder')}", headers=regulator)  # someone else's data

    r = client.get(f"/api/v1/subjects/{subject}/enquiries", headers=owner)
    assert r.status_code == 200
    items = r.json()["items"]
    assert r.json()["total"] == 3
    assert [(i["role"], i["organisation"], i["purpose"]) for i in items] == [
        ("subject", None, None),
        ("bank", "某银行上海分行", "融资审查"),
        ("regulator", "市财政局", "政府采购投诉核查"),
    ]
    assert items[2]["action"] == "经营主体的信用记录" and items[2]["role_label"] == "监管部门"
    assert items[0]["at"] >= items[1]["at"] >= items[2]["at"]
    assert "actor" not in items[0] and "principal" not in items[0] and "ip" not in items[0]
    # admins and regulators may look too (and their look is itself an enquiry)
    assert client.get(f"/api/v1/subjects/{subject}/enquiries", headers=auth("admin")).json()["total"] == 3
    assert client.get(f"/api/v1/subjects/{subject}/enquiries", headers=regulator).json()["total"] == 4
    assert client.get(f"/api/v1/subjects/{subject}/enquiries", headers=auth("recorder")).status_code == 403


def test_admins_search_the_trail(client, auth, account, make_subject, db):  # type: ignore[no-untyped-def]
    a, b = make_subject("responder"), make_subject("responder")
    client.get(f"/api/v1/subjects/{a}", headers=auth("bank"))
    client.get(f"/api/v1/subjects/{b}", headers=auth("bank"))
    client.get("/api/v1/audit", headers=auth("bank"))  # refused, and kept as such

    def search(**params) -> dict:  # type: ignore[no-untyped-def]
        r = client.get("/api/v1/audit", params=params, headers=auth("admin"))
        assert r.status_code == 200, r.text
        return r.json()

    assert [i["subject_ids"] for i in search(subject_id=a)["items"]] == [[a]]
    denied = search(kind="denied")["items"]
    assert len(denied) == 1 and denied[0]["action"] == "GET /api/v1/audit" and denied[0]["role"] == "bank"
    assert search(role="bank")["total"] == 3
    principal = denied[0]["principal"]
    assert search(principal=principal)["total"] == 3
    assert search(action="/audit", kind="denied")["total"] == 1
    later = (clock.now() + timedelta(hours=1)).isoformat()
    assert search(since=later)["total"] == 0
    full = search(limit=500)["items"]
    assert all(len(i["hash"]) == 64 and len(i["prev_hash"]) == 64 for i in full)
    assert [i["seq"] for i in full] == sorted((i["seq"] for i in full), reverse=True)


def test_the_chain_verifies_and_the_cli_says_so(client, auth, make_subject, cli_env):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    for _ in range(3):
        client.get(f"/api/v1/subjects/{subject}", headers=auth("bank"))
    with cli_env.session() as s:
        report = chain.verify(s)
    assert report.ok and report.rows == 3
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0 and "共 3 条" in result.output


def _drop_guards(db) -> None:  # type: ignore[no-untyped-def]
    """What someone with database access would do first: remove the append-only triggers."""
    with db.engine.begin() as conn:
        if db.backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            conn.execute(text("ALTER TABLE audit_targets DISABLE TRIGGER audit_targets_append_only"))
        else:
            for name in (
                "audit_log_no_update",
                "audit_log_no_delete",
                "audit_targets_no_update",
                "audit_targets_no_delete",
            ):
                conn.execute(text(f"DROP TRIGGER {name}"))


def _lines(db, n: int) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        for i in range(n):
            trail.queue(
                s,
                trail.line(
                    kind="read",
                    action="GET /x",
                    actor="bank:b",
                    principal="token:1",
                    subject_ids=[i + 1],
                    purpose=f"目的{i}",
                ),
            )


def test_the_trail_refuses_updates_and_deletes(db):  # type: ignore[no-untyped-def]
    _lines(db, 2)
    for statement in (
        "UPDATE audit_log SET purpose = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 2",
        "DELETE FROM audit_targets",
    ):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


@pytest.mark.parametrize(
    ("tamper", "bad_seq"),
    [
        ("UPDATE audit_log SET purpose = '另一个目的' WHERE seq = 3", 3),
        ("UPDATE audit_log SET subject_ids = '[99]' WHERE seq = 2", 2),
        ("DELETE FROM audit_targets WHERE seq = 4", 4),
        ("DELETE FROM audit_log WHERE seq = 5", 5),
    ],
)
def test_verify_finds_the_first_changed_row(db, cli_env, tamper, bad_seq):  # type: ignore[no-untyped-def]
    _lines(db, 5)
    _drop_guards(db)
    with db.engine.begin() as conn:
        if "audit_log WHERE seq = 5" in tamper:
            conn.execute(text("DELETE FROM audit_targets WHERE seq = 5"))
        conn.execute(text(tamper))
    with db.session() as s:
        report = chain.verify(s)
    assert not report.ok and report.bad_seq == bad_seq and report.rows == bad_seq - 1
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1 and f"第 {bad_seq} 条" in result.output


def test_concurrent_appends_keep_one_chain(db):  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                _lines(db, 2)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 40
        report = chain.verify(s)
    assert report.ok and report.rows == 40


def test_a_truncated_database_restarts_the_head(db):  # type: ignore[no-untyped-def]
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_head"))
    _lines(db, 2)
    with db.session() as s:
        assert chain.verify(s).ok


def test_anonymous_public_writes_are_audited(app, client, db):  # type: ignore[no-untyped-def]
    from fastapi import APIRouter, Depends

    from ggzy_credit.web.deps import public

    router = APIRouter()

    @router.post("/api/v1/test-only/tip-off", dependencies=[Depends(public(rate=None))])
    def tip_off() -> dict[str, str]:
        return {"ok": "yes"}

    app.include_router(router)
    assert client.post("/api/v1/test-only/tip-off").status_code == 200
    assert client.get("/api/v1/platforms").status_code == 200  # public reads are not audited
    [line] = entries(db)
    assert (line.kind, line.principal, line.action) == (
        "write",
        "anonymous",
        "POST /api/v1/test-only/tip-off",
    )
