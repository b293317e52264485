"""The daily evaluation: 00:30 Asia/Shanghai, catch-up of missed days, one run per day across
processes (claims), failures recorded; and ``ggzy-credit evaluate`` on the command line."""

from __future__ import annotations

import time as wall
from datetime import date, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.cli.main import app
from ggzy_credit.scoring import scheduler
from ggzy_credit.scoring.models import EvaluationRun
from ggzy_credit.scoring.scheduler import DailyEvaluation, catch_up, due_days, next_run_after, run_day

D = date
runner = CliRunner()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.CHINA)


def runs(db) -> list[EvaluationRun]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.scalars(select(EvaluationRun).order_by(EvaluationRun.id)))


def test_next_run_is_at_00_30_shanghai():
    assert next_run_after(at(D(2025, 1, 4), 0, 10)) == at(D(2025, 1, 4), 0, 30)
    assert next_run_after(at(D(2025, 1, 4), 0, 30)) == at(D(2025, 1, 5), 0, 30)
    assert next_run_after(at(D(2025, 12, 31), 23, 59)) == at(D(2026, 1, 1), 0, 30)


def test_due_days_catch_up_missed_days(db):  # type: ignore[no-untyped-def]
    assert due_days(db.sessions, at(D(2025, 1, 4), 1)) == [D(2025, 1, 4)]  # first start: the latest due day
    with clock.freeze(at(D(2025, 1, 1), 0, 31)):
        assert run_day(db.sessions, D(2025, 1, 1)) is not None
    assert due_days(db.sessions, at(D(2025, 1, 4), 1)) == [D(2025, 1, 2), D(2025, 1, 3), D(2025, 1, 4)]
    assert due_days(db.sessions, at(D(2025, 1, 4), 0, 10)) == [D(2025, 1, 2), D(2025, 1, 3)]  # not 00:30 yet
    assert due_days(db.sessions, at(D(2025, 1, 1), 23)) == []


def test_each_day_runs_once_even_with_several_schedulers(db):  # type: ignore[no-untyped-def]
    with clock.freeze(at(D(2025, 1, 1), 0, 31)):
        run_day(db.sessions, D(2025, 1, 1))
    with clock.freeze(at(D(2025, 1, 3), 2)):
        assert catch_up(db.sessions) == [D(2025, 1, 2), D(2025, 1, 3)]
        assert catch_up(db.sessions) == []  # a second scheduler finds the days claimed
        assert run_day(db.sessions, D(2025, 1, 3)) is None
    logged = runs(db)
    assert [(r.as_of, r.claim_key, r.status) for r in logged] == [
        (D(2025, 1, 1), "daily:2025-01-01", "finished"),
        (D(2025, 1, 2), "daily:2025-01-02", "finished"),
        (D(2025, 1, 3), "daily:2025-01-03", "finished"),
    ]
    assert [r.mode for r in logged] == ["full", "incremental", "incremental"]


def test_a_failed_day_is_recorded(db, monkeypatch):  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(scheduler, "run_evaluation", broken)
    with clock.freeze(at(D(2025, 1, 1), 1)):
        assert run_day(db.sessions, D(2025, 1, 1)) is None
    [failed] = runs(db)
    assert (failed.status, failed.claim_key) == ("failed", "daily:2025-01-01")
    assert failed.error is not None and "磁盘已满" in failed.error and failed.finished_at is not None


def test_background_loop_catches_up_at_start(db):  # type: ignore[no-untyped-def]
    loop = DailyEvaluation(db.sessions, poll_seconds=0.05)
    with clock.freeze(at(D(2025, 1, 2), 3)):
        loop.start()
        try:
            deadline = wall.monotonic() + 20
            while not runs(db) and wall.monotonic() < deadline:
                wall.sleep(0.05)
        finally:
            loop.stop()
    assert [(r.as_of, r.status) for r in runs(db)][:1] == [(D(2025, 1, 2), "finished")]


def test_cli_evaluate(cli_env):  # type: ignore[no-untyped-def]
    with clock.freeze(D(2025, 3, 1)):
        result = runner.invoke(app, ["evaluate", "--as-of", "2025-02-01"])
        assert result.exit_code == 0, result.output
        assert "评估完成" in result.output and "全量" in result.output
        again = runner.invoke(app, ["evaluate", "--as-of", "2025-02-01"])
        assert again.exit_code == 0 and "增量" in again.output and "0 个有变化" in again.output
        full = runner.invoke(app, ["evaluate", "--full"])
        assert full.exit_code == 0 and "全量" in full.output
        future = runner.invoke(app, ["evaluate", "--as-of", "2025-03-02"])
        assert future.exit_code == 2 and "as_of" in future.output
        bad = runner.invoke(app, ["evaluate", "--as-of", "2025/02/01"])
        assert bad.exit_code == 2
    assert [r.as_of for r in runs(cli_env)] == [D(2025, 2, 1), D(2025, 2, 1), D(2025, 3, 1)]


@pytest.mark.parametrize("flag", ["--scheduler", "--no-scheduler"])
def test_serve_has_the_scheduler_switch(flag):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["serve", "--help"])
    assert flag in result.output
