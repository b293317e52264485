"""Early warnings (confirm / dismiss with reason; regulators read with a purpose) and staff queues."""

from __future__ import annotations

import re
from urllib.parse import quote


def _warning(db, subject_id: int) -> int:  # type: ignore[no-untyped-def]
    from ggzy_credit.monitoring.rules.base import Finding
    from ggzy_credit.monitoring.service import persist

    finding = Finding(
        rule="repeated_behaviour",
        key=f"test-{subject_id}",
        title="同一主体在多个项目中重复出现同一失信行为",
        severity="high",
        subject_ids=[subject_id],
        evidence={"records": [1, 2]},
    )
    with db.session() as session:
        _new, _seen, ids = persist(session, [finding])
    return ids[0]


def test_reviewer_dismisses_a_warning_only_with_a_reason(world, browser_for, db):
    warning_id = _warning(db, world.company)
    reviewer, csrf = browser_for("reviewer")
    page = reviewer.get("/staff/warnings")
    assert page.status_code == 200 and "同一主体在多个项目中重复出现" in page.text
    refused = reviewer.post(
        f"/staff/warnings/{warning_id}/decide", data={"csrf_token": csrf, "action": "dismiss"}
    )
    assert refused.status_code == 422
    assert re.search(rf'id="reason-{warning_id}-error"[^>]*>排除预警须说明理由', refused.text)
    done = reviewer.post(
        f"/staff/warnings/{warning_id}/decide",
        data={"csrf_token": csrf, "action": "dismiss", "reason": "经核查为同一集团内正常业务"},
    )
    assert done.status_code == 303
    assert "经核查为同一集团内正常业务" in reviewer.get("/staff/warnings?status=dismissed").text


def test_regulator_watches_warnings_with_a_purpose(world, browser_for, db):
    _warning(db, world.company)
    regulator, _ = browser_for("regulator")
    hop = regulator.get(
        "/regulator", params={"view": "warnings", "purpose": "串通投标线索排查", "submitted": "1"}
    )
    assert hop.status_code == 303 and hop.headers["location"].startswith("/regulator/warnings?purpose=")
    page = regulator.get(hop.headers["location"])
    assert page.status_code == 200 and "同一主体在多个项目中重复出现" in page.text
    assert 'action="/staff/warnings' not in page.text
    assert regulator.get("/regulator/warnings").status_code == 422
    assert regulator.get(f"/regulator/warnings?purpose={quote('串通投标线索排查')}").status_code == 200


def test_staff_home_counts_queues(world, browser_for, db):
    _warning(db, world.company)
    admin, _ = browser_for("admin")
    page = admin.get("/staff")
    assert "待处理的预警" in page.text and "待审批" in page.text
    assert 'id="objection-turnaround"' in page.text
    recorder, _ = browser_for("recorder")
    assert recorder.get("/staff/warnings").status_code == 403
    assert "待处理的预警" not in recorder.get("/staff").text


def test_repair_and_complaint_queues_open(world, browser_for):
    reviewer, _ = browser_for("reviewer")
    assert reviewer.get("/staff/repairs").status_code == 200
    assert reviewer.get("/staff/complaints").status_code == 200
    assert reviewer.get("/staff/objections?show=all").status_code == 200


def test_complaint_verified_becomes_a_record(world, browser_for, db, cipher):
    from ggzy_credit.workflows import complaints

    with db.session() as session:
        complaint = complaints.submit(
            session,
            cipher,
            platform="gov_procurement",
            subject_id=world.clean,
            description="该供应商在开标现场与其他投标人交换报价文件",
            reporter_name="张三",
            reporter_phone="13812345678",
        )
        complaint_id = complaint.id
    reviewer, csrf = browser_for("reviewer")
    page = reviewer.get(f"/staff/complaints/{complaint_id}")
    assert page.status_code == 200 and "138****5678" in page.text and "13812345678" not in page.text
    missing = reviewer.post(
        f"/staff/complaints/{complaint_id}/decide",
        data={"csrf_token": csrf, "verdict": "verified", "reason": "经调取录像核实"},
    )
    assert missing.status_code == 422
    assert re.search(r'id="f-item_code-error"[^>]*>查实后须指明', missing.text)
    assert "经调取录像核实" in missing.text
    code = re.search(r'<option value="(GP-R-\d+)"', page.text).group(1)
    done = reviewer.post(
        f"/staff/complaints/{complaint_id}/decide",
        data={
            "csrf_token": csrf,
            "verdict": "verified",
            "reason": "经调取录像核实",
            "item_code": code,
            "occurred_on": "2026-06-10",
        },
    )
    assert done.status_code == 303
    assert "形成的信用记录" in reviewer.get(f"/staff/complaints/{complaint_id}").text
