"""Entity portal: objections against an evaluation result, and evidence added to a filed objection."""

from __future__ import annotations

import re

from ggzy_credit.workflows.models import Objection, WorkflowEvidence

PDF = b"%PDF-1.4\n% objection evidence\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_subject_objects_to_an_evaluation_result_and_reviewer_upholds(
    db, world, browser_for, field_error, rows
):
    subject, csrf = browser_for("subject")
    overview = subject.get(f"/my/subjects/{world.company}")
    link = f"/my/subjects/{world.company}/objections/new?target=evaluation"
    assert link in overview.text
    form = subject.get(link)
    assert form.status_code == 200 and "<title>对信用评估结果提出异议" in form.text
    assert 'name="target" value="evaluation"' in form.text and 'value="2026-06-15"' in form.text

    url = f"/my/subjects/{world.company}/objections"
    base = {"csrf_token": csrf, "target": "evaluation", "reason": "记分未计入已撤销的处罚"}
    pdf = [("files", ("说明.pdf", PDF, "application/pdf"))]
    for data, field, message in (
        ({"platform": "", "evaluation_on": "2026-06-15"}, "platform", "请指明"),
        ({"platform": "nowhere", "evaluation_on": "2026-06-15"}, "platform", "不存在"),
        ({"platform": "gov_procurement", "evaluation_on": "2026-06-31"}, "evaluation_on", "日期格式错误"),
        ({"platform": "gov_procurement", "evaluation_on": "2026-07-01"}, "evaluation_on", "晚于当日"),
    ):
        refused = subject.post(url, data={**base, **data}, files=pdf)
        assert refused.status_code == 422, data
        assert message in field_error(refused.text, field), data
        assert "记分未计入已撤销的处罚" in refused.text
    no_files = subject.post(
        url,
        data={**base, "platform": "gov_procurement"},
        files=[("files", ("", b"", "application/octet-stream"))],
    )
    assert no_files.status_code == 422 and "请附证明材料" in field_error(no_files.text, "files")
    assert 'value="gov_procurement" selected' in no_files.text
    assert rows(Objection) == 0

    filed = subject.post(
        url, data={**base, "platform": "gov_procurement", "evaluation_on": "2026-06-10"}, files=pdf
    )
    assert filed.status_code == 303, filed.text
    view = subject.get(filed.headers["location"])
    assert "信用评估结果" in view.text and "2026-06-10" in view.text and "异议已提交" in view.text
    objection_id = int(re.search(r"/objections/(\d+)", filed.headers["location"]).group(1))
    again = subject.post(url, data={**base, "platform": "gov_procurement"}, files=pdf)
    assert again.status_code == 422 and "已有处理中的异议" in again.text

    reviewer, reviewer_csrf = browser_for("reviewer")
    staff_view = reviewer.get(f"/staff/objections/{objection_id}")
    assert "信用评估结果" in staff_view.text and 'name="remedy"' not in staff_view.text
    reviewer.post(
        f"/staff/objections/{objection_id}/accept", data={"csrf_token": reviewer_csrf, "reason": "受理"}
    )
    decided = reviewer.post(
        f"/staff/objections/{objection_id}/decide",
        data={"csrf_token": reviewer_csrf, "outcome": "upheld", "reason": "经复算，重新评估"},
    )
    assert decided.status_code == 303, decided.text
    with db.session() as session:
        assert session.get(Objection, objection_id).remedy == "reevaluate"


def test_subject_adds_evidence_while_open_but_not_after(db, world, browser_for, field_error, rows):
    subject, csrf = browser_for("subject")
    filed = subject.post(
        f"/my/subjects/{world.company}/objections",
        data={"csrf_token": csrf, "record_id": str(world.public_record), "reason": "材料真实有效"},
        files=[("files", ("中标通知书.pdf", PDF, "application/pdf"))],
    )
    objection_id = int(re.search(r"/objections/(\d+)", filed.headers["location"]).group(1))
    page = subject.get(filed.headers["location"])
    action = f"/my/subjects/{world.company}/objections/{objection_id}/evidence"
    assert f'action="{action}"' in page.text

    empty = subject.post(
        action, data={"csrf_token": csrf}, files=[("files", ("", b"", "application/octet-stream"))]
    )
    assert empty.status_code == 422 and "请附证明材料" in field_error(empty.text, "files")
    wrong = subject.post(
        action, data={"csrf_token": csrf}, files=[("files", ("a.exe", b"MZ\x90\x00", "x/y"))]
    )
    assert wrong.status_code == 422 and "类型不支持" in field_error(wrong.text, "files")
    assert rows(WorkflowEvidence) == 1

    added = subject.post(
        action, data={"csrf_token": csrf}, files=[("files", ("现场照片.png", PNG, "image/png"))]
    )
    assert added.status_code == 303 and added.headers["location"].endswith("?added=1")
    after = subject.get(added.headers["location"])
    assert "补充材料已提交" in after.text and "现场照片.png" in after.text
    assert rows(WorkflowEvidence) == 2

    # Others may not add evidence: another subject's account, staff, anonymous.
    reviewer, reviewer_csrf = browser_for("reviewer")
    png = [("files", ("b.png", PNG, "image/png"))]
    assert reviewer.post(action, data={"csrf_token": reviewer_csrf}, files=png).status_code == 403
    other = f"/my/subjects/{world.clean}/objections/{objection_id}/evidence"
    assert subject.post(other, data={"csrf_token": csrf}, files=png).status_code == 403
    subject.post(
        f"/my/subjects/{world.company}/objections/{objection_id}/withdraw",
        data={"csrf_token": csrf, "reason": "撤回"},
    )
    closed = subject.post(action, data={"csrf_token": csrf}, files=png)
    assert closed.status_code == 422 and "补充材料" in closed.text
    assert (
        'enctype="multipart/form-data"'
        not in subject.get(f"/my/subjects/{world.company}/objections/{objection_id}").text
    )
    assert rows(WorkflowEvidence) == 2


def test_evaluation_objection_needs_an_entity_account(world, browser_for, portal):
    anonymous = portal.get(f"/my/subjects/{world.company}/objections/new?target=evaluation")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    reviewer, csrf = browser_for("reviewer")
    refused = reviewer.post(
        f"/my/subjects/{world.company}/objections",
        data={"csrf_token": csrf, "target": "evaluation", "platform": "centre", "reason": "理由理由"},
        files=[("files", ("a.pdf", PDF, "application/pdf"))],
    )
    assert refused.status_code == 403
    subject, _ = browser_for("subject")
    assert subject.get(f"/my/subjects/{world.clean}/objections/new?target=evaluation").status_code == 403
