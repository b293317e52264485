"""Hypothesis on every file importer: ``records import`` (JSONL/CSV) and the exchange importers
(entries and bids; CSV, JSON Lines, XLSX).

Whatever the bytes or rows: no traceback, a report that names the line (and the field) of every
rejected row, and a database left unchanged by whatever was rejected.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select
from typer.testing import CliRunner

from ggzy_credit.cli.main import app
from ggzy_credit.db.models import metadata
from ggzy_credit.exchange.rows import BID_COLUMNS, ENTRY_COLUMNS
from ggzy_credit.exchange.service import import_bytes
from ggzy_credit.exchange.sources import load_registry
from ggzy_credit.records.files import FIELDS

FUZZ = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
runner = CliRunner()
SOURCES = {"credit_penalties": ENTRY_COLUMNS, "yrd_cities": ENTRY_COLUMNS, "bids": BID_COLUMNS}
WEIRD = st.sampled_from(
    [
        "",
        " ",
        "2026-01-02",
        "2026-13-45",
        "9999-12-31",
        "91310000MA1FL0XX8X",
        "110105194912310029",
        "gov_procurement",
        "NaN",
        "1e400",
        "-0",
        "9" * 30,
        "已撤销",
        "\ufeff",
        "\u202e",
        "a" * 5000,
        '"',
        "\r\n",
        "=1+1",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    WEIRD,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def table_counts(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}


def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def csv_bytes(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def jsonl_bytes(lines: list[Any]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False, default=str) + "\n" for line in lines).encode()


def xlsx_bytes(header: list[str], rows: list[list[Any]], extra_sheets: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    for n in range(extra_sheets):
        workbook.create_sheet(f"s{n}").append(["x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        WEIRD,
        st.dates(),
        st.booleans(),
    )


@st.composite
def exchange_files(draw: st.DrawFn, columns) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """A file in one of the three formats: random bytes, or a table of known/unknown columns."""
    fmt = draw(st.sampled_from(["csv", "jsonl", "xlsx"]))
    if draw(st.integers(0, 4)) == 0:
        return fmt, draw(st.binary(max_size=600))
    names = sorted(set(columns.names))
    header = draw(
        st.lists(st.one_of(st.sampled_from(names), st.text(max_size=8)), min_size=1, max_size=8)
        | st.just(names)
    )
    rows = draw(st.lists(st.lists(cell_values(), max_size=len(header) + 1), max_size=5))
    if fmt == "csv":
        return fmt, csv_bytes(
            header, rows, draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "latin-1"]))
        )
    if fmt == "jsonl":
        objects = [dict(zip(header, row, strict=False)) for row in rows]
        lines = [draw(st.one_of(st.just(o), JSON_VALUES)) for o in objects] or [draw(JSON_VALUES)]
        return fmt, jsonl_bytes(lines)
    return fmt, xlsx_bytes(header, rows, draw(st.integers(0, 1)))


def check_exchange_report(report, before: dict[str, int], after: dict[str, int]) -> str:  # type: ignore[no-untyped-def]
    report.as_dict()
    assert report.status in ("succeeded", "failed")
    if report.status == "failed":
        assert report.file_errors and report.rows == []
        assert all(e["message"] for e in report.file_errors)
        assert changed(before, after) <= {"import_runs"}, changed(before, after)
        return "rejected"
    counts = report.counts()
    for row in report.rows:
        assert isinstance(row.line, int) and row.line >= 1
        if row.outcome == "rejected":
            assert row.reasons and all(r["message"] and r["field"] for r in row.reasons), row.reasons
    wrote = counts["created"] + counts["retired"] + counts["subjects_created"]
    if not wrote:
        assert changed(before, after) <= {"import_runs"}, changed(before, after)
        return "rejected"
    return "accepted"


@FUZZ
@given(source=st.sampled_from(sorted(SOURCES)), data=st.data())
def test_exchange_importers_report_and_leave_rejections_unwritten(db, cipher, fuzz_counts, source, data):  # type: ignore[no-untyped-def]
    fmt, content = data.draw(exchange_files(SOURCES[source]))
    registry = load_registry()
    with db.sessions() as session:
        try:
            before = table_counts(session)
            report = import_bytes(
                session, cipher, registry.get(source), content, filename=f"fuzz.{fmt}", run_by="fuzz"
            )
            outcome = check_exchange_report(report, before, table_counts(session))
        finally:
            session.rollback()
    fuzz_counts["cases"] += 1
    fuzz_counts[outcome] += 1


@st.composite
def record_rows(draw: st.DrawFn, subject_id: int, item_code: str) -> dict[str, Any]:
    """A records-import row: each field valid, missing, or garbage; sometimes an unknown field."""
    valid = {
        "platform": "gov_procurement",
        "external_id": f"FZ-{draw(st.integers(0, 10**6))}",
        "subject_id": subject_id,
        "item_code": item_code,
        "occurred_on": "2026-01-05",
        "deducted_on": "2026-01-06",
        "source": "system_push",
    }
    row: dict[str, Any] = {}
    for name in FIELDS:
        choice = draw(st.integers(0, 9))
        if choice < 6 and name in valid:
            row[name] = valid[name]
        elif choice < 8:
            row[name] = draw(SCALARS)
    if draw(st.integers(0, 9)) == 0:
        row[draw(st.text(min_size=1, max_size=6))] = draw(SCALARS)
    return row


@st.composite
def record_files(draw: st.DrawFn, subject_id: int, item_code: str) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(["jsonl", "csv"]))
    if draw(st.integers(0, 4)) == 0:
        return fmt, draw(st.binary(max_size=600))
    rows = draw(st.lists(record_rows(subject_id, item_code), min_size=1, max_size=5))
    if fmt == "jsonl":
        lines = [draw(st.one_of(st.just(r), st.just(r), JSON_VALUES)) for r in rows]
        return fmt, jsonl_bytes(lines)
    header = list(dict.fromkeys(k for r in rows for k in r)) or ["platform"]
    return fmt, csv_bytes(header, [[r.get(k) for k in header] for r in rows])


def test_records_import_reports_lines_and_leaves_rejections_unwritten(  # type: ignore[no-untyped-def]
    cli_env, make_subject, item_for, tmp_path, fuzz_counts
):
    subject_id = make_subject("responder")
    item_code, _ = item_for("gov_procurement")

    @FUZZ
    @given(file=record_files(subject_id, item_code), skip_invalid=st.booleans())
    def run(file: tuple[str, bytes], skip_invalid: bool) -> None:
        fmt, content = file
        path = tmp_path / f"fuzz.{fmt}"
        path.write_bytes(content)
        rejects = tmp_path / f"fuzz.rejects.{fmt}"
        rejects.unlink(missing_ok=True)
        with cli_env.session() as session:
            before = table_counts(session)
        result = runner.invoke(app, ["records", "import", str(path), *(["--skip-invalid"] * skip_invalid)])
        with cli_env.session() as session:
            after = table_counts(session)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 2), result.output
        fuzz_counts["cases"] += 1
        if result.exit_code == 2:
            assert "行" in result.output, result.output
            assert changed(before, after) == set(), changed(before, after)
            fuzz_counts["rejected"] += 1
        else:
            assert "导入完成" in result.output, result.output
            fuzz_counts["accepted"] += 1

    run()
