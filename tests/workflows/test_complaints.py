"""Complaints and reports (质疑/举报, 山东方案（十八）): anyone reports; verified ones become records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.subjects.models import Subject
from ggzy_credit.workflows.models import Complaint

BASE = "/api/v1/complaints"


@pytest.fixture
def report(client, make_subject, pdf):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    form = {
        "subject_id": str(subject),
        "platform": "gov_procurement",
        "project_code": "ZFCG2026-0201",
        "description": "该供应商在本项目中提供的业绩合同与实际不符，附合同复印件",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
    }

    def send(**changes: str) -> object:
        data = {k: v for k, v in (form | changes).items() if v is not None}
        return client.post(BASE, data=data, files=[pdf("合同.pdf")])

    send.subject = subject  # type: ignore[attr-defined]
    return send


def test_anyone_may_report_without_logging_in(client, auth, report, db):  # type: ignore[no-untyped-def]
    r = report()
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "submitted"
    detail = client.get(f"{BASE}/{r.json()['id']}", headers=auth("reviewer")).json()
    assert detail["reporter_phone"] == "138****5678" and detail["evidence"][0]["filename"] == "合同.pdf"
    with db.session() as s:
        row = s.get(Complaint, r.json()["id"])
        assert b"13812345678" not in row.reporter_contact_enc


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "太短"}, "description"),
        ({"subject_id": "999999"}, "subject_id"),
        ({"platform": "nowhere"}, "platform"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"subject_uscc": "91310000MA1K000000"}, "subject_id"),
    ],
)
def test_reports_are_validated_hard(report, changes, field, db):  # type: ignore[no-untyped-def]
    r = report(**changes)
    assert r.status_code == 422 and field in str(r.json()["detail"]), r.text
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 0


def test_report_by_uscc_and_without_evidence(client, report, db, pdf):  # type: ignore[no-untyped-def]
    with db.session() as s:
        uscc = s.get(Subject, report.subject).uscc
    assert report(subject_id=None, subject_uscc=uscc).status_code == 201
    r = client.post(
        BASE,
        data={
            "subject_id": str(report.subject),
            "platform": "gov_procurement",
            "description": "没有附任何证据的举报内容",
        },
    )
    assert r.status_code == 422


def test_verified_report_becomes_a_complaint_record(client, auth, report, item_for, db):  # type: ignore[no-untyped-def]
    cid = report().json()["id"]
    code, points = item_for("gov_procurement")
    occurred = str(clock.today() - timedelta(days=20))
    decision = {
        "verified": True,
        "reason": "经调取投标文件核实，业绩合同系伪造",
        "item_code": code,
        "occurred_on": occurred,
    }
    assert client.post(f"{BASE}/{cid}/decision", headers=auth("recorder"), json=decision).status_code == 403
    assert client.post(f"{BASE}/{cid}/decision", json=decision).status_code == 401
    missing = client.post(
        f"{BASE}/{cid}/decision", headers=auth("reviewer"), json=decision | {"item_code": None}
    )
    assert missing.status_code == 422
    r = client.post(f"{BASE}/{cid}/decision", headers=auth("reviewer"), json=decision)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "verified" and out["record_id"]
    record = client.get(f"/api/v1/records/{out['record_id']}", headers=auth("reviewer")).json()
    assert record["source"] == "complaint" and record["external_id"] == f"CPL-{cid}"
    assert record["points"] == points and record["occurred_on"] == occurred
    assert record["project_code"] == "ZFCG2026-0201"
    again = {"verified": False, "reason": "复查"}
    assert client.post(f"{BASE}/{cid}/decision", headers=auth("admin"), json=again).status_code == 409


def test_unfounded_report_is_closed_with_reason(client, auth, report, db):  # type: ignore[no-untyped-def]
    cid = report().json()["id"]
    r = client.post(
        f"{BASE}/{cid}/decision", headers=auth("reviewer"), json={"verified": False, "reason": ""}
    )
    assert r.status_code == 422
    r = client.post(
        f"{BASE}/{cid}/decision",
        headers=auth("admin"),
        json={"verified": False, "reason": "经核实，业绩合同真实有效"},
    )
    assert r.status_code == 200 and r.json()["status"] == "unfounded" and r.json()["record_id"] is None
    assert (
        client.post(
            f"{BASE}/{cid}/decision",
            headers=auth("reviewer"),
            json={
                "verified": True,
                "reason": "改判",
                "item_code": "GP-R-001",
                "occurred_on": str(clock.today()),
            },
        ).status_code
        == 409
    )
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 0


def test_reading_reports_needs_a_staff_role(client, auth, report, make_subject, subject_auth):  # type: ignore[no-untyped-def]
    cid = report().json()["id"]
    assert client.get(BASE).status_code == 401
    assert client.get(BASE, headers=subject_auth(report.subject)).status_code == 403
    assert client.get(f"{BASE}/{cid}", headers=auth("bank")).status_code == 403
    listed = client.get(BASE, headers=auth("regulator"), params={"status": "submitted"}).json()
    assert listed["total"] == 1 and listed["items"][0]["reporter_phone"] == "138****5678"
