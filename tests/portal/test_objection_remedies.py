"""Upholding an objection by correcting the record (not only revoking it), with field errors."""

from __future__ import annotations

import re

from sqlalchemy import select

from ggzy_credit.records.events import RecordEvent
from ggzy_credit.records.models import CreditRecord

PDF = b"%PDF-1.4\n% objection evidence\n"


def accepted_objection_with_grant(world, browser_for):  # type: ignore[no-untyped-def]
    """Subject files against the company's record; reviewer accepts and gets a credit_change grant."""
    subject, subject_csrf = browser_for("subject")
    filed = subject.post(
        f"/my/subjects/{world.company}/objections",
        data={"csrf_token": subject_csrf, "record_id": str(world.public_record), "reason": "扣分日期有误"},
        files=[("files", ("说明.pdf", PDF, "application/pdf"))],
    )
    assert filed.status_code == 303, filed.text
    objection_id = int(re.search(r"/objections/(\d+)", filed.headers["location"]).group(1))
    reviewer, csrf = browser_for("reviewer")
    assert (
        reviewer.post(
            f"/staff/objections/{objection_id}/accept", data={"csrf_token": csrf, "reason": "予以受理"}
        ).status_code
        == 303
    )
    assert (
        reviewer.post(
            f"/staff/objections/{objection_id}/grant", data={"csrf_token": csrf, "purpose": "拟更正记录"}
        ).status_code
        == 303
    )
    admin, admin_csrf = browser_for("admin")
    approval_id = re.search(r'action="/staff/approvals/(\d+)/decide"', admin.get("/staff/approvals").text)
    assert (
        admin.post(
            f"/staff/approvals/{approval_id.group(1)}/decide",
            data={"csrf_token": admin_csrf, "decision": "approve", "note": "同意"},
        ).status_code
        == 303
    )
    return objection_id, reviewer, csrf, subject


def test_reviewer_corrects_the_record_with_errors_next_to_fields(db, world, browser_for, field_error, rows):
    objection_id, reviewer, csrf, subject = accepted_objection_with_grant(world, browser_for)
    form = reviewer.get(f"/staff/objections/{objection_id}")
    assert 'option value="correct"' in form.text
    original = re.search(r'id="f-change_deducted_on"[^>]*value="([^"]+)"', form.text).group(1)
    assert original == "2026-05-08"
    url = f"/staff/objections/{objection_id}/decide"
    base = {"csrf_token": csrf, "outcome": "upheld", "remedy": "correct", "reason": "扣分日期录入错误"}

    nothing = reviewer.post(url, data={**base, "change_deducted_on": original})
    assert nothing.status_code == 422 and "更正须给出要更正的字段" in field_error(nothing.text, "changes")
    assert "扣分日期录入错误" in nothing.text and 'value="correct" selected' in nothing.text

    future = reviewer.post(url, data={**base, "change_deducted_on": "2026-07-01"})
    assert future.status_code == 422 and "晚于当日" in field_error(future.text, "change_deducted_on")
    assert 'value="2026-07-01"' in future.text

    garbled = reviewer.post(url, data={**base, "change_deducted_on": "2026-13-01"})
    assert garbled.status_code == 422 and field_error(garbled.text, "change_deducted_on")

    unknown = reviewer.post(url, data={**base, "change_item_code": "NO-SUCH"})
    assert unknown.status_code == 422 and field_error(unknown.text, "change_item_code")

    bad_remedy = reviewer.post(url, data={**base, "remedy": "delete"})
    assert bad_remedy.status_code == 422 and "action 应为" in field_error(bad_remedy.text, "remedy")
    assert rows(RecordEvent) == 0

    done = reviewer.post(url, data={**base, "change_deducted_on": "2026-05-20"})
    assert done.status_code == 303, done.text
    with db.session() as session:
        event = session.scalars(select(RecordEvent)).one()
        assert event.kind == "corrected" and event.record_id == world.public_record
        replacement = session.get(CreditRecord, event.replacement_record_id)
        assert replacement.deducted_on.isoformat() == "2026-05-20"
    after = subject.get(f"/my/subjects/{world.company}/objections/{objection_id}")
    assert "异议成立" in after.text
    assert "已更正" in subject.get(f"/my/subjects/{world.company}").text


def test_rejected_objection_ignores_the_correction_fields(db, world, browser_for, rows):
    objection_id, reviewer, csrf, _subject = accepted_objection_with_grant(world, browser_for)
    done = reviewer.post(
        f"/staff/objections/{objection_id}/decide",
        data={
            "csrf_token": csrf,
            "outcome": "rejected",
            "remedy": "correct",
            "change_deducted_on": "2026-05-20",
            "reason": "记录无误",
        },
    )
    assert done.status_code == 303
    assert rows(RecordEvent) == 0


def test_recorder_and_subject_cannot_decide(world, browser_for):
    objection_id, _reviewer, _csrf, subject = accepted_objection_with_grant(world, browser_for)
    recorder, recorder_csrf = browser_for("recorder")
    data = {"outcome": "upheld", "remedy": "correct", "change_deducted_on": "2026-05-20", "reason": "x理由"}
    assert (
        recorder.post(
            f"/staff/objections/{objection_id}/decide", data={**data, "csrf_token": recorder_csrf}
        ).status_code
        == 403
    )
    subject_csrf = subject.cookies.get("ggzy_csrf")
    assert (
        subject.post(
            f"/staff/objections/{objection_id}/decide", data={**data, "csrf_token": subject_csrf}
        ).status_code
        == 403
    )
