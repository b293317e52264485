"""``records import`` on files that are not UTF-8 or not valid CSV: a report naming the line, no
traceback, nothing written (a regression found by tests/fuzz/test_importers.py)."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from ggzy_credit.cli.main import app
from ggzy_credit.records.models import CreditRecord

runner = CliRunner()


def _records(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(CreditRecord)) or 0


def _row(subject_id: int, code: str, n: int) -> dict:  # type: ignore[type-arg]
    return {
        "platform": "gov_procurement",
        "external_id": f"ENC-{n}",
        "subject_id": subject_id,
        "item_code": code,
        "occurred_on": "2026-01-05",
        "source": "system_push",
    }


def test_jsonl_line_that_is_not_utf8_is_named_and_skippable(cli_env, make_subject, item_for, tmp_path):  # type: ignore[no-untyped-def]
    subject, (code, _) = make_subject("responder"), item_for("gov_procurement")
    good = [json.dumps(_row(subject, code, n)).encode() for n in range(2)]
    path = tmp_path / "records.jsonl"
    path.write_bytes(good[0] + b"\n" + b'{"platform": "\xff\xfe"}\n' + good[1] + b"\n" + b"9" * 5000 + b"\n")
    result = runner.invoke(app, ["records", "import", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2, result.output
    assert "第 2 行" in result.output and "UTF-8" in result.output
    assert "第 4 行" in result.output and "JSON 格式错误" in result.output
    assert _records(cli_env) == 0
    skipped = runner.invoke(app, ["records", "import", str(path), "--skip-invalid"])
    assert skipped.exit_code == 0, skipped.output
    assert _records(cli_env) == 2


def test_csv_that_is_not_utf8_is_refused_whole_naming_the_line(cli_env, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "records.csv"
    path.write_bytes(b"platform,item_code\ngov_procurement,A1\n" + "公司,A2\n".encode("gb18030"))
    for args in ([], ["--skip-invalid"]):
        result = runner.invoke(app, ["records", "import", str(path), *args])
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
        assert "第 3 行" in result.output and "UTF-8" in result.output
    assert _records(cli_env) == 0


def test_csv_with_a_broken_quote_is_refused_naming_the_line(cli_env, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "records.csv"
    path.write_bytes(b'platform,item_code\ngov_procurement,"A1\n' + b"x" * 200_000 + b"\n")
    result = runner.invoke(app, ["records", "import", str(path)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "CSV 格式错误" in result.output and "行" in result.output
    assert _records(cli_env) == 0
