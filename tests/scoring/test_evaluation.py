"""Named cases for the set-based daily evaluation (SQL), on SQLite and PostgreSQL.

Each clause of the rule, evaluated in SQL and stored as change-only history, compared with the
expected rows and with the pure rule day by day; then what runs do: incremental selection,
idempotence, out-of-order days, the run log.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput
from ggzy_credit.scoring.evaluation import run_evaluation
from ggzy_credit.scoring.models import EvaluationRun

D = date
GP = "gov_procurement"


def rows(direct, subject, platform=GP):  # type: ignore[no-untyped-def]
    pid = direct.platforms[platform]
    return [
        (r.valid_from, r.valid_to, r.score, r.label, r.cycle_start, r.cycle_end)
        for r in direct.stored(subject, pid)
    ]


def evaluate_on(direct, day, **kw):  # type: ignore[no-untyped-def]
    with clock.freeze(day):
        return run_evaluation(direct.session, day, **kw)


def test_single_deduction_expires_on_its_anniversary(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 3, 15), 5)
    evaluate_on(direct, D(2025, 3, 14))
    assert rows(direct, s) == [(D(2024, 3, 15), None, 95, "A", D(2024, 3, 15), D(2025, 3, 15))]
    run = evaluate_on(direct, D(2025, 3, 15))  # the cycle ends that day: incremental picks it up
    assert (run.mode, run.pairs_evaluated, run.changes) == ("incremental", 1, 1)
    assert rows(direct, s) == [(D(2024, 3, 15), D(2025, 3, 15), 95, "A", D(2024, 3, 15), D(2025, 3, 15))]
    direct.assert_history_matches_rule(D(2025, 3, 15), D(2024, 1, 1))


def test_chain_of_deductions_each_within_twelve_months(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    for on, points in ((D(2024, 1, 10), 5), (D(2024, 11, 1), 10), (D(2025, 10, 31), 3)):
        direct.record(s, GP, on, points)
    evaluate_on(direct, D(2026, 12, 1))
    assert rows(direct, s) == [
        (D(2024, 1, 10), D(2024, 11, 1), 95, "A", D(2024, 1, 10), D(2025, 1, 10)),
        (D(2024, 11, 1), D(2025, 10, 31), 85, "B", D(2024, 1, 10), D(2025, 11, 1)),
        (D(2025, 10, 31), D(2026, 10, 31), 82, "B", D(2024, 1, 10), D(2026, 10, 31)),
    ]
    direct.assert_history_matches_rule(D(2026, 12, 1), D(2024, 1, 1))


def test_gap_of_exactly_twelve_months_starts_a_new_cycle(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 5, 20), 30)
    direct.record(s, GP, D(2025, 5, 20), 4)
    evaluate_on(direct, D(2025, 6, 1))
    assert rows(direct, s) == [
        (D(2024, 5, 20), D(2025, 5, 20), 70, "C", D(2024, 5, 20), D(2025, 5, 20)),
        (D(2025, 5, 20), None, 96, "A", D(2025, 5, 20), D(2026, 5, 20)),
    ]


def test_leap_day_restored_on_28_february(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 2, 29), 10)
    evaluate_on(direct, D(2025, 3, 1))
    assert rows(direct, s) == [(D(2024, 2, 29), D(2025, 2, 28), 90, "A", D(2024, 2, 29), D(2025, 2, 28))]


def test_floor_at_zero(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    for on, points in ((D(2024, 1, 1), 60), (D(2024, 2, 1), 50), (D(2024, 3, 1), 40)):
        direct.record(s, GP, on, points)
    evaluate_on(direct, D(2024, 4, 1))
    assert [(r[0], r[2], r[3]) for r in rows(direct, s)] == [
        (D(2024, 1, 1), 40, "D"),
        (D(2024, 2, 1), 0, "D"),
        (D(2024, 3, 1), 0, "D"),
    ]
    assert [r.points for r in direct.stored(s, direct.platforms[GP])] == [60, 110, 150]


def test_revoked_middle_deduction_splits_the_chain(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 1, 10), 5)
    middle = direct.record(s, GP, D(2024, 12, 1), 20)
    direct.record(s, GP, D(2025, 6, 1), 3)
    evaluate_on(direct, D(2025, 7, 1))
    assert len(rows(direct, s)) == 3  # one chain
    with clock.freeze(D(2025, 7, 2)):
        direct.event(middle, "revoked")
    run = evaluate_on(direct, D(2025, 7, 2))
    assert (run.pairs_evaluated, run.changes) == (1, 1)
    assert rows(direct, s) == [
        (D(2024, 1, 10), D(2025, 1, 10), 95, "A", D(2024, 1, 10), D(2025, 1, 10)),
        (D(2025, 6, 1), None, 97, "A", D(2025, 6, 1), D(2026, 6, 1)),
    ]
    direct.assert_history_matches_rule(D(2025, 7, 2), D(2024, 1, 1))


def test_backfilled_record_changes_history(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 1, 10), 5)
    direct.record(s, GP, D(2025, 6, 1), 3)
    evaluate_on(direct, D(2025, 7, 1))
    assert [r[0] for r in rows(direct, s)] == [D(2024, 1, 10), D(2025, 6, 1)]
    with clock.freeze(D(2025, 7, 2)):
        direct.record(s, GP, D(2024, 12, 1), 20)  # entered today, dated last December
    evaluate_on(direct, D(2025, 7, 2))
    assert [(r[0], r[2], r[4]) for r in rows(direct, s)] == [
        (D(2024, 1, 10), 95, D(2024, 1, 10)),
        (D(2024, 12, 1), 75, D(2024, 1, 10)),
        (D(2025, 6, 1), 72, D(2024, 1, 10)),
    ]
    direct.assert_history_matches_rule(D(2025, 7, 2), D(2024, 1, 1))


def test_several_platforms_at_once(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 3, 1), 30)
    direct.record(s, "engineering", D(2024, 6, 1), 45)
    direct.record(s, "medical", D(2024, 1, 2), 10)  # expired before the run
    run = evaluate_on(direct, D(2025, 2, 1))
    assert (run.subjects_evaluated, run.pairs_evaluated) == (1, 3)
    assert rows(direct, s, GP) == [(D(2024, 3, 1), None, 70, "C", D(2024, 3, 1), D(2025, 3, 1))]
    assert rows(direct, s, "engineering")[0][2:4] == (55, "D")
    assert rows(direct, s, "medical") == [
        (D(2024, 1, 2), D(2025, 1, 2), 90, "A", D(2024, 1, 2), D(2025, 1, 2))
    ]
    direct.assert_history_matches_rule(D(2025, 2, 1), D(2023, 1, 1))


def test_label_follows_the_standard_in_force(direct):  # type: ignore[no-untyped-def]
    """engineering 2023.1 was replaced by 2024.1 on 2024-01-01: an open cycle's row is split there."""
    s = direct.subject()
    direct.record(s, "engineering", D(2023, 10, 1), 25)
    evaluate_on(direct, D(2024, 2, 1))
    stored = direct.stored(s, direct.platforms["engineering"])
    assert [(r.valid_from, r.valid_to) for r in stored] == [
        (D(2023, 10, 1), D(2024, 1, 1)),
        (D(2024, 1, 1), None),
    ]
    assert stored[0].standard_id != stored[1].standard_id
    direct.assert_history_matches_rule(D(2024, 2, 1), D(2023, 1, 1))


