"""Unmasked personal data through an approval, commitment checks, holiday arrangements, the HTML 404."""

from __future__ import annotations

import re

from sqlalchemy import select

from ggzy_credit.audit.models import AuditEntry
from ggzy_credit.subjects.models import Subject
from ggzy_credit.workflows.models import CalendarYear, Commitment


def _approve_first_pending(browser_for) -> None:  # type: ignore[no-untyped-def]
    admin, csrf = browser_for("admin")
    approval_id = re.search(
        r'action="/staff/approvals/(\d+)/decide"', admin.get("/staff/approvals").text
    ).group(1)
    decided = admin.post(
        f"/staff/approvals/{approval_id}/decide",
        data={"csrf_token": csrf, "decision": "approve", "note": "同意"},
    )
    assert decided.status_code == 303


def test_unmask_personal_data_after_approval(db, world, browser_for, field_error):
    with db.session() as session:
        masked = session.get(Subject, world.expert).id_number_masked
    reviewer, csrf = browser_for("reviewer")
    page = reviewer.get(f"/subjects/{world.expert}/pii")
    assert page.status_code == 200 and masked in page.text and "no-store" in page.headers["cache-control"]
    assert f'action="/subjects/{world.expert}/pii/request"' in page.text

    short = reviewer.post(f"/subjects/{world.expert}/pii/request", data={"csrf_token": csrf, "purpose": "查"})
    assert short.status_code == 422 and "至少 4 个字" in field_error(short.text, "purpose")
    assert 'value="查"' in short.text
    early = reviewer.post(f"/subjects/{world.expert}/pii", data={"csrf_token": csrf})
    assert early.status_code == 403 and "需要经批准" in early.text

    asked = reviewer.post(
        f"/subjects/{world.expert}/pii/request", data={"csrf_token": csrf, "purpose": "核实专家身份信息"}
    )
    assert asked.status_code == 303
    assert "查看申请等待审批" in reviewer.get(asked.headers["location"]).text
    _approve_first_pending(browser_for)

    ready = reviewer.get(f"/subjects/{world.expert}/pii")
    assert "使用一次授权" in ready.text
    shown = reviewer.post(f"/subjects/{world.expert}/pii", data={"csrf_token": csrf})
    assert shown.status_code == 200 and masked not in shown.text
    assert re.search(r'class="mono">\d{17}[\dX]<', shown.text)
    assert "no-store" in shown.headers["cache-control"]
    again = reviewer.post(f"/subjects/{world.expert}/pii", data={"csrf_token": csrf})
    assert again.status_code == 403  # a single-use grant
    with db.session() as session:
        logged = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "POST /subjects/{subject_id}/pii")
        ).all()
    assert [(e.kind, e.purpose) for e in logged if e.grant_id and world.expert in e.subject_ids] == [
        ("read", "核实专家身份信息")
    ]
    from ggzy_credit.auth.accounts import link_subjects
    from ggzy_credit.auth.models import User

    with db.session() as session:
        user = session.scalar(select(User).where(User.username == world.users["subject"]))
        link_subjects(session, user, [world.expert])
    subject, _ = browser_for("subject")
    enquiries = subject.get(f"/my/subjects/{world.expert}/enquiries")
    assert "核实专家身份信息" in enquiries.text


def test_regulator_may_ask_but_subjects_and_visitors_may_not(world, browser_for, portal):
    regulator, csrf = browser_for("regulator")
    full = regulator.get(f"/regulator/subjects/{world.expert}", params={"purpose": "专项检查"})
    assert f'href="/subjects/{world.expert}/pii"' in full.text
    page = regulator.get(f"/subjects/{world.expert}/pii")
    assert page.status_code == 200 and "/staff/approvals" not in page.text
    assert (
        regulator.post(
            f"/subjects/{world.expert}/pii/request", data={"csrf_token": csrf, "purpose": "纪检核查身份"}
        ).status_code
        == 303
    )
    subject, subject_csrf = browser_for("subject")
    assert subject.get(f"/subjects/{world.expert}/pii").status_code == 403
    assert (
        subject.post(
            f"/subjects/{world.expert}/pii/request",
            data={"csrf_token": subject_csrf, "purpose": "想看看号码"},
        ).status_code
        == 403
    )
    anonymous = portal.get(f"/subjects/{world.expert}/pii")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert portal.get("/subjects/999999/pii").status_code == 303


