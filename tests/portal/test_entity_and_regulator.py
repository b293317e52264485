"""Market-entity pages (own records, stop-counting dates, enquiries, commitments, repair) and the
regulator's purpose-bound search, full view and approved export."""

from __future__ import annotations

import re
from urllib.parse import quote

PDF = b"%PDF-1.4\n% repair evidence\n"


def test_own_records_include_unpublished_ones_with_stop_dates(world, browser_for, db):
    from ggzy_credit.auth.accounts import link_subjects
    from ggzy_credit.auth.models import User

    with db.session() as session:
        user = session.query(User).filter_by(username="subject1").one()
        link_subjects(session, user, [world.expert])
    subject, _csrf = browser_for("subject")
    home = subject.get("/my")
    assert home.status_code == 200 and f'href="/my/subjects/{world.expert}"' in home.text
    page = subject.get(f"/my/subjects/{world.expert}")
    assert f'id="record-{world.hidden_record}"' in page.text and "不公开" in page.text
    assert "不再计分日期" in page.text
    assert "2027-06-05" in page.text  # deducted 2026-06-05 → counts until 12 months later
    assert "提出异议" in page.text and "申请修复" in page.text


def test_enquiry_list_shows_the_regulators_purpose(world, browser_for):
    regulator, _ = browser_for("regulator")
    purpose = "政府采购投诉处理核查"
    search = regulator.get("/regulator", params={"q": "测试建设", "purpose": purpose, "submitted": "1"})
    assert search.status_code == 303
    results = regulator.get(search.headers["location"])
    assert results.status_code == 200 and f"/regulator/subjects/{world.company}" in results.text
    full = regulator.get(f"/regulator/subjects/{world.company}?purpose={quote(purpose)}")
    assert full.status_code == 200 and f'id="record-{world.public_record}"' in full.text
    subject, _ = browser_for("subject")
    enquiries = subject.get(f"/my/subjects/{world.company}/enquiries")
    assert enquiries.status_code == 200
    assert purpose in enquiries.text and "市发展改革委" in enquiries.text
    assert "监管部门查看经营主体完整信用档案" in enquiries.text


def test_regulator_must_state_a_purpose(world, browser_for):
    regulator, _ = browser_for("regulator")
    form = regulator.get("/regulator", params={"q": "测试", "purpose": "", "submitted": "1"})
    assert form.status_code == 422
    assert re.search(r'id="f-purpose-error"[^>]*>请说明查询目的', form.text)
    assert 'value="测试"' in form.text
    direct = regulator.get(f"/regulator/subjects/{world.company}")
    assert direct.status_code == 422


def test_regulator_sees_unpublished_records_and_exports_after_approval(world, browser_for):
    regulator, reg_csrf = browser_for("regulator")
    purpose = "纪检监察专项检查"
    full = regulator.get(f"/regulator/subjects/{world.expert}?purpose={quote(purpose)}")
    assert f'id="record-{world.hidden_record}"' in full.text
    asked = regulator.post(
        "/regulator/exports",
        data={"csrf_token": reg_csrf, "purpose": purpose, "subject_ids": [str(world.expert)]},
    )
    assert asked.status_code == 303
    listing = regulator.get("/regulator/exports")
    assert "待审批" in listing.text and "下载 CSV" not in listing.text
    admin, admin_csrf = browser_for("admin")
    inbox = admin.get("/staff/approvals")
    approval_id = int(re.search(r'action="/staff/approvals/(\d+)/decide"', inbox.text).group(1))
    admin.post(
        f"/staff/approvals/{approval_id}/decide", data={"csrf_token": admin_csrf, "decision": "approve"}
    )
    listing = regulator.get("/regulator/exports")
    link = re.search(r'href="(/regulator/exports/\d+/records\.csv\?purpose=[^"]+)"', listing.text).group(1)
    download = regulator.get(link.replace("&amp;", "&"))
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    body = download.content.decode("utf-8-sig")
    assert body.count("\n") == 3 and "未公开事项" in body
    assert regulator.get(link.replace("&amp;", "&")).status_code == 403  # single use


def test_commitment_signing_keeps_input_on_error(world, browser_for):
    subject, csrf = browser_for("subject")
    page = subject.get(f"/my/subjects/{world.company}/commitments")
    template = re.search(r'<option value="([a-z_]+:[A-Z0-9-]+)"', page.text).group(1)
    missing = subject.post(
        f"/my/subjects/{world.company}/commitments",
        data={"csrf_token": csrf, "template": template, "project_code": "", "project_name": "某采购项目"},
    )
    assert missing.status_code == 422
    assert re.search(r'id="f-project_code-error"[^>]*>请填写项目', missing.text)
    assert 'value="某采购项目"' in missing.text
    signed = subject.post(
        f"/my/subjects/{world.company}/commitments",
        data={"csrf_token": csrf, "template": template, "project_code": "ZFCG2026-0099"},
    )
    assert signed.status_code == 303
    assert "ZFCG2026-0099" in subject.get(f"/my/subjects/{world.company}/commitments").text


def test_repair_application_too_early_then_accepted(world, browser_for):
    subject, csrf = browser_for("subject")
    form = subject.get(f"/my/subjects/{world.company}/repairs/new?record_id={world.public_record}")
    assert form.status_code == 200
    response = subject.post(
        f"/my/subjects/{world.company}/repairs",
        data={"csrf_token": csrf, "record_id": str(world.public_record), "reason": "已整改到位"},
        files=[("files", ("整改报告.pdf", PDF, "application/pdf"))],
    )
    if response.status_code == 422:  # the waiting period has not passed: the reason says when
        assert "最早可于" in response.text and "已整改到位" in response.text
    else:
        assert response.status_code == 303
        assert "信用修复申请已提交" in subject.get(response.headers["location"]).text