def test_repair_stops_counting_from_its_date(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    rid = direct.record(s, GP, D(2024, 3, 1), 30)
    with clock.freeze(D(2024, 5, 1)):
        direct.event(rid, "repaired", D(2024, 6, 1))
    evaluate_on(direct, D(2024, 5, 1))
    assert rows(direct, s) == [(D(2024, 3, 1), None, 70, "C", D(2024, 3, 1), D(2025, 3, 1))]
    run = evaluate_on(direct, D(2024, 6, 1))  # the repair takes effect: the open row is stale
    assert (run.pairs_evaluated, run.changes) == (1, 1)
    assert rows(direct, s) == [(D(2024, 3, 1), D(2024, 6, 1), 70, "C", D(2024, 3, 1), D(2025, 3, 1))]


def test_incremental_run_touches_only_what_changed(direct):  # type: ignore[no-untyped-def]
    quiet, busy = direct.subject(), direct.subject()
    with clock.freeze(D(2024, 1, 1)):
        direct.record(quiet, GP, D(2024, 1, 1), 10)
        direct.record(busy, GP, D(2024, 1, 1), 10)
    first = evaluate_on(direct, D(2024, 2, 1))
    assert (first.mode, first.pairs_evaluated, first.changes) == ("full", 2, 2)
    with clock.freeze(datetime(2024, 2, 2, 9, 0, tzinfo=clock.CHINA)):  # before the day's run starts
        direct.record(busy, GP, D(2024, 2, 2), 5)
    run = evaluate_on(direct, D(2024, 2, 2))
    assert (run.mode, run.subjects_evaluated, run.pairs_evaluated, run.changes) == ("incremental", 1, 1, 1)
    again = evaluate_on(direct, D(2024, 2, 2))
    assert (again.pairs_evaluated, again.changes, again.rows_written) == (0, 0, 0)
    full = evaluate_on(direct, D(2024, 2, 2), full=True)
    assert (full.mode, full.pairs_evaluated, full.changes) == ("full", 2, 0)


def test_missed_days_and_earlier_days_never_lose_history(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 1, 1), 10)
    evaluate_on(direct, D(2024, 6, 1))
    with clock.freeze(D(2025, 3, 1)):
        late = run_evaluation(direct.session)  # nine months without a run
        assert late.horizon == D(2025, 3, 1)
        old = run_evaluation(direct.session, D(2024, 3, 1))  # an earlier day, re-run
    assert (old.horizon, old.changes) == (D(2025, 3, 1), 0)
    assert rows(direct, s) == [(D(2024, 1, 1), D(2025, 1, 1), 90, "A", D(2024, 1, 1), D(2025, 1, 1))]


def test_runs_are_logged(direct):  # type: ignore[no-untyped-def]
    s = direct.subject()
    direct.record(s, GP, D(2024, 1, 1), 10)
    run = evaluate_on(direct, D(2024, 1, 5))
    logged = direct.session.scalars(select(EvaluationRun)).all()
    assert [(r.as_of, r.mode, r.status, r.started_by) for r in logged] == [
        (D(2024, 1, 5), "full", "finished", "cli")
    ]
    assert run.started_at is not None and run.finished_at is not None and run.finished_at >= run.started_at
    assert (run.subjects_evaluated, run.changes, run.rows_written) == (1, 1, 1) and run.seconds is not None


def test_future_day_is_rejected(direct):  # type: ignore[no-untyped-def]
    with clock.freeze(D(2024, 1, 1)), pytest.raises(InvalidInput) as err:
        run_evaluation(direct.session, D(2024, 1, 1) + timedelta(days=1))
    assert err.value.problems[0].loc[-1] == "as_of"
