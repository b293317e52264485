"""复核: the queue of records to verify, verify/question from the portal and the API, who may not."""

from __future__ import annotations

import re

from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.workflows.models import RecordReview


def test_queue_lists_unreviewed_records_newest_first_and_filters_by_platform(world, browser_for):
    reviewer, _csrf = browser_for("reviewer")
    queue = reviewer.get("/staff/reviews")
    assert queue.status_code == 200 and "<title>信用记录复核" in queue.text
    ids = [int(i) for i in re.findall(r'<tr id="review-(\d+)"', queue.text)]
    assert ids == sorted([world.public_record, world.hidden_record, world.expert_record], reverse=True)
    centre = reviewer.get("/staff/reviews?platform=centre")
    assert re.findall(r'<tr id="review-(\d+)"', centre.text) == [str(world.expert_record)]
    assert reviewer.get("/staff/reviews?status=bogus").status_code == 422
    home = reviewer.get("/staff")
    assert 'href="/staff/reviews"' in home.text and "待复核的信用记录" in home.text
    english = reviewer.get("/staff/reviews?lang=en")
    assert "Record review" in english.text and "Verified" in english.text


def test_reviewer_verifies_from_queue_and_questions_with_a_note(db, world, browser_for, rows):
    reviewer, csrf = browser_for("reviewer")
    leaves = rows(LedgerLeaf)
    verified = reviewer.post(
        f"/staff/records/{world.public_record}/review",
        data={"csrf_token": csrf, "status": "verified", "next": "/staff/reviews?status=unreviewed"},
    )
    assert verified.status_code == 303
    assert verified.headers["location"] == f"/staff/reviews?status=unreviewed&done={world.public_record}"
    assert rows(LedgerLeaf) == leaves + 1
    after = reviewer.get(verified.headers["location"])
    assert f'id="review-{world.public_record}"' not in after.text and "已复核" in after.text
    assert f'id="review-{world.public_record}"' in reviewer.get("/staff/reviews?status=verified").text

    again = reviewer.post(
        f"/staff/records/{world.public_record}/review", data={"csrf_token": csrf, "status": "verified"}
    )
    assert again.status_code == 422 and "已复核无误" in again.text

    # Questioning needs a note: the form comes back with the choice kept and the error at the field.
    before = rows(RecordReview)
    refused = reviewer.post(
        f"/staff/records/{world.expert_record}/review",
        data={"csrf_token": csrf, "status": "questioned", "note": " "},
    )
    assert refused.status_code == 422
    assert re.search(r'id="f-note-error">请填写书面理由', refused.text)
    assert 'value="questioned" checked' in refused.text
    assert rows(RecordReview) == before
    bad_status = reviewer.post(
        f"/staff/records/{world.expert_record}/review", data={"csrf_token": csrf, "status": "maybe"}
    )
    assert bad_status.status_code == 422 and re.search(r'id="f-status-error">status 应为', bad_status.text)
    too_long = reviewer.post(
        f"/staff/records/{world.expert_record}/review",
        data={"csrf_token": csrf, "status": "verified", "note": "长" * 4001},
    )
    assert too_long.status_code == 422
    assert rows(RecordReview) == before

    questioned = reviewer.post(
        f"/staff/records/{world.expert_record}/review",
        data={"csrf_token": csrf, "status": "questioned", "note": "扣分日期与项目时间不符"},
    )
    assert questioned.status_code == 303
    page = reviewer.get(questioned.headers["location"])
    assert "复核意见已记录" in page.text and "扣分日期与项目时间不符" in page.text
    listed = reviewer.get("/staff/reviews?status=questioned")
    assert f'id="review-{world.expert_record}"' in listed.text and "扣分日期与项目时间不符" in listed.text

    recorder, _ = browser_for("recorder")
    assert "扣分日期与项目时间不符" in recorder.get("/staff/reviews?status=questioned").text
    assert "/review" not in recorder.get(f"/staff/records/{world.expert_record}").text.split('id="review"')[1]


