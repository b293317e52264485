"""The portal in a real browser: public search, record entry errors, the objection journey, keyboard
and small screens. Screenshots of the main pages are saved under tests/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_public_search_leads_to_the_subject_page(site, browser, helpers):
    page = browser.new()
    page.goto(site.url + "/")
    expect(page).to_have_title(re.compile("公共资源交易信用信息平台"))
    helpers.shot(page, "01-home")
    page.get_by_label("按名称或统一社会信用代码查询经营主体").fill(site.subject_name)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(site.subject_name)
    helpers.shot(page, "02-search-results")
    page.get_by_role("link", name=site.subject_name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(site.subject_name)
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator(f"#record-{site.record_id}")).to_be_visible()
    helpers.shot(page, "03-subject-public")
    page.get_by_role("link", name=re.compile("已入账")).first.click()
    expect(page.get_by_text("包含证明核验通过")).to_be_visible()
    helpers.shot(page, "04-ledger-proof")


def test_standards_and_data_list_in_both_languages(site, browser, helpers):
    page = browser.new()
    page.goto(site.url + "/standards")
    expect(page.get_by_role("heading", name="工程建设分平台")).to_be_visible()
    helpers.shot(page, "05-standards")
    page.goto(site.url + "/standards/engineering")
    helpers.shot(page, "06-standard-detail")
    page.goto(site.url + "/data-list")
    helpers.shot(page, "07-data-list")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(site.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    helpers.shot(page, "08-home-english")


def test_recorder_sees_bad_fields_next_to_them(site, browser, helpers):
    page = browser.new()
    helpers.login(page, site, "recorder")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    helpers.shot(page, "09-staff-dashboard")
    page.goto(site.url + "/staff/records/new")
    page.get_by_label("平台").select_option("gov_procurement")
    page.get_by_label("统一社会信用代码", exact=True).fill("91310000MA1FL0000X")
    page.get_by_label("发生日期").fill("2026-06-14")
    page.get_by_label("身份证号码").focus()  # leave the field: checked as you type
    expect(page.locator("#f-subject_uscc-error")).to_contain_text("校验位错误")
    expect(page.locator("#f-subject_uscc")).to_have_attribute("aria-invalid", "true")
    helpers.shot(page, "10-record-form-live-error")
    # A well-formed code of a subject nobody registered: the server says so, next to the field.
    page.get_by_label("统一社会信用代码", exact=True).fill("91110000802100433B")
    page.get_by_label("信用事项").select_option(index=1)
    page.get_by_label("事实描述").fill("开标现场迟到")
    page.get_by_role("button", name="保存记录").click()
    expect(page.locator("#f-subject_uscc-error")).to_contain_text("请先登记")
    expect(page.get_by_label("事实描述")).to_have_value("开标现场迟到")
    helpers.shot(page, "11-record-form-server-error")


def test_objection_upheld_restores_the_score(site, browser, helpers):
    subject = browser.new()
    helpers.login(subject, site, "subject")
    expect(subject.get_by_role("heading", level=1)).to_have_text(site.subject_name)
    before = int(subject.locator(".score-value").first.inner_text())
    assert before < 100
    helpers.shot(subject, "12-entity-overview")
    subject.get_by_role("link", name=f"对记录 {site.record_id} 提出异议").click()
    subject.get_by_label("异议理由").fill("该记录所涉项目我司未参与投标，附情况说明")
    subject.get_by_label("证明材料").set_input_files(
        files=[{"name": "情况说明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% evidence\n"}]
    )
    subject.get_by_role("button", name="提交异议").click()
    expect(subject.get_by_text("异议已提交")).to_be_visible()
    helpers.shot(subject, "13-objection-filed")

    reviewer = browser.new()
    helpers.login(reviewer, site, "reviewer")
    reviewer.goto(site.url + "/staff/objections")
    helpers.shot(reviewer, "14-objection-queue")
    reviewer.locator("table.queue a").first.click()
    reviewer.get_by_label("受理意见").fill("材料齐全，予以受理")
    reviewer.get_by_role("button", name="受理异议").click()
    reviewer.get_by_role("button", name="申请变更授权").click()
    expect(reviewer.get_by_text("变更授权申请已提交")).to_be_visible()
    objection_url = reviewer.url.split("?")[0]

    admin = browser.new()
    helpers.login(admin, site, "admin")
    admin.goto(site.url + "/staff/approvals")
    helpers.shot(admin, "15-approvals-inbox")
    admin.get_by_role("button", name="批准").first.click()
    expect(admin.get_by_text("已批准。")).to_be_visible()

    reviewer.goto(objection_url)
    reviewer.get_by_label("异议成立", exact=True).check()
    reviewer.get_by_label("处理理由（将告知经营主体）").fill("经核实该记录有误，予以撤销")
    reviewer.get_by_role("button", name="作出决定").click()
    expect(reviewer.get_by_text("处理决定已作出")).to_be_visible()
    helpers.shot(reviewer, "16-objection-decided")

    subject.goto(f"{site.url}/my/subjects/{site.subject_id}")
    expect(subject.locator(".score-value").first).to_have_text("100")
    expect(subject.locator(f"#record-{site.record_id}")).to_contain_text("已撤销")
    helpers.shot(subject, "17-entity-score-restored")


def test_regulator_searches_with_a_purpose(site, browser, helpers):
    page = browser.new()
    helpers.login(page, site, "regulator")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#f-purpose-error")).to_contain_text("查询目的")
    page.get_by_label("名称、统一社会信用代码或身份证号码").fill(site.subject_name)
    page.get_by_label("查询目的").fill("工程建设招投标投诉核查")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=site.subject_name).click()
    expect(page.get_by_text("查询目的：工程建设招投标投诉核查")).to_be_visible()
    helpers.shot(page, "18-regulator-subject")


def test_keyboard_landmarks_and_small_screens(site, browser, helpers):
    page = browser.new(width=375, height=740)
    page.goto(f"{site.url}/subjects/{site.subject_id}")
    for role in ("banner", "navigation", "main", "contentinfo"):
        expect(page.get_by_role(role).first).to_be_attached()
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
    helpers.shot(page, "19-subject-phone")
    page.goto(site.url + "/login")
    helpers.shot(page, "20-login-phone")


def test_reviewer_verifies_a_record_from_the_queue(site, browser, helpers):
    page = browser.new()
    helpers.login(page, site, "reviewer")
    page.goto(site.url + "/staff/reviews")
    expect(page).to_have_title(re.compile("信用记录复核"))
    helpers.shot(page, "21-review-queue")
    first = page.locator("table.queue tbody tr").first
    record = first.get_attribute("id")
    first.get_by_role("button", name=re.compile("确认记录")).click()
    expect(page.get_by_text(re.compile(r"信用记录 \d+ 已复核"))).to_be_visible()
    expect(page.locator(f"#{record}")).to_have_count(0)