def test_staff_check_commitments(db, world, browser_for, field_error):
    subject, subject_csrf = browser_for("subject")
    page = subject.get(f"/my/subjects/{world.company}/commitments")
    template = re.search(r'<option value="([a-z_]+:[A-Z0-9-]+)"', page.text).group(1)
    signed = subject.post(
        f"/my/subjects/{world.company}/commitments",
        data={"csrf_token": subject_csrf, "template": template, "project_code": "ZFCG2026-0042"},
    )
    assert signed.status_code == 303
    with db.session() as session:
        commitment_id = session.scalar(select(Commitment.id))

    recorder, csrf = browser_for("recorder")
    queue = recorder.get("/staff/commitments")
    assert queue.status_code == 200 and f'href="/staff/commitments/{commitment_id}"' in queue.text
    assert "待核查的信用承诺" in recorder.get("/staff").text
    url = f"/staff/commitments/{commitment_id}/verify"
    no_verdict = recorder.post(url, data={"csrf_token": csrf, "reason": "已核对中标材料"})
    assert no_verdict.status_code == 422 and "请选择核查结论" in field_error(no_verdict.text, "verdict")
    assert "已核对中标材料" in no_verdict.text
    no_reason = recorder.post(url, data={"csrf_token": csrf, "verdict": "true", "reason": ""})
    assert no_reason.status_code == 422 and "书面理由" in field_error(no_reason.text, "reason")
    assert 'value="true" checked' in no_reason.text
    with db.session() as session:
        assert session.get(Commitment, commitment_id).status == "signed"

    for role in ("subject", "regulator"):
        client, other_csrf = browser_for(role)
        assert client.get("/staff/commitments").status_code == 403
        assert (
            client.post(
                url, data={"csrf_token": other_csrf, "verdict": "true", "reason": "属实属实"}
            ).status_code
            == 403
        )

    done = recorder.post(url, data={"csrf_token": csrf, "verdict": "true", "reason": "经核对属实"})
    assert done.status_code == 303
    view = recorder.get(done.headers["location"])
    assert "经核查属实" in view.text and "经核对属实" in view.text and 'name="verdict"' not in view.text
    twice = recorder.post(url, data={"csrf_token": csrf, "verdict": "false", "reason": "再查"})
    assert twice.status_code == 422 and "每份承诺只核查一次" in twice.text


def test_administrator_loads_a_holiday_arrangement(db, world, browser_for, field_error, rows):
    admin, csrf = browser_for("admin")
    page = admin.get("/staff/calendar")
    assert page.status_code == 200 and "尚未载入任何年份" in page.text
    for data, field in (
        ({"year": "二〇三一", "holidays": "2031-01-01"}, "year"),
        ({"year": "1800", "holidays": ""}, "year"),
        ({"year": "2031", "holidays": "2031-01-01\n2031-02-30"}, "holidays"),
        ({"year": "2031", "holidays": "2031-01-01", "makeup_workdays": "2030-12-28"}, "makeup_workdays"),
    ):
        refused = admin.post("/staff/calendar", data={"csrf_token": csrf, **data})
        assert refused.status_code == 422, data
        assert field_error(refused.text, field), data
        assert data["holidays"] in refused.text
    assert rows(CalendarYear) == 0

    loaded = admin.post(
        "/staff/calendar",
        data={
            "csrf_token": csrf,
            "year": "2031",
            "holidays": "2031-01-01, 2031-01-22 2031-01-23\n2031-01-24",
            "makeup_workdays": "2031-01-26",
        },
    )
    assert loaded.status_code == 303
    listed = admin.get(loaded.headers["location"])
    assert "2031 年节假日安排已载入" in listed.text and "2031-01-22" in listed.text
    assert 'href="/staff/calendar"' in admin.get("/staff").text

    reviewer, reviewer_csrf = browser_for("reviewer")
    assert reviewer.get("/staff/calendar").status_code == 403
    assert (
        reviewer.post("/staff/calendar", data={"csrf_token": reviewer_csrf, "year": "2032"}).status_code
        == 403
    )
    assert 'href="/staff/calendar"' not in reviewer.get("/staff").text


def test_unknown_pages_are_html_and_unknown_api_paths_json(portal, world):
    page = portal.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<title>页面不存在" in page.text and '<main id="main"' in page.text
    english = portal.get("/no-such-page?lang=en")
    assert english.status_code == 404 and "does not exist" in english.text
    api = portal.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")
    assert portal.get("/api").headers["content-type"].startswith("application/json")
    assert portal.post("/no-such-page").headers["content-type"].startswith("application/json")
    assert portal.get("/subjects/999999").status_code == 404
