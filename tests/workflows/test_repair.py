"""Credit repair (信用修复, 山东方案（十一）): waiting periods, review, second-person approval, effects."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.records.events import RecordEvent
from ggzy_credit.scoring.evaluation import run_evaluation
from ggzy_credit.scoring.models import ScoreHistory
from ggzy_credit.workflows.models import Notification, RepairApplication

BASE = "/api/v1/repairs"
GENERAL, SERIOUS = "GP-R-005", "GP-R-001"  # gov_procurement 2024.1: general waits 90 days, serious 180


def apply(client, headers, record_id, pdf, reason="已补缴保证金并完成整改，附整改报告"):  # type: ignore[no-untyped-def]
    return client.post(
        BASE, headers=headers, data={"record_id": str(record_id), "reason": reason}, files=[pdf()]
    )


def score_on(db, subject_id: int, day: date) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        row = s.scalar(
            select(ScoreHistory.score).where(
                ScoreHistory.subject_id == subject_id,
                ScoreHistory.valid_from <= day,
                (ScoreHistory.valid_to.is_(None)) | (ScoreHistory.valid_to > day),
            )
        )
    return 100 if row is None else int(row)


@pytest.mark.parametrize(("item", "days"), [(GENERAL, 90), (SERIOUS, 180)])
def test_application_waits_for_the_severity_period(
    client, make_subject, make_record, subject_auth, pdf, item, days
):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    early, _ = make_record(subject, item=item, days_ago=days - 1)
    r = apply(client, subject_auth(subject), early, pdf)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "record_id"]
    assert str(clock.today() + timedelta(days=1)) in r.json()["detail"][0]["msg"]
    ready, _ = make_record(subject, item=item, days_ago=days)
    r = apply(client, subject_auth(subject), ready, pdf)
    assert r.status_code == 201, r.text
    assert r.json()["eligible_from"] == str(clock.today()) and r.json()["status"] == "submitted"


def test_review_then_second_person_approves(
    client, auth, make_subject, make_record, subject_auth, pdf, reviewers, db
):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    record, points = make_record(subject, item=GENERAL, days_ago=100)
    with db.session() as s:
        run_evaluation(s)
    assert score_on(db, subject, clock.today()) == 100 - points
    first, second = reviewers
    aid = apply(client, subject_auth(subject), record, pdf).json()["id"]
    review = {"recommendation": "approve", "reason": "整改材料真实完整"}
    decision = {"approve": True, "reason": "同意修复"}
    # deciding before review: wrong state; reviewing: wrong roles
    assert client.post(f"{BASE}/{aid}/decision", headers=second, json=decision).status_code == 409
    assert client.post(f"{BASE}/{aid}/review", headers=auth("recorder"), json=review).status_code == 403
    assert client.post(f"{BASE}/{aid}/review", headers=subject_auth(subject), json=review).status_code == 403
    r = client.post(f"{BASE}/{aid}/review", headers=first, json=review)
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    assert client.post(f"{BASE}/{aid}/review", headers=second, json=review).status_code == 409
    # the reviewer may not also approve (四眼原则); nor may a recorder or the subject
    assert client.post(f"{BASE}/{aid}/decision", headers=first, json=decision).status_code == 403
    assert client.post(f"{BASE}/{aid}/decision", headers=auth("recorder"), json=decision).status_code == 403
    assert (
        client.post(f"{BASE}/{aid}/decision", headers=subject_auth(subject), json=decision).status_code == 403
    )
    r = client.post(f"{BASE}/{aid}/decision", headers=second, json=decision)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "approved" and out["effective_on"] == str(clock.today())
    assert out["hide_from_public"] is True and out["stop_counting"] is True
    assert client.post(f"{BASE}/{aid}/decision", headers=auth("admin"), json=decision).status_code == 409
    assert (
        client.post(
            f"{BASE}/{aid}/withdraw", headers=subject_auth(subject), json={"reason": "撤回"}
        ).status_code
        == 409
    )
    # effects: off public display, deduction no longer counts from today, subject told, ledger event
    assert (
        client.get(f"/api/v1/records/{record}", headers=auth("reviewer")).json()["hidden_from_public"] is True
    )
    assert score_on(db, subject, clock.today()) == 100
    assert score_on(db, subject, clock.today() - timedelta(days=1)) == 100 - points
    with db.session() as s:
        event = s.scalar(select(RecordEvent).where(RecordEvent.record_id == record))
        assert event.kind == "repaired" and event.effective_on == clock.today()
        note = s.scalar(select(Notification).where(Notification.kind == "repair_decided"))
        assert note.subject_id == subject and "已批准" in note.title
        assert (
            s.scalar(
                select(func.count())
                .select_from(LedgerLeaf)
                .where(LedgerLeaf.entity == "repair_applications", LedgerLeaf.entity_id == aid)
            )
            == 1
        )
    # a repaired record cannot be repaired again
    assert apply(client, subject_auth(subject), record, pdf).status_code == 409


def test_rejection_changes_nothing_and_tells_the_subject(
    client, auth, make_subject, make_record, subject_auth, pdf, reviewers, db
):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    record, _ = make_record(subject, item=GENERAL, days_ago=95)
    first, second = reviewers
    aid = apply(client, subject_auth(subject), record, pdf).json()["id"]
    client.post(
        f"{BASE}/{aid}/review", headers=first, json={"recommendation": "reject", "reason": "整改证明不足"}
    )
    r = client.post(
        f"{BASE}/{aid}/decision", headers=second, json={"approve": False, "reason": "未能证明已消除影响"}
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["effective_on"] is None
    assert (
        client.get(f"/api/v1/records/{record}", headers=auth("reviewer")).json()["hidden_from_public"]
        is False
    )
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RecordEvent)) == 0
        assert "未获批准" in s.scalar(select(Notification.title).where(Notification.kind == "repair_decided"))
    # after a rejection the subject may apply again
    assert apply(client, subject_auth(subject), record, pdf).status_code == 201


def test_withdraw_and_other_refusals(client, auth, make_subject, make_record, subject_auth, pdf, item_for):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    other = make_subject("responder")
    record, _ = make_record(subject, item=GENERAL, days_ago=91)
    praise, _ = make_record(
        subject, item=item_for("gov_procurement", item_kind="commendation")[0], days_ago=200
    )
    assert apply(client, subject_auth(subject), praise, pdf).status_code == 422
    assert apply(client, auth("reviewer"), record, pdf).status_code == 403
    assert apply(client, subject_auth(other), record, pdf).status_code == 403
    r = client.post(BASE, headers=subject_auth(subject), data={"record_id": str(record), "reason": "整改"})
    assert r.status_code == 422
    aid = apply(client, subject_auth(subject), record, pdf).json()["id"]
    assert apply(client, subject_auth(subject), record, pdf).status_code == 409
    reason = {"reason": "另行提交"}
    assert client.post(f"{BASE}/{aid}/withdraw", headers=subject_auth(other), json=reason).status_code == 403
    assert client.post(f"{BASE}/{aid}/withdraw", headers=auth("admin"), json=reason).status_code == 403
    r = client.post(f"{BASE}/{aid}/withdraw", headers=subject_auth(subject), json=reason)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    review = {"recommendation": "approve", "reason": "材料齐全"}
    assert client.post(f"{BASE}/{aid}/review", headers=auth("reviewer"), json=review).status_code == 409
    assert client.get(f"{BASE}/{aid}", headers=subject_auth(other)).status_code == 403
    assert client.get(BASE, headers=subject_auth(subject)).json()["total"] == 1
    assert client.get(BASE, headers=auth("reviewer"), params={"status": "withdrawn"}).json()["total"] == 1
    assert client.get(BASE, headers=auth("reviewer"), params={"status": "nonsense"}).status_code == 422


def test_standard_without_stop_counting_only_hides(
    client, auth, make_subject, make_record, subject_auth, pdf, reviewers, pinned, db
):  # type: ignore[no-untyped-def]
    """engineering 2023.1 hides repaired records but keeps counting their deductions."""
    subject = make_subject("responder")
    first, second = reviewers
    with pinned(date(2023, 6, 1)):
        record, _ = make_record(subject, platform="engineering", item=None, days_ago=0)
    with pinned(date(2023, 12, 1)):
        aid = apply(client, subject_auth(subject), record, pdf).json()["id"]
        client.post(
            f"{BASE}/{aid}/review", headers=first, json={"recommendation": "approve", "reason": "已整改"}
        )
        out = client.post(
            f"{BASE}/{aid}/decision", headers=second, json={"approve": True, "reason": "同意"}
        ).json()
        assert (
            out["status"] == "approved" and out["hide_from_public"] is True and out["stop_counting"] is False
        )
        assert (
            client.get(f"/api/v1/records/{record}", headers=auth("admin")).json()["hidden_from_public"]
            is True
        )
    with db.session() as s:
        assert s.get(RepairApplication, aid).effective_on == date(2023, 12, 1)
        assert s.scalar(select(RecordEvent.stops_counting).where(RecordEvent.record_id == record)) is False
