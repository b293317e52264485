"""Staff record entry (errors next to fields, input kept), batch upload report, dashboard charts."""

from __future__ import annotations

import re

from ggzy_credit import clock


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'id="f-{name}-error"[^>]*>([^<]*)<', page)
    assert found, f"no error slot for {name}"
    return found.group(1)


def test_entry_form_lists_items_of_the_standard_in_force(portal, world, signed_in):
    signed_in("recorder")
    form = portal.get("/staff/records/new", params={"platform": "engineering"})
    assert form.status_code == 200
    assert 'value="EC-R-001"' in form.text
    assert "record-form.js" in form.text
    assert f'value="{clock.today().isoformat()}"' in form.text


def test_bad_uscc_is_reported_next_to_its_field_and_input_is_kept(portal, world, signed_in):
    csrf = signed_in("recorder")
    data = {
        "csrf_token": csrf,
        "platform": "gov_procurement",
        "subject_uscc": "91310000MA1FL0000X",
        "item_code": "GP-R-001",
        "occurred_on": clock.today().isoformat(),
        "deducted_on": clock.today().isoformat(),
        "project_code": "ZFCG-77",
        "description": "保留的描述",
        "source": "manual",
    }
    response = portal.post("/staff/records/new", data=data)
    assert response.status_code == 422
    assert "统一社会信用代码" in _field_error(response.text, "subject_uscc")
    assert 'value="ZFCG-77"' in response.text and "保留的描述" in response.text
    assert 'aria-invalid="true"' in response.text


def test_unregistered_subject_and_future_date_each_at_their_field(portal, world, signed_in, fake):
    csrf = signed_in("recorder")
    uscc = fake.legal_person()["uscc"]
    data = {
        "csrf_token": csrf,
        "platform": "gov_procurement",
        "subject_uscc": uscc,
        "item_code": "GP-R-001",
        "occurred_on": "2026-06-10",
        "deducted_on": "2026-07-01",
        "source": "manual",
    }
    response = portal.post("/staff/records/new", data=data)
    assert response.status_code == 422
    assert "晚于当日" in _field_error(response.text, "deducted_on")
    data["deducted_on"] = "2026-06-12"
    response = portal.post("/staff/records/new", data=data)
    assert "请先登记" in _field_error(response.text, "subject_uscc")
    missing = portal.post("/staff/records/new", data={"csrf_token": csrf, "platform": "gov_procurement"})
    assert "必填" in _field_error(missing.text, "occurred_on")


def test_good_record_is_saved_logged_and_shown(portal, world, signed_in, db):
    from ggzy_credit.subjects.models import Subject

    csrf = signed_in("recorder")
    with db.session() as session:
        uscc = session.get(Subject, world.clean).uscc
    data = {
        "csrf_token": csrf,
        "platform": "gov_procurement",
        "subject_uscc": uscc,
        "item_code": "GP-R-001",
        "occurred_on": "2026-06-14",
        "deducted_on": "",
        "source": "manual",
        "description": "当日记录",
    }
    response = portal.post("/staff/records/new", data=data)
    assert response.status_code == 303, response.text
    view = portal.get(response.headers["location"])
    assert view.status_code == 200
    assert "已保存并写入账本" in view.text and "已入账" in view.text and "2026-06-15" in view.text
    assert "recorder:recorder1" in view.text


def test_batch_upload_reports_every_bad_row_and_writes_nothing(portal, world, signed_in, db):
    from ggzy_credit.records.models import CreditRecord
    from ggzy_credit.subjects.models import Subject

    csrf = signed_in("recorder")
    with db.session() as session:
        uscc = session.get(Subject, world.clean).uscc
        before = session.query(CreditRecord).count()
    header = "platform,external_id,subject_uscc,item_code,occurred_on,deducted_on\n"
    rows = [
        f"gov_procurement,B-1,{uscc},GP-R-001,2026-06-01,2026-06-02",
        f"gov_procurement,B-2,{uscc},NO-SUCH,2026-06-01,2026-06-02",
        "gov_procurement,B-3,91310000MA1FL0000X,GP-R-001,2026-06-01,2026-06-02",
        f"gov_procurement,B-4,{uscc},GP-R-001,not-a-date,2026-06-02",
    ]
    content = (header + "\n".join(rows) + "\n").encode()
    response = portal.post(
        "/staff/records/batch",
        data={"csrf_token": csrf},
        files={"file": ("records.csv", content, "text/csv")},
    )
    assert response.status_code == 422
    assert "3 行有错误" in response.text and "未导入任何记录" in response.text
    for line, field in ((3, "item_code"), (4, "subject_uscc"), (5, "occurred_on")):
        assert re.search(rf'<td class="num">{line}</td><td class="mono">{field}</td>', response.text), line
    with db.session() as session:
        assert session.query(CreditRecord).count() == before
    skipped = portal.post(
        "/staff/records/batch",
        data={"csrf_token": csrf, "skip_invalid": "1"},
        files={"file": ("records.csv", content, "text/csv")},
    )
    assert skipped.status_code == 200
    assert "新增 1 条" in skipped.text
    with db.session() as session:
        assert session.query(CreditRecord).count() == before + 1


def test_batch_upload_rejects_unknown_formats(portal, world, signed_in):
    csrf = signed_in("recorder")
    response = portal.post(
        "/staff/records/batch",
        data={"csrf_token": csrf},
        files={"file": ("records.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 422
    assert "无法识别的文件格式" in _field_error(response.text, "file")


def test_reviewer_cannot_enter_records(portal, world, signed_in):
    signed_in("reviewer")
    assert portal.get("/staff/records/new").status_code == 403
    assert portal.get("/staff").status_code == 200


def test_dashboard_has_accessible_charts_with_data_tables(portal, world, signed_in):
    signed_in("admin")
    page = portal.get("/staff")
    assert page.status_code == 200
    for chart in ("by-item", "by-platform", "by-month"):
        assert f'<svg class="chart" id="{chart}"' in page.text
        assert f'aria-labelledby="{chart}-t {chart}-d"' in page.text
    assert "查看数据表" in page.text and "2026-05" in page.text
    assert "待办异议" in page.text
