"""Objections (异议, 上海办法第十九条): every transition, by the right role, in the right state, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.records.events import RecordEvent
from ggzy_credit.workflows.models import Notification, Objection, WorkflowTransition

BASE = "/api/v1/objections"


@pytest.fixture
def disputed(make_subject, make_record):  # type: ignore[no-untyped-def]
    """A subject with one gov_procurement record deducted 5 days ago: (subject_id, record_id, points)."""
    subject = make_subject("responder")
    record, points = make_record(subject, days_ago=5)
    return subject, record, points


def submit(client, headers, record_id, pdf, reason="该记录所述行为并非我单位所为，附情况说明"):  # type: ignore[no-untyped-def]
    return client.post(
        BASE, headers=headers, data={"record_id": str(record_id), "reason": reason}, files=[pdf()]
    )


def test_objection_fixes_receipt_and_due_date_and_marks_the_record(client, auth, disputed, subject_auth, pdf):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    r = submit(client, subject_auth(subject), record, pdf)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "submitted" and out["target"] == "record" and out["record_id"] == record
    assert out["due_on"] > out["received_on"] and out["overdue"] is False
    assert [e["content_type"] for e in out["evidence"]] == ["application/pdf"]
    assert out["history"][0]["to_status"] == "submitted" and out["history"][0]["reason"]
    # 异议处理中 everywhere the record is shown
    assert (
        client.get(f"/api/v1/records/{record}", headers=auth("reviewer")).json()["objection_status"]
        == "异议处理中"
    )
    listed = client.get(f"/api/v1/subjects/{subject}/records", headers=auth("reviewer")).json()
    assert listed["items"][0]["objection_status"] == "异议处理中"
    read = client.get(f"{BASE}/{out['id']}", headers=auth("reviewer")).json()
    assert read["due_on"] == out["due_on"]


def test_only_the_subject_itself_may_object(client, auth, disputed, subject_auth, make_subject, pdf):  # type: ignore[no-untyped-def]
    _, record, _ = disputed
    other = make_subject("responder")
    assert submit(client, auth("reviewer"), record, pdf).status_code == 403
    assert submit(client, auth("recorder"), record, pdf).status_code == 403
    assert submit(client, subject_auth(other), record, pdf).status_code == 403


def test_objection_needs_reason_and_evidence(client, disputed, subject_auth, pdf, db):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    headers = subject_auth(subject)
    r = client.post(BASE, headers=headers, data={"record_id": str(record), "reason": "有误"})
    assert r.status_code == 422
    r = client.post(
        BASE,
        headers=headers,
        data={"record_id": str(record), "reason": "有误"},
        files=[("files", ("a.txt", b"plain text", "text/plain"))],
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "files", 0]
    r = client.post(BASE, headers=headers, data={"record_id": str(record), "reason": " "}, files=[pdf()])
    assert r.status_code == 422 and "reason" in r.text
    r = client.post(BASE, headers=headers, data={"record_id": "999999", "reason": "有误"}, files=[pdf()])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "record_id"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Objection)) == 0


def test_one_open_objection_per_record(client, disputed, subject_auth, pdf):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    first = submit(client, subject_auth(subject), record, pdf)
    again = submit(client, subject_auth(subject), record, pdf)
    assert again.status_code == 409 and again.json()["existing_id"] == first.json()["id"]


def test_accept_then_reject_with_all_forbidden_transitions(client, auth, disputed, subject_auth, pdf, db):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    oid = submit(client, subject_auth(subject), record, pdf).json()["id"]
    reason = {"reason": "材料齐全，予以受理"}
    decision = {"outcome": "rejected", "reason": "经核实，原记录所依据的开标记录准确"}
    # deciding before acceptance: wrong state
    assert client.post(f"{BASE}/{oid}/decision", headers=auth("reviewer"), json=decision).status_code == 409
    # accepting: wrong roles
    for role in ("recorder", "regulator", "bank"):
        assert client.post(f"{BASE}/{oid}/accept", headers=auth(role), json=reason).status_code == 403
    assert client.post(f"{BASE}/{oid}/accept", headers=subject_auth(subject), json=reason).status_code == 403
    assert (
        client.post(f"{BASE}/{oid}/accept", headers=auth("reviewer"), json={"reason": ""}).status_code == 422
    )
    r = client.post(f"{BASE}/{oid}/accept", headers=auth("reviewer"), json=reason)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert client.post(f"{BASE}/{oid}/accept", headers=auth("admin"), json=reason).status_code == 409
    # deciding: wrong roles, then once, then never again
    assert client.post(f"{BASE}/{oid}/decision", headers=auth("recorder"), json=decision).status_code == 403
    assert (
        client.post(f"{BASE}/{oid}/decision", headers=subject_auth(subject), json=decision).status_code == 403
    )
    bad = decision | {"remedy": {"action": "revoke"}}
    assert client.post(f"{BASE}/{oid}/decision", headers=auth("reviewer"), json=bad).status_code == 422
    r = client.post(f"{BASE}/{oid}/decision", headers=auth("reviewer"), json=decision)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (
        out["status"] == "decided" and out["outcome"] == "rejected" and out["outcome_label"] == "异议不成立"
    )
    assert client.post(f"{BASE}/{oid}/decision", headers=auth("admin"), json=decision).status_code == 409
    again = decision | {"outcome": "upheld", "remedy": {"action": "revoke"}}
    assert client.post(f"{BASE}/{oid}/decision", headers=auth("admin"), json=again).status_code == 409
    assert (
        client.post(f"{BASE}/{oid}/withdraw", headers=subject_auth(subject), json=reason).status_code == 409
    )
    # the record no longer shows an open objection; the subject was told the outcome and the reason
    assert (
        client.get(f"/api/v1/records/{record}", headers=auth("reviewer")).json()["objection_status"] is None
    )
    with db.session() as s:
        notes = s.scalars(
            select(Notification).where(
                Notification.subject_id == subject, Notification.kind == "objection_decided"
            )
        ).all()
        assert len(notes) == 1 and "异议不成立" in notes[0].title and decision["reason"] in notes[0].body
        steps = s.scalars(
            select(WorkflowTransition.to_status)
            .where(WorkflowTransition.case_id == oid, WorkflowTransition.case_kind == "objection")
            .order_by(WorkflowTransition.id)
        ).all()
        assert steps == ["submitted", "accepted", "decided"]
        assert (
            s.scalar(
                select(func.count())
                .select_from(LedgerLeaf)
                .where(LedgerLeaf.entity == "objections", LedgerLeaf.entity_id == oid)
            )
            == 1
        )
        assert s.scalar(select(func.count()).select_from(RecordEvent)) == 0


def test_withdraw_by_the_subject_only_while_open(client, auth, disputed, subject_auth, make_subject, pdf):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    oid = submit(client, subject_auth(subject), record, pdf).json()["id"]
    reason = {"reason": "已与平台沟通清楚，撤回异议"}
    assert client.post(f"{BASE}/{oid}/withdraw", headers=auth("reviewer"), json=reason).status_code == 403
    other = make_subject("responder")
    assert client.post(f"{BASE}/{oid}/withdraw", headers=subject_auth(other), json=reason).status_code == 403
    client.post(f"{BASE}/{oid}/accept", headers=auth("reviewer"), json={"reason": "受理"})
    r = client.post(f"{BASE}/{oid}/withdraw", headers=subject_auth(subject), json=reason)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert (
        client.post(f"{BASE}/{oid}/withdraw", headers=subject_auth(subject), json=reason).status_code == 409
    )
    assert client.post(f"{BASE}/{oid}/accept", headers=auth("reviewer"), json=reason).status_code == 409
    decision = {"outcome": "rejected", "reason": "已撤回"}
    assert client.post(f"{BASE}/{oid}/decision", headers=auth("reviewer"), json=decision).status_code == 409
    # a withdrawn objection no longer blocks a new one
    assert submit(client, subject_auth(subject), record, pdf).status_code == 201


def test_upheld_needs_an_approved_credit_change_grant(
    client, disputed, subject_auth, reviewers, grant, pdf, db
):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    first, second = reviewers
    oid = submit(client, subject_auth(subject), record, pdf).json()["id"]
    client.post(f"{BASE}/{oid}/accept", headers=first, json={"reason": "受理"})
    decision = {
        "outcome": "upheld",
        "reason": "开标记录显示该单位未参加本项目",
        "remedy": {"action": "revoke"},
    }
    r = client.post(f"{BASE}/{oid}/decision", headers=first, json=decision)
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    # the requester cannot approve their own request
    req = client.post(
        "/api/v1/approvals",
        headers=first,
        json={"kind": "credit_change", "purpose": "异议成立，撤销错误记录", "record_ids": [record]},
    )
    assert (
        client.post(f"/api/v1/approvals/{req.json()['id']}/approve", headers=first, json={}).status_code
        == 403
    )
    # a grant held by someone else does not help the decider
    grant(second, first, record)
    assert client.post(f"{BASE}/{oid}/decision", headers=first, json=decision).status_code == 403
    with db.session() as s:
        assert s.get(Objection, oid).status == "accepted"
        assert s.scalar(select(func.count()).select_from(RecordEvent)) == 0
    grant(first, second, record)
    r = client.post(f"{BASE}/{oid}/decision", headers=first, json=decision)
    assert r.status_code == 200, r.text
    assert r.json()["remedy"] == "revoke" and r.json()["record_event_id"]


def test_partly_upheld_corrects_the_record(
    client, auth, disputed, subject_auth, reviewers, grant, pdf, item_for, db
):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    first, second = reviewers
    oid = submit(client, subject_auth(subject), record, pdf).json()["id"]
    client.post(f"{BASE}/{oid}/accept", headers=first, json={"reason": "受理"})
    grant(first, second, record)
    decision = {
        "outcome": "partly_upheld",
        "reason": "项目名称记载有误，予以更正",
        "remedy": {"action": "correct", "changes": {"project_name": "2026年办公家具采购项目"}},
    }
    r = client.post(f"{BASE}/{oid}/decision", headers=first, json=decision)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (
        out["outcome_label"] == "异议部分成立" and out["remedy"] == "correct" and out["replacement_record_id"]
    )
    fixed = client.get(f"/api/v1/records/{out['replacement_record_id']}", headers=auth("reviewer")).json()
    assert fixed["project_name"] == "2026年办公家具采购项目"


def test_objection_to_an_evaluation_result(client, auth, make_subject, subject_auth, pdf):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    headers = subject_auth(subject)
    data = {"target": "evaluation", "platform": "gov_procurement", "reason": "评估结果与记录不符"}
    r = client.post(BASE, headers=headers, data=data, files=[pdf()])
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["evaluation_on"] and r.json()["record_id"] is None
    assert client.post(BASE, headers=headers, data=data, files=[pdf()]).status_code == 409
    bad = client.post(BASE, headers=headers, data=data | {"platform": "nowhere"}, files=[pdf()])
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "platform"]
    client.post(f"{BASE}/{oid}/accept", headers=auth("reviewer"), json={"reason": "受理"})
    r = client.post(
        f"{BASE}/{oid}/decision",
        headers=auth("reviewer"),
        json={"outcome": "upheld", "reason": "评估结果已重新计算"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["remedy"] == "reevaluate"


def test_reading_objections_is_scoped(client, auth, disputed, subject_auth, make_subject, pdf, account):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    oid = submit(client, subject_auth(subject), record, pdf).json()["id"]
    other = make_subject("responder")
    assert client.get(f"{BASE}/{oid}", headers=subject_auth(other)).status_code == 403
    assert client.get(f"{BASE}/{oid}", headers=subject_auth(subject)).status_code == 200
    assert client.get(f"{BASE}/{oid}", headers=auth("regulator")).status_code == 200
    assert client.get(f"{BASE}/{oid}", headers=auth("bank")).status_code == 403
    sector = account(role="regulator", platforms=["engineering"])  # another sector's regulator
    assert client.get(f"{BASE}/{oid}", headers=sector).status_code == 403
    assert client.get(BASE, headers=sector).json()["total"] == 0
    assert (
        client.get(BASE, headers=account(role="regulator", platforms=["gov_procurement"])).json()["total"]
        == 1
    )
    assert client.get(BASE, headers=subject_auth(other)).json()["total"] == 0
    assert client.get(BASE, headers=subject_auth(subject)).json()["total"] == 1
    assert client.get(BASE, headers=subject_auth(other), params={"subject_id": subject}).status_code == 403
    digest = client.get(f"{BASE}/{oid}", headers=auth("reviewer")).json()["evidence"][0]["sha256"]
    got = client.get(f"{BASE}/{oid}/evidence/{digest}", headers=subject_auth(subject))
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert client.get(f"{BASE}/{oid}/evidence/{digest}", headers=subject_auth(other)).status_code == 403


def test_more_evidence_while_open(client, auth, disputed, subject_auth, pdf):  # type: ignore[no-untyped-def]
    subject, record, _ = disputed
    oid = submit(client, subject_auth(subject), record, pdf).json()["id"]
    more = [pdf("补充说明.pdf", b"%PDF-1.7 more")]
    assert client.post(f"{BASE}/{oid}/evidence", headers=auth("reviewer"), files=more).status_code == 403
    r = client.post(f"{BASE}/{oid}/evidence", headers=subject_auth(subject), files=more)
    assert (
        r.status_code == 201
        and len(client.get(f"{BASE}/{oid}", headers=auth("admin")).json()["evidence"]) == 2
    )
    client.post(f"{BASE}/{oid}/withdraw", headers=subject_auth(subject), json={"reason": "撤回异议"})
    assert client.post(f"{BASE}/{oid}/evidence", headers=subject_auth(subject), files=more).status_code == 409
