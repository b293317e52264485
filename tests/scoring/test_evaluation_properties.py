"""Property tests: the set-based SQL evaluation agrees exactly with the pure rule, on both databases.

Random deduction histories for several subjects on several platforms (one with a standard change, so
labels switch bands mid-cycle), with revoked and repaired records, evaluated in SQL; then every day up
to the horizon is compared with ``scoring.rule``: score, cycle end, label, and cycle start and points
wherever a stored row begins or ends. A second property replays days one by one with incremental runs,
back-filled records, revocations and repairs arriving in between.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy_credit import clock
from ggzy_credit.scoring.evaluation import run_evaluation

PLATFORMS = ["engineering", "gov_procurement", "centre"]  # engineering: standard 2023.1 → 2024.1
FIRST = date(2023, 1, 1)
SPECIAL = [
    date(2024, 2, 29),
    date(2025, 2, 28),
    date(2024, 2, 28),
    date(2023, 3, 31),
    date(2024, 3, 31),
    date(2024, 1, 1),
    date(2023, 12, 31),
    date(2025, 1, 1),
]
dates = st.one_of(st.dates(FIRST, date(2026, 6, 30)), st.sampled_from(SPECIAL))

deduction = st.tuples(
    dates,
    st.integers(1, 60),
    st.sampled_from(["ok", "ok", "ok", "revoked", "repaired", "repaired_kept"]),
    st.integers(1, 500),
)
pair_history = st.tuples(st.integers(0, 3), st.sampled_from(PLATFORMS), st.lists(deduction, max_size=7))
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FEWER = settings(SETTINGS, max_examples=15)


def _write(direct, subjects, history) -> None:  # type: ignore[no-untyped-def]
    subject_index, platform, items = history
    for on, points, status, gap in items:
        rid = direct.record(subjects[subject_index], platform, on, points)
        if status == "revoked":
            direct.event(rid, "revoked")
        elif status == "repaired":
            direct.event(rid, "repaired", on + timedelta(days=gap))
        elif status == "repaired_kept":  # the standard keeps counting repaired deductions
            direct.event(rid, "repaired", on + timedelta(days=gap), stops=False)


@SETTINGS
@given(
    histories=st.lists(pair_history, min_size=1, max_size=6),
    horizon=st.one_of(st.dates(date(2023, 6, 1), date(2026, 12, 31)), st.sampled_from(SPECIAL)),
)
def test_full_evaluation_agrees_with_pure_rule(direct, histories, horizon):  # type: ignore[no-untyped-def]
    direct.reset()
    subjects = [direct.subject() for _ in range(4)]
    for history in histories:
        _write(direct, subjects, history)
    with clock.freeze(date(2027, 1, 1)):
        run = run_evaluation(direct.session, horizon, full=True)
    assert (run.mode, run.horizon, run.status) == ("full", horizon, "finished")
    direct.assert_history_matches_rule(horizon, FIRST - timedelta(days=1))
    with clock.freeze(date(2027, 1, 1)):
        again = run_evaluation(direct.session, horizon, full=True)
    assert (again.changes, again.rows_written) == (0, 0)  # re-running a day is idempotent


step = st.tuples(
    st.integers(1, 120),  # days since the previous run
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(PLATFORMS[:2]), st.integers(0, 600), st.integers(1, 45)),
        max_size=3,
    ),  # new records: subject, platform, days back-dated, points
    st.lists(
        st.tuples(st.sampled_from(["revoked", "repaired"]), st.integers(0, 10_000), st.integers(0, 60)),
        max_size=2,
    ),  # events on earlier records: kind, which record, repair in how many days
)


@FEWER
@given(steps=st.lists(step, min_size=1, max_size=6), start=st.dates(date(2024, 1, 1), date(2025, 6, 30)))
def test_incremental_runs_agree_with_pure_rule(direct, steps, start):  # type: ignore[no-untyped-def]
    direct.reset()
    subjects = [direct.subject() for _ in range(3)]
    records: list[int] = []
    touched: set[int] = set()
    day = start
    for gap, new, events in steps:
        day += timedelta(days=gap)
        with clock.freeze(day):
            for who, platform, back, points in new:
                records.append(
                    direct.record(subjects[who], platform, max(FIRST, day - timedelta(days=back)), points)
                )
            for kind, which, ahead in events:
                if not records:
                    continue
                rid = records[which % len(records)]
                if rid in touched:
                    continue
                touched.add(rid)
                on = direct.deductions_by_record(rid).on
                direct.event(
                    rid,
                    kind,
                    max(day, on + timedelta(days=1)) + timedelta(days=ahead) if kind == "repaired" else None,
                )
            run = run_evaluation(direct.session)
        assert run.horizon == day
        direct.assert_history_matches_rule(day, FIRST - timedelta(days=1))
