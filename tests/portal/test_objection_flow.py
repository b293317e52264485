"""A subject objects to a record, a reviewer accepts it, a second person approves the change, the
reviewer upholds it and the record is revoked — all through the portal's forms."""

from __future__ import annotations

import re

PDF = b"%PDF-1.4\n% objection evidence\n"


def test_objection_from_filing_to_upheld(world, browser_for):
    subject, subject_csrf = browser_for("subject")
    mine = subject.get(f"/my/subjects/{world.company}")
    link = f"/my/subjects/{world.company}/objections/new?record_id={world.public_record}"
    assert link.replace("?", "?").replace("&", "&amp;") in mine.text or link in mine.text
    form = subject.get(link)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text

    refused = subject.post(
        f"/my/subjects/{world.company}/objections",
        data={"csrf_token": subject_csrf, "record_id": str(world.public_record), "reason": "有误"},
        files=[("files", ("", b"", "application/octet-stream"))],
    )
    assert refused.status_code == 422
    assert re.search(r'id="f-files-error"[^>]*>请附证明材料', refused.text)
    assert ">有误</textarea>" in refused.text

    filed = subject.post(
        f"/my/subjects/{world.company}/objections",
        data={
            "csrf_token": subject_csrf,
            "record_id": str(world.public_record),
            "reason": "该项目中我司提交的材料真实，附中标通知书",
        },
        files=[("files", ("中标通知书.pdf", PDF, "application/pdf"))],
    )
    assert filed.status_code == 303, filed.text
    objection_page = subject.get(filed.headers["location"])
    assert "异议已提交" in objection_page.text and "答复期限" in objection_page.text
    assert "异议处理中" in subject.get(f"/my/subjects/{world.company}").text
    assert "异议处理中" in subject.get(f"/subjects/{world.company}").text
    objection_id = int(re.search(r"/objections/(\d+)", filed.headers["location"]).group(1))

    reviewer, reviewer_csrf = browser_for("reviewer")
    queue = reviewer.get("/staff/objections")
    assert f'href="/staff/objections/{objection_id}"' in queue.text
    assert "个工作日" in queue.text
    accepted = reviewer.post(
        f"/staff/objections/{objection_id}/accept",
        data={"csrf_token": reviewer_csrf, "reason": "材料齐全，予以受理"},
    )
    assert accepted.status_code == 303

    blocked = reviewer.post(
        f"/staff/objections/{objection_id}/decide",
        data={
            "csrf_token": reviewer_csrf,
            "outcome": "upheld",
            "remedy": "revoke",
            "reason": "经核实记录有误",
        },
    )
    assert blocked.status_code == 403
    assert re.search(r'id="f-remedy-error"[^>]*>需要经批准', blocked.text)
    assert "经核实记录有误" in blocked.text

    requested = reviewer.post(
        f"/staff/objections/{objection_id}/grant",
        data={"csrf_token": reviewer_csrf, "purpose": "异议成立，撤销错误记录"},
    )
    assert requested.status_code == 303
    assert "变更授权申请等待审批" in reviewer.get(f"/staff/objections/{objection_id}").text

    admin, admin_csrf = browser_for("admin")
    inbox = admin.get("/staff/approvals")
    approval_id = int(re.search(r'action="/staff/approvals/(\d+)/decide"', inbox.text).group(1))
    approved = admin.post(
        f"/staff/approvals/{approval_id}/decide",
        data={"csrf_token": admin_csrf, "decision": "approve", "note": "同意"},
    )
    assert approved.status_code == 303

    decided = reviewer.post(
        f"/staff/objections/{objection_id}/decide",
        data={
            "csrf_token": reviewer_csrf,
            "outcome": "upheld",
            "remedy": "revoke",
            "reason": "经核实记录有误，予以撤销",
        },
    )
    assert decided.status_code == 303, decided.text

    after = subject.get(f"/my/subjects/{world.company}/objections/{objection_id}")
    assert "异议成立" in after.text and "经核实记录有误，予以撤销" in after.text
    overview = subject.get(f"/my/subjects/{world.company}")
    assert "已撤销" in overview.text
    assert f'id="record-{world.public_record}"' not in subject.get(f"/subjects/{world.company}").text
    notices = subject.get("/my/notifications")
    assert "异议处理结果" in notices.text

    dashboard = admin.get("/staff")
    turnaround = dashboard.text.split('id="objection-turnaround"')[1]
    assert '<th scope="row">≤5</th><td class="num">1</td>' in turnaround


def test_reviewer_cannot_approve_own_change_request(world, browser_for):
    reviewer, _csrf = browser_for("reviewer")
    inbox = reviewer.get("/staff/approvals")
    assert inbox.status_code == 200
    assert "没有待审批的申请" in inbox.text
