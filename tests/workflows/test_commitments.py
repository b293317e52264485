"""Credit commitments (信用承诺, 山东方案（十三）): sign, verify once; an untrue one becomes a record."""

from __future__ import annotations

from sqlalchemy import func, select

from ggzy_credit.records.models import CreditRecord
from ggzy_credit.workflows.models import Notification

BASE = "/api/v1/commitments"


def template_code(client) -> str:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/commitment-templates", params={"platform": "gov_procurement"})
    assert r.status_code == 200 and r.json(), r.text
    return r.json()[0]["code"]


def sign(client, headers, code, project="ZFCG2026-0101"):  # type: ignore[no-untyped-def]
    return client.post(
        BASE,
        headers=headers,
        json={
            "platform": "gov_procurement",
            "template_code": code,
            "project_code": project,
            "project_name": "办公设备采购",
        },
    )


def test_templates_are_public_and_signing_keeps_the_text(client, make_subject, subject_auth, auth):  # type: ignore[no-untyped-def]
    templates = client.get("/api/v1/commitment-templates", params={"platform": "gov_procurement"}).json()
    assert all(t["title"] and t["body"] for t in templates)
    assert client.get("/api/v1/commitment-templates", params={"platform": "nowhere"}).status_code == 404
    subject = make_subject("responder")
    r = sign(client, subject_auth(subject), templates[0]["code"])
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "signed" and out["subject_id"] == subject
    assert (out["title"], out["body"]) == (templates[0]["title"], templates[0]["body"])
    again = sign(client, subject_auth(subject), templates[0]["code"])
    assert again.status_code == 409 and again.json()["existing_id"] == out["id"]
    assert (
        sign(client, subject_auth(subject), templates[0]["code"], project="ZFCG2026-0102").status_code == 201
    )
    assert sign(client, auth("recorder"), templates[0]["code"]).status_code == 403
    bad = sign(client, subject_auth(subject), "GP-C-999")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "template_code"]


def test_true_commitment_closes_without_a_record(client, auth, make_subject, subject_auth, db):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    cid = sign(client, subject_auth(subject), template_code(client)).json()["id"]
    verdict = {"truthful": True, "reason": "经查询资质证书，承诺属实"}
    assert (
        client.post(f"{BASE}/{cid}/verification", headers=subject_auth(subject), json=verdict).status_code
        == 403
    )
    assert (
        client.post(f"{BASE}/{cid}/verification", headers=auth("regulator"), json=verdict).status_code == 403
    )
    r = client.post(f"{BASE}/{cid}/verification", headers=auth("recorder"), json=verdict)
    assert (
        r.status_code == 200
        and r.json()["status"] == "verified_true"
        and r.json()["breach_record_id"] is None
    )
    flipped = {"truthful": False, "reason": "复查"}
    assert (
        client.post(f"{BASE}/{cid}/verification", headers=auth("reviewer"), json=flipped).status_code == 409
    )
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 0
        assert "属实" in s.scalar(
            select(Notification.title).where(Notification.kind == "commitment_verified")
        )


def test_false_commitment_becomes_a_breach_record(client, auth, make_subject, subject_auth, db):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    cid = sign(client, subject_auth(subject), template_code(client)).json()["id"]
    r = client.post(
        f"{BASE}/{cid}/verification",
        headers=auth("reviewer"),
        json={"truthful": False, "reason": "承诺具备的资质证书已于开标前失效"},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "verified_false" and out["breach_record_id"]
    record = client.get(f"/api/v1/records/{out['breach_record_id']}", headers=auth("reviewer")).json()
    assert record["source"] == "commitment_breach" and record["item_code"] == "GP-R-009"
    assert record["external_id"] == f"CMT-{cid}" and record["project_code"] == "ZFCG2026-0101"
    assert f"承诺书 {cid}" in record["description"]
    assert (
        client.post(
            f"{BASE}/{cid}/verification",
            headers=auth("admin"),
            json={"truthful": False, "reason": "再次核查"},
        ).status_code
        == 409
    )
    with db.session() as s:
        kinds = set(s.scalars(select(Notification.kind).where(Notification.subject_id == subject)))
        assert kinds == {"commitment_verified", "record_created"}


def test_breach_needs_an_applicable_item(client, auth, make_subject, subject_auth, db):  # type: ignore[no-untyped-def]
    """GP-R-009 applies to responders and intermediaries; an initiator's false commitment is refused whole."""
    subject = make_subject("initiator")
    cid = sign(client, subject_auth(subject), template_code(client)).json()["id"]
    r = client.post(
        f"{BASE}/{cid}/verification", headers=auth("reviewer"), json={"truthful": False, "reason": "不实"}
    )
    assert r.status_code == 422 and "item_code" in r.text
    assert client.get(f"{BASE}/{cid}", headers=auth("reviewer")).json()["status"] == "signed"


def test_reading_commitments_is_scoped(client, auth, make_subject, subject_auth):  # type: ignore[no-untyped-def]
    subject, other = make_subject("responder"), make_subject("responder")
    cid = sign(client, subject_auth(subject), template_code(client)).json()["id"]
    assert client.get(f"{BASE}/{cid}", headers=subject_auth(other)).status_code == 403
    assert client.get(f"{BASE}/{cid}", headers=subject_auth(subject)).status_code == 200
    assert client.get(BASE, headers=subject_auth(other)).json()["total"] == 0
    listed = client.get(
        BASE, headers=auth("reviewer"), params={"status": "signed", "project_code": "ZFCG2026-0101"}
    )
    assert listed.json()["total"] == 1