def test_who_may_not_review(db, world, browser_for, portal, rows):
    recorder, recorder_csrf = browser_for("recorder")
    subject, subject_csrf = browser_for("subject")
    regulator, regulator_csrf = browser_for("regulator")
    for client, csrf in ((recorder, recorder_csrf), (subject, subject_csrf), (regulator, regulator_csrf)):
        refused = client.post(
            f"/staff/records/{world.public_record}/review", data={"csrf_token": csrf, "status": "verified"}
        )
        assert refused.status_code == 403
    assert subject.get("/staff/reviews").status_code == 403
    assert regulator.get("/staff/reviews").status_code == 403
    anonymous = portal.get("/staff/reviews")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    assert portal.post(
        f"/staff/records/{world.public_record}/review", data={"status": "verified"}
    ).status_code in (
        401,
        403,
    )
    reviewer, _csrf = browser_for("reviewer")
    no_token = reviewer.post(f"/staff/records/{world.public_record}/review", data={"status": "verified"})
    assert no_token.status_code == 403
    assert rows(RecordReview) == 0


def test_nobody_reviews_their_own_record(db, world, browser_for, rows):
    admin, csrf = browser_for("admin")
    created = admin.post(
        "/staff/records/new",
        data={
            "csrf_token": csrf,
            "platform": "gov_procurement",
            "subject_uscc": _uscc(db, world.company),
            "item_code": "GP-R-001",
            "occurred_on": "2026-06-10",
            "deducted_on": "2026-06-12",
            "source": "manual",
        },
    )
    assert created.status_code == 303, created.text
    record_id = int(re.search(r"/staff/records/(\d+)", created.headers["location"]).group(1))
    page = admin.get(f"/staff/records/{record_id}")
    assert "本人录入的记录须由其他复核员复核" in page.text
    refused = admin.post(
        f"/staff/records/{record_id}/review", data={"csrf_token": csrf, "status": "verified"}
    )
    assert refused.status_code == 403 and "四眼原则" in refused.text
    assert rows(RecordReview) == 0


def test_review_api(db, world, client, auth, account, rows):
    queue = client.get("/api/v1/record-reviews", headers=auth("reviewer"))
    assert queue.status_code == 200 and queue.json()["total"] == 3
    done = client.post(
        f"/api/v1/records/{world.public_record}/reviews",
        json={"status": "questioned", "note": "项目编号有误"},
        headers=auth("reviewer"),
    )
    assert done.status_code == 201, done.text
    assert done.json()["seq"] == 1 and done.json()["status"] == "questioned"
    history = client.get(f"/api/v1/records/{world.public_record}/reviews", headers=auth("recorder"))
    assert [r["note"] for r in history.json()] == ["项目编号有误"]
    verified = client.post(
        f"/api/v1/records/{world.public_record}/reviews", json={"status": "verified"}, headers=auth("admin")
    )
    assert verified.status_code == 201 and verified.json()["seq"] == 2
    listed = client.get("/api/v1/record-reviews?status=verified", headers=auth("recorder")).json()
    assert [i["record_id"] for i in listed["items"]] == [world.public_record]
    for body in ({"status": "ok"}, {"status": "verified", "extra": 1}, {}, {"status": "questioned"}):
        bad = client.post(
            f"/api/v1/records/{world.expert_record}/reviews", json=body, headers=auth("reviewer")
        )
        assert bad.status_code == 422, body
    assert (
        client.post(
            f"/api/v1/records/{world.expert_record}/reviews",
            json={"status": "verified"},
            headers=auth("recorder"),
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/records/999999/reviews", json={"status": "verified"}, headers=auth("reviewer")
        ).status_code
        == 404
    )
    assert client.get("/api/v1/record-reviews", headers=account(world.company)).status_code == 403
    assert client.get("/api/v1/record-reviews").status_code == 401
    assert rows(RecordReview) == 2


def _uscc(db, subject_id: int) -> str:  # type: ignore[no-untyped-def]
    from ggzy_credit.subjects.models import Subject

    with db.session() as session:
        return session.get(Subject, subject_id).uscc
