"""Objection deadlines against the 2026 holiday arrangement; loaded years; overdue and due-soon lists.

上海办法第十九条: "自收到异议申请之日起20个工作日内" — the receipt day is not counted (docs/fragments/
workflows.md); the due date is the 20th working day after it.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ggzy_credit.cli.main import app as cli
from ggzy_credit.workdays.calendar import library_years
from ggzy_credit.workflows.models import CalendarYear, Objection

BASE = "/api/v1/objections"
# Test data, not the official 2027 notice: New Year's Day only, enough for December receipts.
YEAR_2027 = {"year": 2027, "holidays": ["2027-01-01"], "makeup_workdays": []}


@pytest.fixture
def file_objection(client, make_subject, make_record, subject_auth, pdf):  # type: ignore[no-untyped-def]
    """File an objection today (as pinned) against a fresh record; returns the response."""

    def file() -> object:
        subject = make_subject("responder")
        record, _ = make_record(subject)
        return client.post(
            BASE,
            headers=subject_auth(subject),
            files=[pdf()],
            data={"record_id": str(record), "reason": "记录有误，附证明材料"},
        )

    return file


@pytest.mark.parametrize(
    ("received", "due"),
    [
        pytest.param(date(2026, 9, 18), date(2026, 10, 22), id="national-day-and-mid-autumn"),
        pytest.param(date(2026, 2, 12), date(2026, 3, 18), id="spring-festival"),
        pytest.param(date(2026, 2, 14), date(2026, 3, 20), id="receipt-on-make-up-saturday"),
        pytest.param(date(2026, 10, 1), date(2026, 11, 3), id="receipt-on-a-holiday"),
        pytest.param(date(2026, 4, 30), date(2026, 6, 1), id="labour-day"),
    ],
)
def test_due_date_is_the_twentieth_working_day_after_receipt(file_objection, pinned, received, due):  # type: ignore[no-untyped-def]
    with pinned(received):
        r = file_objection()
    assert r.status_code == 201, r.text
    assert (r.json()["received_on"], r.json()["due_on"]) == (received.isoformat(), due.isoformat())


def test_unknown_year_is_refused_until_an_admin_loads_it(client, auth, file_objection, pinned, db):  # type: ignore[no-untyped-def]
    if 2027 in library_years():
        pytest.skip("this chinese_calendar release already ships 2027")
    with pinned(date(2026, 12, 10)):
        refused = file_objection()
        assert refused.status_code == 503 and refused.json()["code"] == "calendar_year_missing"
        assert "2027" in refused.json()["detail"]
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Objection)) == 0
        assert (
            client.post("/api/v1/calendar/years", headers=auth("reviewer"), json=YEAR_2027).status_code == 403
        )
        r = client.post("/api/v1/calendar/years", headers=auth("admin"), json=YEAR_2027)
        assert r.status_code == 201 and r.json()["loaded_by"] == "admin:test-admin"
        accepted = file_objection()
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["due_on"] == "2027-01-08"
    listed = client.get("/api/v1/calendar/years", headers=auth("recorder")).json()
    assert [y["year"] for y in listed] == [2027]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2027, "holidays": ["2027-13-01"], "makeup_workdays": []}, "holidays"),
        ({"year": 2027, "holidays": ["2028-01-01"], "makeup_workdays": []}, "holidays"),
        ({"year": 2027, "holidays": ["2027-01-01"], "makeup_workdays": ["2027-01-04"]}, "makeup_workdays"),
        ({"year": 2027, "holidays": [], "makeup_workdays": []}, "holidays"),
    ],
)
def test_bad_arrangements_name_the_field(client, auth, body, field, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/calendar/years", headers=auth("admin"), json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", field], r.text
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_calendar_load_command(cli_env, tmp_path, db):  # type: ignore[no-untyped-def]
    good = tmp_path / "2027.json"
    good.write_text(json.dumps(YEAR_2027), encoding="utf-8")
    result = CliRunner().invoke(cli, ["calendar", "load", str(good)])
    assert result.exit_code == 0, result.output
    assert "2027" in result.output
    again = CliRunner().invoke(cli, ["calendar", "load", str(good), "--loaded-by", "cli:另一管理员"])
    assert again.exit_code == 0
    with db.session() as s:
        row = s.get(CalendarYear, 2027)
        assert row.loaded_by == "cli:另一管理员" and row.arrangement["holidays"] == ["2027-01-01"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(YEAR_2027 | {"makeup_workdays": ["2027-01-05"]}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["calendar", "load", str(bad)])
    assert result.exit_code == 2 and "makeup_workdays" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert CliRunner().invoke(cli, ["calendar", "load", str(broken)]).exit_code != 0


def test_overdue_and_due_soon_lists_and_escalation(client, auth, file_objection, pinned, cli_env, db):  # type: ignore[no-untyped-def]
    with pinned(date(2026, 9, 18)):
        oid = file_objection().json()["id"]  # due 2026-10-22
    with pinned(date(2026, 10, 20)):
        soon = client.get(BASE, headers=auth("reviewer"), params={"due_within": 2}).json()
        assert [o["id"] for o in soon["items"]] == [oid]
        assert client.get(BASE, headers=auth("reviewer"), params={"due_within": 1}).json()["total"] == 0
        assert client.get(BASE, headers=auth("reviewer"), params={"overdue": True}).json()["total"] == 0
    with pinned(date(2026, 10, 22)):  # the due date itself is still in time
        assert client.get(BASE, headers=auth("reviewer"), params={"due_within": 0}).json()["total"] == 1
        assert client.post(f"{BASE}/escalate", headers=auth("admin")).json()["escalated"] == []
    with pinned(date(2026, 10, 23)):
        late = client.get(BASE, headers=auth("regulator"), params={"overdue": True}).json()
        assert late["total"] == 1 and late["items"][0]["overdue"] is True
        assert client.post(f"{BASE}/escalate", headers=auth("reviewer")).status_code == 403
        result = CliRunner().invoke(cli, ["workflows", "escalate"])
        assert result.exit_code == 0 and "1 件" in result.output, result.output
        assert client.post(f"{BASE}/escalate", headers=auth("admin")).json()["escalated"] == []  # once only
        out = client.get(f"{BASE}/{oid}", headers=auth("reviewer")).json()
        assert out["escalated_at"] and out["history"][-1]["actor"] == "system:escalation"
        assert client.get(BASE, headers=auth("reviewer"), params={"escalated": True}).json()["total"] == 1
    # deciding an escalated objection closes it: no longer overdue
    with pinned(date(2026, 10, 26)):
        client.post(f"{BASE}/{oid}/accept", headers=auth("reviewer"), json={"reason": "受理"})
        client.post(
            f"{BASE}/{oid}/decision",
            headers=auth("reviewer"),
            json={"outcome": "rejected", "reason": "经核实记录无误"},
        )
        assert client.get(BASE, headers=auth("reviewer"), params={"overdue": True}).json()["total"] == 0
    assert CliRunner().invoke(cli, ["workflows", "escalate", "--today", "2026-13-01"]).exit_code == 2
