"""Malformed files import nothing and say why; entries leave public display when the source says so."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.exchange.models import ExternalEntry, ImportRun
from ggzy_credit.exchange.retire import retire_expired
from ggzy_credit.records.events import RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.subjects.models import Subject


def totals(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) for m in (CreditRecord, Subject, ExternalEntry)
        )


def xlsx_truncated(encoded, rows):  # type: ignore[no-untyped-def]
    data = encoded(rows, "xlsx")
    return data[: len(data) // 2]


MALFORMED = {
    "unknown column": lambda enc, rows: enc([r | {"处罚金额": "5000"} for r in rows], "csv"),
    "missing required column": lambda enc, rows: enc(
        [{k: v for k, v in r.items() if k != "occurred_on"} for r in rows], "csv"
    ),
    "broken JSON line": lambda enc, rows: (
        enc(rows, "jsonl") + b'{"source_id": "X", "uscc": \n' + enc(rows[:1], "jsonl")
    ),
    "JSON array, not object": lambda enc, rows: enc(rows, "jsonl") + b"[1, 2, 3]\n",
    "too many cells": lambda enc, rows: (
        enc(rows, "csv") + "多,出,来,的,单,元,格,超,过,表,头,的,列,数,字,段\n".encode()
    ),
    "empty": lambda enc, rows: b"",
    "header only": lambda enc, rows: enc(rows, "csv").split(b"\n")[0] + b"\n",
    "binary junk": lambda enc, rows: bytes(range(256)) * 4,
    "truncated xlsx": xlsx_truncated,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_imports_nothing_and_reports_why(db, run_import, penalty, encoded, case):  # type: ignore[no-untyped-def]
    rows = [penalty() for _ in range(5)]
    data = MALFORMED[case](encoded, rows)
    fmt = "xlsx" if "xlsx" in case else "jsonl" if "JSON" in case else "csv"
    report = run_import("credit_penalties", data, fmt)
    assert report.status == "failed" and report.file_errors, case
    assert all(e["message"] for e in report.file_errors)
    assert report.rows == [] and totals(db) == (0, 0, 0)
    with db.session() as s:
        run = s.scalar(select(ImportRun))
        assert run.status == "failed" and run.report["file_errors"]  # type: ignore[union-attr]


def test_unknown_file_format_is_refused(db, run_import, penalty, encoded):  # type: ignore[no-untyped-def]
    report = run_import("credit_penalties", encoded([penalty()], "csv"), "csv", filename="penalties.xls")
    assert report.status == "failed" and "无法识别" in report.file_errors[0]["message"]


def test_gb18030_csv_and_chinese_headers(db, run_import, penalty):  # type: ignore[no-untyped-def]
    row = penalty()
    text = (
        f"来源编号,主体名称,统一社会信用代码,决定日期,决定机关,文书号\n"
        f"{row['source_id']},{row['subject_name']},{row['uscc']},{row['occurred_on']},市住建委,沪建罚〔2026〕1号\n"
    )
    report = run_import("housing_penalties", text.encode("gb18030"), "csv")
    assert report.status == "succeeded" and report.counts()["created"] == 1


def test_xlsx_numeric_identifier_cells_are_rejected(db, run_import, penalty):  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["source_id", "subject_name", "id_number", "occurred_on"])
    sheet.append([1001, "张三", 110105194912310029, date(2026, 3, 1)])  # ID typed as a number: precision lost
    buffer = io.BytesIO()
    book.save(buffer)
    report = run_import("credit_penalties", buffer.getvalue(), "xlsx")
    assert report.status == "succeeded" and report.rows[0].outcome == "rejected"
    assert (
        report.rows[0].reasons[0]["field"] == "id_number" and "文本" in report.rows[0].reasons[0]["message"]
    )


def events(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return [(e.record_id, e.kind) for e in s.scalars(select(RecordEvent).order_by(RecordEvent.id))]


def test_source_retires_and_revokes_entries(db, run_import, penalty):  # type: ignore[no-untyped-def]
    rows = [penalty() for _ in range(3)]
    created = run_import("credit_penalties", rows)
    ids = [r.record_id for r in created.rows]
    later = [rows[0] | {"status": "已移出"}, rows[1] | {"status": "revoked"}, rows[2]]
    report = run_import("credit_penalties", later, "csv")
    assert [r.outcome for r in report.rows] == ["retired", "retired", "duplicate"]
    assert events(db) == [(ids[0], "repaired"), (ids[1], "revoked")]
    with db.session() as s:
        states = {e.source_id: e.status for e in s.scalars(select(ExternalEntry))}
    assert states == {
        rows[0]["source_id"]: "retired",
        rows[1]["source_id"]: "revoked",
        rows[2]["source_id"]: "active",
    }
    again = run_import("credit_penalties", later)
    assert [r.outcome for r in again.rows] == ["duplicate", "duplicate", "duplicate"]
    assert len(events(db)) == 2
    back = run_import("credit_penalties", [rows[0]])  # re-published after retirement: a person must look
    assert back.rows[0].outcome == "rejected" and back.rows[0].reasons[0]["field"] == "status"
    never = run_import("credit_penalties", [penalty(status="retired")])
    assert never.rows[0].outcome == "skipped" and totals(db)[0] == 3


def test_publicity_period_expiry_follows_the_source_setting(db, run_import, penalty, registry):  # type: ignore[no-untyped-def]
    until = clock.today() + timedelta(days=10)
    expiring = penalty(publicity_until=str(until))
    kept = penalty(publicity_until=str(until))
    run_import("credit_penalties", [expiring])  # publicity: expire
    run_import("joint_punishment", [kept])  # publicity: keep — leaves only when the source says so
    with db.session() as s:
        assert retire_expired(s, registry) == 0
    with clock.freeze(until + timedelta(days=1)), db.session() as s:
        assert retire_expired(s, registry) == 1
        assert retire_expired(s, registry) == 0
    with db.session() as s:
        entry = s.scalar(select(ExternalEntry).where(ExternalEntry.source == "credit_penalties"))
        event = s.scalar(select(RecordEvent))
        assert entry.status == "retired" and "公示期满" in entry.retire_reason  # type: ignore[union-attr, operator]
        assert event.kind == "repaired" and event.effective_on == until + timedelta(days=1)  # type: ignore[union-attr]
    past = run_import("credit_penalties", [penalty(publicity_until=str(clock.today() - timedelta(days=1)))])
    assert past.rows[0].outcome == "skipped"


def test_report_is_json_serialisable(db, run_import, penalty, tmp_path):  # type: ignore[no-untyped-def]
    report = run_import("credit_penalties", [penalty(), penalty(uscc="bad")])
    data = json.loads(report.write_json(tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["counts"]["created"] == 1 and data["counts"]["rejected"] == 1 and len(data["rows"]) == 2
