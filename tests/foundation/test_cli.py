"""The command line: init is idempotent, tokens print last, imports are all-or-nothing."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.auth.tokens import authenticate
from ggzy_credit.cli.main import app
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import Platform, Standard, StandardItem

runner = CliRunner()


def counts(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) for t in (Platform, Standard, StandardItem)
        )


def test_init_twice_changes_nothing_and_makes_private_keys(cli_env):  # type: ignore[no-untyped-def]
    before = counts(cli_env)
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert counts(cli_env) == before  # the fixture database already holds the defaults
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0 and "无需变更" in second.output
    assert counts(cli_env) == before
    secrets = cli_env.settings.secrets_dir
    for path in secrets.iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o700


def test_init_on_an_empty_database(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GGZY_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GGZY_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "已载入" in result.output and (tmp_path / "var" / "ggzy-credit.db").exists()
    assert "无需变更" in runner.invoke(app, ["init"]).output


def test_token_create_prints_the_token_last(cli_env):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["token", "create", "--role", "recorder", "--name", "政府采购分平台"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with cli_env.session() as s:
        assert authenticate(s, token).role == "recorder"
    bad = runner.invoke(app, ["token", "create", "--role", "wizard", "--name", "x"])
    assert bad.exit_code != 0
    no_subject = runner.invoke(app, ["token", "create", "--role", "subject", "--name", "x"])
    assert no_subject.exit_code == 2 and "subject_id" in no_subject.output


def test_subjects_add_rejects_a_bad_check_character(cli_env):  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app,
        ["subjects", "add", "--name", "测试有限公司", "--kind", "responder", "--uscc", "91110000600037341X"],
    )
    assert result.exit_code == 2 and "uscc" in result.output and "校验位" in result.output
    ok = runner.invoke(
        app,
        [
            "subjects",
            "add",
            "--name",
            "测试有限公司",
            "--kind",
            "responder",
            "--uscc",
            "91110000600037341L",
            "--phone",
            "13800001111",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "138****1111" in ok.output
    dup = runner.invoke(
        app,
        ["subjects", "add", "--name", "测试有限公司", "--kind", "responder", "--uscc", "91110000600037341L"],
    )
    assert dup.exit_code == 2 and "已登记" in dup.output
    found = runner.invoke(app, ["subjects", "search", "测试"])
    assert found.exit_code == 0 and "91110000600037341L" in found.output


def _rows(subject_id: int, code: str, n: int) -> list[dict]:  # type: ignore[type-arg]
    day = str(clock.today() - timedelta(days=1))
    return [
        {
            "platform": "gov_procurement",
            "external_id": f"IMP-{i}",
            "subject_id": subject_id,
            "item_code": code,
            "occurred_on": day,
            "deducted_on": day,
            "source": "system_push",
        }
        for i in range(n)
    ]


def _record_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(CreditRecord)) or 0


def test_import_jsonl_all_or_nothing(cli_env, make_subject, item_for, tmp_path):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    code, _ = item_for("gov_procurement")
    rows = _rows(subject, code, 5)
    rows[2]["item_code"] = "NOPE"
    rows[4]["occurred_on"] = "2026-13-01"
    path = tmp_path / "records.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["records", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert "第 3 行" in result.output and "item_code" in result.output
    assert "第 5 行" in result.output and "occurred_on" in result.output
    assert "第 6 行" in result.output
    assert _record_count(cli_env) == 0
    skipped = runner.invoke(app, ["records", "import", str(path), "--skip-invalid"])
    assert skipped.exit_code == 0, skipped.output
    assert _record_count(cli_env) == 3
    rejects = tmp_path / "records.rejects.jsonl"
    lines = [json.loads(x) for x in rejects.read_text(encoding="utf-8").splitlines()]
    assert [x["_line"] for x in lines] == [3, 5, 6]
    again = runner.invoke(app, ["records", "import", str(path), "--skip-invalid"])
    assert "已存在 3 条" in again.output and _record_count(cli_env) == 3


def test_import_csv(cli_env, make_subject, item_for, tmp_path):  # type: ignore[no-untyped-def]
    import csv

    subject = make_subject("responder")
    code, _ = item_for("gov_procurement")
    rows = _rows(subject, code, 3)
    path = tmp_path / "records.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(app, ["records", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 3 条" in result.output and _record_count(cli_env) == 3
    wrong = tmp_path / "bad.csv"
    wrong.write_text("platform,colour\ngov_procurement,red\n", encoding="utf-8")
    result = runner.invoke(app, ["records", "import", str(wrong)])
    assert result.exit_code == 2 and "colour" in result.output
    assert runner.invoke(app, ["records", "import", str(tmp_path / "missing.csv")]).exit_code == 1
    assert runner.invoke(app, ["records", "import", str(tmp_path / "records.txt")]).exit_code == 1
