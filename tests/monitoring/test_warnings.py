"""Warnings: no duplicates on re-runs, evidence that follows new findings, decisions, API and CLI."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from ggzy_credit.cli.main import app as cli
from ggzy_credit.exchange import subscriptions
from ggzy_credit.exchange.webhook_models import OutboxMessage
from ggzy_credit.monitoring.models import EarlyWarning, EarlyWarningSubject
from ggzy_credit.monitoring.service import decide, run_rules

runner = CliRunner()


def shared_phone_project(make_subject, add_bids, project="P-1", n=2):  # type: ignore[no-untyped-def]
    ids = [make_subject("responder", contact_phone="13600001234") for _ in range(n)]
    add_bids(project, [(sid, f"{1000 + 37 * i}.00") for i, sid in enumerate(ids)])
    return ids


def test_rerunning_rules_never_duplicates_warnings(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    shared_phone_project(make_subject, add_bids)
    with db.session() as s:
        first = run_rules(s)
    with db.session() as s:
        second = run_rules(s)
    assert first.raised == 1 and first.by_rule["shared_contact"] == 1
    assert second.raised == 0 and second.refreshed == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EarlyWarning)) == 1


def test_new_warning_follows_its_finding_decided_one_keeps_its_decision(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    a, b = shared_phone_project(make_subject, add_bids, "P-1")
    with db.session() as s:
        run_rules(s, only=["shared_contact"])
    c = make_subject("responder", contact_phone="13600001234")
    add_bids("P-1", [(c, "2000.00")])
    with db.session() as s:
        run_rules(s, only=["shared_contact"])
        warning = s.scalar(select(EarlyWarning))
        assert len(warning.evidence["bidders"]) == 3 and "3 家" in warning.title  # type: ignore[union-attr]
        assert set(s.scalars(select(EarlyWarningSubject.subject_id))) == {a, b, c}
        decide(s, warning.id, "dismiss", "三家为同一集团下属企业，已备案关联关系", "reviewer:王")  # type: ignore[union-attr]
    d = make_subject("responder", contact_phone="13600001234")
    add_bids("P-1", [(d, "2500.00")])
    with db.session() as s:
        result = run_rules(s, only=["shared_contact"])
        warning = s.scalar(select(EarlyWarning))
        assert result.raised == 0 and warning.status == "dismissed"  # type: ignore[union-attr]
        assert len(warning.evidence["bidders"]) == 3  # type: ignore[union-attr]


def test_new_warnings_are_pushed_in_the_same_transaction(db, cipher, make_subject, add_bids):  # type: ignore[no-untyped-def]
    with db.session() as s:
        subscriptions.create(
            s,
            cipher,
            name="市监管系统",
            url="http://127.0.0.1:9/hook",
            audience="supervision",
            event_types=["warning.raised"],
            public_only=False,
            by="t",
        )
        subscriptions.create(
            s,
            cipher,
            name="融资平台",
            url="http://127.0.0.1:9/fin",
            audience="financing",
            event_types=["*"],
            public_only=True,
            by="t",
        )
    shared_phone_project(make_subject, add_bids)
    with db.session() as s:
        run_rules(s)
        messages = s.scalars(select(OutboxMessage)).all()
    assert [m.event_type for m in messages] == ["warning.raised"]  # not to the public-only financing platform
    assert messages[0].payload["rule"] == "shared_contact" and len(messages[0].payload["subject_ids"]) == 2
    with db.sessions() as s:  # rolled back: neither the warning nor its event remain
        run_rules(s)
        s.rollback()


def test_warnings_api_lists_filters_and_decides(db, client, auth, make_subject, add_bids):  # type: ignore[no-untyped-def]
    a, b = shared_phone_project(make_subject, add_bids, "P-1")
    shared_phone_project(make_subject, add_bids, "P-2")
    run = client.post("/api/v1/warnings/run", json={}, headers=auth("admin"))
    assert run.status_code == 200 and run.json()["raised"] == 2, run.text
    assert client.post("/api/v1/warnings/run", json={}, headers=auth("reviewer")).status_code == 403
    page = client.get("/api/v1/warnings", headers=auth("regulator"))
    assert page.status_code == 200 and page.json()["total"] == 2
    assert client.get("/api/v1/warnings", headers=auth("regulator", purpose=None)).status_code == 422
    assert client.get("/api/v1/warnings", headers=auth("recorder")).status_code == 403
    mine = client.get(f"/api/v1/warnings?subject={a}", headers=auth("reviewer")).json()
    assert mine["total"] == 1 and {s["id"] for s in mine["items"][0]["subjects"]} == {a, b}
    wid = mine["items"][0]["id"]
    assert mine["items"][0]["platform"] == "engineering" and mine["items"][0]["project_code"] == "P-1"
    assert (
        client.post(
            f"/api/v1/warnings/{wid}/dismiss", json={"reason": ""}, headers=auth("reviewer")
        ).status_code
        == 422
    )
    assert (
        client.post(f"/api/v1/warnings/{wid}/confirm", json={}, headers=auth("regulator")).status_code == 403
    )
    done = client.post(
        f"/api/v1/warnings/{wid}/confirm", json={"note": "已移交行业主管部门"}, headers=auth("reviewer")
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed" and done.json()["decided_by"]
    again = client.post(f"/api/v1/warnings/{wid}/dismiss", json={"reason": "重复"}, headers=auth("admin"))
    assert again.status_code == 409
    assert client.get("/api/v1/warnings?status=confirmed", headers=auth("admin")).json()["total"] == 1
    assert client.get("/api/v1/warnings?rule=score_drop", headers=auth("admin")).json()["total"] == 0
    assert client.get("/api/v1/warnings/999999", headers=auth("admin")).status_code == 404
    rules = client.get("/api/v1/warning-rules", headers=auth("regulator")).json()
    assert {r["code"] for r in rules} >= {
        "repeated_behaviour",
        "shared_contact",
        "shared_bid_origin",
        "price_pattern",
        "score_drop",
        "objection_overdue",
    }
    assert all(r["rationale"] for r in rules)


def test_monitor_cli(cli_env, make_subject, add_bids):  # type: ignore[no-untyped-def]
    shared_phone_project(make_subject, add_bids)
    result = runner.invoke(cli, ["monitor", "run"])
    assert result.exit_code == 0 and "新增预警 1 条" in result.output, result.output
    listed = runner.invoke(cli, ["monitor", "list"])
    assert listed.exit_code == 0 and "shared_contact" in listed.output
    bad = runner.invoke(cli, ["monitor", "run", "--rule", "nonsense"])
    assert bad.exit_code == 2
