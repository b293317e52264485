"""An upheld objection end to end: filed, accepted, approved (credit_change), decided → the record is
revoked, the score is restored in the scores API, the decision is in the ledger, the subject is told."""

from __future__ import annotations

from sqlalchemy import select

from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.scoring.evaluation import run_evaluation
from ggzy_credit.workflows.models import Notification


def gov_score(client, headers, subject_id: int) -> int:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/subjects/{subject_id}/scores", headers=headers)
    assert r.status_code == 200, r.text
    return next(s["score"] for s in r.json()["scores"] if s["platform"] == "gov_procurement")


def test_upheld_objection_restores_the_score(  # type: ignore[no-untyped-def]
    client, auth, db, make_subject, make_record, subject_auth, reviewers, grant, pdf
):
    subject = make_subject("responder")
    record, points = make_record(subject, days_ago=3)
    with db.session() as s:
        run_evaluation(s)  # the stored daily history exists too, and must be rebuilt by the revocation
    me = subject_auth(subject)
    assert gov_score(client, me, subject) == 100 - points

    r = client.post(
        "/api/v1/objections",
        headers=me,
        files=[pdf()],
        data={"record_id": str(record), "reason": "我单位未参加该项目投标，记录主体有误"},
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    first, second = reviewers
    assert (
        client.post(
            f"/api/v1/objections/{oid}/accept", headers=first, json={"reason": "材料齐全，受理"}
        ).status_code
        == 200
    )
    grant(first, second, record)
    r = client.post(
        f"/api/v1/objections/{oid}/decision",
        headers=first,
        json={
            "outcome": "upheld",
            "reason": "经核对开标记录，该单位未参加本项目投标",
            "remedy": {"action": "revoke"},
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "upheld" and r.json()["remedy"] == "revoke"

    assert gov_score(client, me, subject) == 100
    assert client.get(f"/api/v1/records/{record}", headers=me).json()["objection_status"] is None
    with db.session() as s:
        leaf = s.scalar(
            select(LedgerLeaf).where(LedgerLeaf.entity == "objections", LedgerLeaf.entity_id == oid)
        )
        assert leaf is not None and leaf.kind == "objection.decided"
        note = s.scalar(select(Notification).where(Notification.kind == "objection_decided"))
        assert note.subject_id == subject and "异议成立" in note.title and "未参加本项目投标" in note.body
    notices = client.get("/api/v1/notifications", headers=me).json()["items"]
    assert notices[0]["kind"] == "objection_decided"


def test_ledger_verify_covers_workflow_decisions(  # type: ignore[no-untyped-def]
    client, auth, db, make_subject, make_record, subject_auth, pdf
):
    """Only decided objections are ledger events: open ones are not expected there; a decided one
    edited behind the application's back is caught."""
    from sqlalchemy import update

    from ggzy_credit.ledger.keys import signing_key
    from ggzy_credit.ledger.verify import verify
    from ggzy_credit.workflows.models import Objection

    subject = make_subject("responder")
    first, _ = make_record(subject)
    second, _ = make_record(subject)
    me = subject_auth(subject)
    ids = []
    for record in (first, second):
        r = client.post(
            "/api/v1/objections",
            headers=me,
            files=[pdf()],
            data={"record_id": str(record), "reason": "记录有误"},
        )
        ids.append(r.json()["id"])
    client.post(f"/api/v1/objections/{ids[0]}/accept", headers=auth("reviewer"), json={"reason": "受理"})
    client.post(
        f"/api/v1/objections/{ids[0]}/decision",
        headers=auth("reviewer"),
        json={"outcome": "rejected", "reason": "经核实记录无误"},
    )
    public_key = signing_key(db.settings.secrets_dir).public_key()
    with db.session() as s:
        report = verify(s, public_key)
        assert report.ok, [p.message for p in report.problems]
    with db.session() as s:
        s.execute(update(Objection).where(Objection.id == ids[0]).values(decision_reason="悄悄改过的理由"))
    with db.session() as s:
        problems = verify(s, public_key).problems
    assert [(p.entity, p.entity_id) for p in problems] == [("objections", ids[0])]
