"""The exchange command line (import, watched drop folder, webhooks) and HTTP API."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from ggzy_credit.cli.main import app as cli
from ggzy_credit.exchange.jobs import run_once
from ggzy_credit.exchange.models import ImportRun
from ggzy_credit.exchange.webhook_models import OutboxMessage
from ggzy_credit.records.models import CreditRecord

runner = CliRunner()


def records(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(CreditRecord)) or 0


def test_exchange_import_command(cli_env, penalty, tmp_path, write_file):  # type: ignore[no-untyped-def]
    good = write_file(tmp_path / "penalties.xlsx", [penalty() for _ in range(3)] + [penalty(uscc="bad")])
    result = runner.invoke(cli, ["exchange", "import", "--source", "credit_penalties", str(good)])
    assert result.exit_code == 0, result.output
    assert "新增 3" in result.output and "拒收 1" in result.output
    report = json.loads((tmp_path / "penalties.xlsx.report.json").read_text(encoding="utf-8"))
    assert report["counts"]["created"] == 3 and report["status"] == "succeeded"
    broken = write_file(tmp_path / "broken.jsonl", b'{"source_id": "1"\n')
    failed = runner.invoke(cli, ["exchange", "import", "--source", "credit_penalties", str(broken)])
    assert failed.exit_code == 2 and "JSON" in failed.output
    unknown = runner.invoke(cli, ["exchange", "import", "--source", "nowhere", str(good)])
    assert unknown.exit_code == 2 and "未登记" in unknown.output
    assert records(cli_env) == 3
    listed = runner.invoke(cli, ["exchange", "sources"])
    assert listed.exit_code == 0 and "投递目录" in listed.output


def test_drop_folder_processed_on_schedule(cli_env, penalty, write_file, make_subject):  # type: ignore[no-untyped-def]
    drop = cli_env.settings.var_dir / "drop"
    write_file(drop / "credit_penalties" / "2026-03-01.csv", [penalty() for _ in range(4)])
    write_file(
        drop / "credit_penalties" / "truncated.jsonl",
        b'{"source_id": "A", "occurred_on": "2026-01-01"}\n{"so',
    )
    write_file(drop / "credit_penalties" / "still-uploading.csv.part", [penalty()], "csv")
    write_file(drop / "bids" / "bids.jsonl", b"")
    result = runner.invoke(cli, ["exchange", "watch", "--once"])
    assert result.exit_code == 0, result.output
    done = sorted((drop / "credit_penalties" / "done").iterdir())
    failed = sorted((drop / "credit_penalties" / "failed").iterdir())
    assert [p.name.endswith("2026-03-01.csv") or p.name.endswith(".report.json") for p in done] == [
        True,
        True,
    ]
    assert any(p.name.endswith("truncated.jsonl") for p in failed)
    report = json.loads(
        next(p for p in failed if p.name.endswith(".report.json")).read_text(encoding="utf-8")
    )
    assert report["status"] == "failed" and "JSON" in report["file_errors"][0]["message"]
    assert (drop / "credit_penalties" / "still-uploading.csv.part").exists()  # incomplete: left alone
    assert list((drop / "bids" / "failed").glob("*bids.jsonl"))  # empty file: failed with a report
    assert records(cli_env) == 4
    with cli_env.session() as s:
        assert sorted(s.scalars(select(ImportRun.status))) == ["failed", "failed", "succeeded"]
    assert runner.invoke(cli, ["exchange", "watch", "--once"]).exit_code == 0
    assert records(cli_env) == 4  # nothing left to do


def test_run_once_is_the_scheduler_entry_point(cli_env, penalty, write_file, receiver):  # type: ignore[no-untyped-def]
    added = runner.invoke(
        cli,
        [
            "webhooks",
            "add",
            "--name",
            "监管",
            "--url",
            receiver.url,
            "--event",
            "record.*",
            "--include-nonpublic",
        ],
    )
    assert added.exit_code == 0, added.output
    secret = added.output.strip().splitlines()[-1]
    write_file(cli_env.settings.var_dir / "drop" / "commendations" / "a.jsonl", [penalty() for _ in range(2)])
    result = run_once(cli_env.settings)
    assert not result.errors and len(result.imported) == 1 and result.delivery.delivered == 2
    from ggzy_credit.exchange.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

    headers, body = receiver.requests[0]
    assert verify(secret, body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    listed = runner.invoke(cli, ["webhooks", "list"])
    assert listed.exit_code == 0 and "监管" in listed.output


def test_webhooks_cli_dead_letters_and_retry(cli_env, closed_port_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GGZY_WEBHOOK_MAX_ATTEMPTS", "1")
    assert (
        runner.invoke(
            cli,
            [
                "webhooks",
                "add",
                "--name",
                "城市",
                "--url",
                closed_port_url,
                "--event",
                "*",
                "--audience",
                "city",
            ],
        ).exit_code
        == 0
    )
    from ggzy_credit.exchange.outbox import enqueue

    with cli_env.session() as s:
        enqueue(s, "score.changed", {"subject_id": 1})
    delivered = runner.invoke(cli, ["webhooks", "deliver", "--once"])
    assert delivered.exit_code == 0 and "转入死信 1" in delivered.output
    dead = runner.invoke(cli, ["webhooks", "dead"])
    assert "score.changed" in dead.output
    retried = runner.invoke(cli, ["webhooks", "retry"])
    assert "已重新排队 1 条" in retried.output
    with cli_env.session() as s:
        assert s.scalar(select(OutboxMessage.status)) == "pending"


def test_upload_and_reports_over_http(db, client, auth, penalty, encoded):  # type: ignore[no-untyped-def]
    files = {"file": ("penalties.csv", encoded([penalty(), penalty(uscc="x")], "csv"), "text/csv")}
    assert (
        client.post(
            "/api/v1/exchange/imports/credit_penalties", files=files, headers=auth("reviewer")
        ).status_code
        == 403
    )
    r = client.post("/api/v1/exchange/imports/credit_penalties", files=files, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] == 1 and body["rejected"] == 1 and len(body["report"]["rows"]) == 2
    bad = client.post(
        "/api/v1/exchange/imports/credit_penalties",
        headers=auth("admin"),
        files={"file": ("x.jsonl", b"not json\n", "application/x-ndjson")},
    )
    assert bad.status_code == 422 and bad.json()["status"] == "failed" and bad.json()["report"]["file_errors"]
    runs = client.get("/api/v1/exchange/import-runs", headers=auth("regulator")).json()
    assert runs["total"] == 2 and {r["status"] for r in runs["items"]} == {"succeeded", "failed"}
    one = client.get(f"/api/v1/exchange/import-runs/{body['id']}", headers=auth("admin"))
    assert one.status_code == 200 and one.json()["report"]["counts"]["created"] == 1
    assert client.get("/api/v1/exchange/import-runs/9999", headers=auth("admin")).status_code == 404
    assert (
        client.post("/api/v1/exchange/imports/nowhere", files=files, headers=auth("admin")).status_code == 404
    )
    sources = client.get("/api/v1/exchange/sources", headers=auth("recorder")).json()
    assert {s["name"] for s in sources} >= {"credit_penalties", "bids", "yrd_cities"}


def test_subscription_api(db, client, auth, receiver):  # type: ignore[no-untyped-def]
    body = {
        "name": "市住建委监管系统",
        "url": receiver.url,
        "audience": "supervision",
        "event_types": ["record.created", "warning.raised"],
        "public_only": False,
    }
    assert (
        client.post("/api/v1/webhooks/subscriptions", json=body, headers=auth("reviewer")).status_code == 403
    )
    created = client.post("/api/v1/webhooks/subscriptions", json=body, headers=auth("admin"))
    assert created.status_code == 201 and len(created.json()["secret"]) >= 32
    sid = created.json()["id"]
    assert "secret" not in client.get(f"/api/v1/webhooks/subscriptions/{sid}", headers=auth("admin")).json()
    assert client.post("/api/v1/webhooks/subscriptions", json=body, headers=auth("admin")).status_code == 409
    wrong = client.post(
        "/api/v1/webhooks/subscriptions",
        json=body | {"name": "x", "event_types": ["nope"]},
        headers=auth("admin"),
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "event_types"
    patched = client.patch(
        f"/api/v1/webhooks/subscriptions/{sid}", json={"active": False}, headers=auth("admin")
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    rotated = client.post(f"/api/v1/webhooks/subscriptions/{sid}/rotate-secret", headers=auth("admin"))
    assert rotated.status_code == 200 and rotated.json()["secret"] != created.json()["secret"]
    listed = client.get("/api/v1/webhooks/subscriptions", headers=auth("admin")).json()
    assert [s["name"] for s in listed] == ["市住建委监管系统"]
    assert client.get("/api/v1/webhooks/outbox?status=dead", headers=auth("admin")).json()["total"] == 0
    assert client.get("/api/v1/webhooks/deliveries", headers=auth("admin")).json()["total"] == 0
    assert client.post("/api/v1/webhooks/outbox/1/retry", headers=auth("admin")).status_code == 404
    assert "warning.raised" in client.get("/api/v1/webhooks/event-types", headers=auth("admin")).json()
