"""Public bulk export: published records only, documented fields, cut at a ledger head."""

from __future__ import annotations

import csv
import hashlib
import io
import json

from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.cli.main import app as cli
from ggzy_credit.exchange.export import NAMES
from ggzy_credit.records.events import revoke_record
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn

runner = CliRunner()


def seed(db, cipher, make_subject, fake):  # type: ignore[no-untyped-def]
    """Two public records, one revoked, one non-public (expert) record; a signed ledger head."""
    from ggzy_credit.ledger import service as ledger
    from ggzy_credit.ledger.keys import signing_key

    bidder = make_subject("responder")
    expert = make_subject("expert", id_number=fake.id_number())
    with db.session() as s:
        outs = ingest(
            s,
            cipher,
            [
                RecordIn(
                    platform="gov_procurement",
                    external_id=f"GP-{n}",
                    subject_id=bidder,
                    item_code="GP-R-001",
                    occurred_on=clock.today(),
                    project_code="ZFCG-2026-7",
                )
                for n in range(3)
            ]
            + [
                RecordIn(
                    platform="gov_procurement",
                    external_id="GP-E",
                    subject_id=expert,
                    item_code="GP-R-015",
                    occurred_on=clock.today(),
                )
            ],
            "test",
        )
        revoke_record(s, outs[2].id, "复核撤销", "test")
        ledger.sign(s, signing_key(db.settings.secrets_dir))
    return [o.id for o in outs]


def test_export_command_writes_published_records_and_a_manifest(
    cli_env, cipher, make_subject, fake, tmp_path
):  # type: ignore[no-untyped-def]
    ids = seed(cli_env, cipher, make_subject, fake)
    out = tmp_path / "public.jsonl"
    result = runner.invoke(cli, ["exchange", "export", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["record_id"] for r in lines] == ids[:2]  # revoked and non-public records are not exported
    assert list(lines[0]) == NAMES and lines[0]["uscc"] and lines[0]["id_number_masked"] is None
    manifest = json.loads((tmp_path / "public.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == 2 and manifest["max_record_id"] == max(ids)
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["ledger_head"]["tree_size"] >= 4 and len(manifest["ledger_head"]["root_hash"]) == 64
    assert [f["name"] for f in manifest["fields"]] == NAMES
    as_csv = tmp_path / "public.csv"
    assert runner.invoke(cli, ["exchange", "export", str(as_csv)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.read_text(encoding="utf-8-sig"))))
    assert [int(r["record_id"]) for r in rows] == ids[:2] and list(rows[0]) == NAMES
    assert runner.invoke(cli, ["exchange", "export", str(tmp_path / "x.xml")]).exit_code == 1


def test_public_export_over_http(db, client, cipher, make_subject, fake):  # type: ignore[no-untyped-def]
    ids = seed(db, cipher, make_subject, fake)
    r = client.get("/api/v1/exports/public-records")  # public: no token
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line)["record_id"] for line in r.text.splitlines()] == ids[:2]
    assert r.headers["X-GGZY-Max-Record-Id"] == str(max(ids)) and ":" in r.headers["X-GGZY-Ledger-Head"]
    c = client.get("/api/v1/exports/public-records?format=csv")
    assert c.status_code == 200 and c.text.lstrip("\ufeff").startswith("record_id,platform")
    assert client.get("/api/v1/exports/public-records?format=xml").status_code == 422
    manifest = client.get("/api/v1/exports/public-records/manifest").json()
    assert manifest["schema_version"] == "1" and manifest["ledger_head"]["tree_size"] >= 4


def test_non_public_export_only_through_an_approved_grant(
    db, client, auth, account, cipher, make_subject, fake
):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from ggzy_credit.audit.models import AuditEntry

    ids = seed(db, cipher, make_subject, fake)
    with db.session() as s:
        from ggzy_credit.records.models import CreditRecord

        subjects = sorted({s.get(CreditRecord, i).subject_id for i in ids})  # type: ignore[union-attr]
    asked = client.post(
        "/api/v1/approvals",
        headers=auth("regulator"),
        json={"kind": "bulk_export", "purpose": "围标串标线索核查", "subject_ids": subjects},
    )
    assert asked.status_code == 201, asked.text
    approval = asked.json()["id"]
    url = f"/api/v1/exports/approved/{approval}"
    assert client.get(url, headers=auth("regulator")).status_code == 403  # not approved yet
    approver = account(role="reviewer")  # approvals are decided by a person's account, never a system token
    assert client.post(f"/api/v1/approvals/{approval}/approve", json={}, headers=approver).status_code == 200
    assert client.get(url, headers=auth("reviewer")).status_code == 404  # someone else's request
    r = client.get(url, headers=auth("regulator"))
    assert r.status_code == 200, r.text
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert sorted(x["record_id"] for x in rows) == sorted(ids)  # all four, non-public and revoked included
    flags = {x["record_id"]: (x["published"], x["removed"]) for x in rows}
    assert (
        flags[ids[0]] == (True, False) and flags[ids[2]] == (False, True) and flags[ids[3]] == (False, False)
    )
    assert client.get(url, headers=auth("regulator")).status_code == 403  # a single-use grant is used up
    with db.session() as s:
        lines = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "GET /api/v1/exports/approved/{approval_id}")
            .order_by(AuditEntry.seq)
        ).all()
    assert [line.kind for line in lines] == ["denied", "read", "denied"]
    assert lines[1].grant_id is not None and sorted(lines[1].subject_ids) == subjects
