"""Named cases for the Shanghai scoring rule (上海办法第十二条, DESIGN §2 "Scoring")."""

from datetime import date, timedelta

import pytest

from ggzy_credit.scoring.rule import (
    CYCLE_MONTHS,
    FULL_SCORE,
    Cycle,
    Deduction,
    Evaluation,
    add_months,
    cycles,
    evaluate,
    restoration_date,
    score_series,
)

D = date
DAY = timedelta(days=1)


def ded(record_id: int, on: date, points: int, counts: bool = True) -> Deduction:
    return Deduction(record_id=record_id, on=on, points=points, counts=counts)


def score(deductions, on: date) -> int:
    return evaluate(deductions, on).score


# --- add_months ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2023, 3, 31), 12, D(2024, 3, 31)),
        (D(2023, 2, 28), 12, D(2024, 2, 28)),
        (D(2024, 8, 31), 1, D(2024, 9, 30)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2024, 1, 15), -1, D(2023, 12, 15)),
        (D(2024, 5, 10), 0, D(2024, 5, 10)),
        (D(2022, 6, 1), 30, D(2024, 12, 1)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_constants():
    assert FULL_SCORE == 100
    assert CYCLE_MONTHS == 12


# --- single deduction --------------------------------------------------------------------------------


def test_single_deduction_expires_on_its_anniversary():
    history = [ded(1, D(2024, 3, 15), 5)]
    assert score(history, D(2024, 3, 14)) == 100
    assert score(history, D(2024, 3, 15)) == 95
    assert score(history, D(2025, 3, 14)) == 95  # day before the anniversary
    assert score(history, D(2025, 3, 15)) == 100  # restored on the anniversary itself
    ev = evaluate(history, D(2024, 6, 1))
    assert ev == Evaluation(D(2024, 6, 1), 95, D(2024, 3, 15), D(2025, 3, 15), (history[0],))
    assert ev.points == 5
    assert evaluate(history, D(2025, 3, 15)) == Evaluation(D(2025, 3, 15), 100, None, None, ())
    assert restoration_date(history, D(2024, 6, 1)) == D(2025, 3, 15)
    assert restoration_date(history, D(2025, 3, 15)) is None


def test_before_any_deduction_full_score_and_no_cycle():
    history = [ded(1, D(2024, 3, 15), 5)]
    assert evaluate(history, D(2024, 1, 1)) == Evaluation(D(2024, 1, 1), 100, None, None, ())
    assert evaluate([], D(2024, 1, 1)) == Evaluation(D(2024, 1, 1), 100, None, None, ())
    assert restoration_date(history, D(2024, 1, 1)) is None
    assert cycles([]) == []


# --- chains ------------------------------------------------------------------------------------------


def test_chain_within_twelve_months_moves_end_and_accumulates():
    a, b, c = ded(1, D(2024, 1, 10), 5), ded(2, D(2024, 11, 1), 10), ded(3, D(2025, 10, 31), 3)
    history = [a, b, c]
    assert evaluate(history, D(2024, 6, 1)).cycle_end == D(2025, 1, 10)
    assert score(history, D(2024, 6, 1)) == 95
    ev = evaluate(history, D(2025, 2, 1))  # after A's own anniversary: B kept the cycle open
    assert (ev.score, ev.cycle_start, ev.cycle_end) == (85, D(2024, 1, 10), D(2025, 11, 1))
    assert ev.counted == (a, b)
    ev = evaluate(history, D(2025, 10, 31))
    assert (ev.score, ev.cycle_end, ev.counted) == (82, D(2026, 10, 31), (a, b, c))
    assert score(history, D(2026, 10, 30)) == 82
    assert score(history, D(2026, 10, 31)) == 100
    assert cycles(history) == [Cycle(D(2024, 1, 10), D(2026, 10, 31), (a, b, c))]
    assert cycles(history)[0].points == 18


def test_deduction_on_the_anniversary_starts_a_new_cycle():
    a, b = ded(1, D(2024, 5, 20), 30), ded(2, D(2025, 5, 20), 4)
    history = [a, b]
    assert score(history, D(2025, 5, 19)) == 70
    ev = evaluate(history, D(2025, 5, 20))
    assert (ev.score, ev.cycle_start, ev.cycle_end, ev.counted) == (96, D(2025, 5, 20), D(2026, 5, 20), (b,))
    assert cycles(history) == [
        Cycle(D(2024, 5, 20), D(2025, 5, 20), (a,)),
        Cycle(D(2025, 5, 20), D(2026, 5, 20), (b,)),
    ]


def test_deduction_the_day_before_the_anniversary_joins():
    a, b = ded(1, D(2024, 5, 20), 30), ded(2, D(2025, 5, 19), 4)
    ev = evaluate([a, b], D(2025, 5, 20))
    assert (ev.score, ev.cycle_start, ev.cycle_end) == (66, D(2024, 5, 20), D(2026, 5, 19))


# --- leap days and month ends ------------------------------------------------------------------------


def test_leap_day_deduction_restored_on_28_february():
    history = [ded(1, D(2024, 2, 29), 10)]
    assert evaluate(history, D(2024, 2, 29)).cycle_end == D(2025, 2, 28)
    assert score(history, D(2025, 2, 27)) == 90
    assert score(history, D(2025, 2, 28)) == 100
    assert restoration_date(history, D(2024, 7, 1)) == D(2025, 2, 28)


def test_leap_day_cycle_and_a_deduction_on_28_february_2025():
    # 2025-02-28 is the end of the 2024-02-29 cycle, so it starts a new one.
    history = [ded(1, D(2024, 2, 29), 10), ded(2, D(2025, 2, 28), 7)]
    ev = evaluate(history, D(2025, 2, 28))
    assert (ev.score, ev.cycle_start, ev.cycle_end) == (93, D(2025, 2, 28), D(2026, 2, 28))


def test_month_end_deduction_restored_on_same_day_next_year():
    history = [ded(1, D(2023, 3, 31), 8)]
    assert evaluate(history, D(2023, 3, 31)).cycle_end == D(2024, 3, 31)
    assert score(history, D(2024, 3, 30)) == 92
    assert score(history, D(2024, 3, 31)) == 100


# --- floor, zero points, revocation ------------------------------------------------------------------


def test_score_never_below_zero():
    history = [ded(1, D(2024, 1, 1), 60), ded(2, D(2024, 2, 1), 50), ded(3, D(2024, 3, 1), 40)]
    ev = evaluate(history, D(2024, 3, 1))
    assert ev.score == 0
    assert ev.points == 150
    assert score(history, D(2024, 2, 1)) == 0
    assert score(history, D(2025, 3, 1)) == 100


def test_zero_point_items_never_start_or_extend_a_cycle():
    a = ded(1, D(2024, 1, 10), 5)
    commendation = ded(2, D(2024, 12, 1), 0)
    history = [a, commendation]
    ev = evaluate(history, D(2024, 12, 15))
    assert (ev.score, ev.cycle_end, ev.counted) == (95, D(2025, 1, 10), (a,))
    assert score(history, D(2025, 1, 10)) == 100
    assert evaluate([commendation], D(2024, 12, 1)) == Evaluation(D(2024, 12, 1), 100, None, None, ())
    assert cycles([commendation]) == []


def test_revoked_middle_deduction_splits_the_chain():
    a = ded(1, D(2024, 1, 10), 5)
    b = ded(2, D(2024, 12, 1), 20, counts=False)
    c = ded(3, D(2025, 6, 1), 3)
    history = [a, b, c]
    assert score(history, D(2024, 12, 15)) == 95
    assert score(history, D(2025, 1, 10)) == 100  # A restored: B does not keep the cycle open
    ev = evaluate(history, D(2025, 6, 1))
    assert (ev.score, ev.cycle_start, ev.cycle_end, ev.counted) == (97, D(2025, 6, 1), D(2026, 6, 1), (c,))
    assert cycles(history) == [
        Cycle(D(2024, 1, 10), D(2025, 1, 10), (a,)),
        Cycle(D(2025, 6, 1), D(2026, 6, 1), (c,)),
    ]
    # Had B counted, all three would form one cycle.
    unrevoked = [a, ded(2, D(2024, 12, 1), 20), c]
    assert [len(cy.deductions) for cy in cycles(unrevoked)] == [3]
    assert score(unrevoked, D(2025, 6, 1)) == 72


def test_negative_points_rejected():
    with pytest.raises(ValueError):
        ded(1, D(2024, 1, 1), -1)


# --- history, same day, order ------------------------------------------------------------------------


def test_backfilled_older_deduction_changes_earlier_days():
    c = ded(3, D(2025, 6, 1), 3)
    before = [ded(1, D(2024, 1, 10), 5), c]
    assert score(before, D(2025, 6, 1)) == 97
    assert evaluate(before, D(2025, 6, 1)).cycle_start == D(2025, 6, 1)
    # A record dated 2024-12-01 is entered later (back-filled): it bridges A and C into one cycle.
    after = [*before, ded(2, D(2024, 12, 1), 20)]
    assert score(after, D(2024, 11, 30)) == 95  # days before the back-filled date are unchanged
    assert score(after, D(2024, 12, 1)) == 75
    assert score(after, D(2025, 1, 10)) == 75  # was 100 before the back-fill
    ev = evaluate(after, D(2025, 6, 1))
    assert (ev.score, ev.cycle_start, ev.cycle_end) == (72, D(2024, 1, 10), D(2026, 6, 1))


def test_later_deduction_does_not_change_earlier_day():
    a, b = ded(1, D(2024, 1, 10), 5), ded(2, D(2024, 6, 1), 10)
    assert evaluate([a, b], D(2024, 3, 1)) == evaluate([a], D(2024, 3, 1))
    assert evaluate([a, b], D(2024, 3, 1)).cycle_end == D(2025, 1, 10)


def test_several_deductions_on_one_day_join_the_same_cycle():
    day = D(2024, 7, 1)
    history = [ded(3, day, 2), ded(1, day, 5), ded(2, day, 1)]
    ev = evaluate(history, day)
    assert ev.score == 92
    assert [d.record_id for d in ev.counted] == [1, 2, 3]
    assert (ev.cycle_start, ev.cycle_end) == (day, D(2025, 7, 1))
    # Several deductions on the anniversary of an earlier cycle all start the same new cycle.
    old = ded(9, D(2023, 7, 1), 40)
    ev = evaluate([old, *history], day)
    assert (ev.score, ev.cycle_start) == (92, day)
    assert len(cycles([old, *history])) == 2


def test_input_order_does_not_matter():
    history = [
        ded(4, D(2025, 6, 1), 3),
        ded(1, D(2024, 1, 10), 5),
        ded(3, D(2024, 12, 1), 20, counts=False),
        ded(2, D(2024, 5, 5), 7),
        ded(5, D(2025, 6, 1), 1),
    ]
    for as_of in (D(2024, 5, 5), D(2025, 6, 1), D(2026, 1, 1)):
        expected = evaluate(sorted(history, key=lambda d: (d.on, d.record_id)), as_of)
        assert evaluate(history, as_of) == expected
        assert evaluate(reversed(history), as_of) == expected
    assert cycles(history) == cycles(reversed(history))
    assert score_series(history, D(2024, 1, 1), D(2026, 12, 31)) == score_series(
        reversed(history), D(2024, 1, 1), D(2026, 12, 31)
    )


def test_accepts_a_generator():
    history = [ded(1, D(2024, 1, 10), 5), ded(2, D(2024, 6, 1), 10)]
    assert evaluate((d for d in history), D(2024, 7, 1)).score == 85
    assert len(score_series((d for d in history), D(2024, 1, 1), D(2024, 12, 31))) == 366


# --- score_series ------------------------------------------------------------------------------------


def test_score_series_around_the_anniversary():
    history = [ded(1, D(2024, 2, 29), 10), ded(2, D(2023, 1, 1), 50)]
    series = score_series(history, D(2025, 2, 26), D(2025, 3, 1))
    assert series == [
        (D(2025, 2, 26), 90, D(2025, 2, 28)),
        (D(2025, 2, 27), 90, D(2025, 2, 28)),
        (D(2025, 2, 28), 100, None),
        (D(2025, 3, 1), 100, None),
    ]


def test_score_series_matches_evaluate_across_a_chain():
    history = [ded(1, D(2024, 1, 10), 5), ded(2, D(2024, 12, 1), 20), ded(3, D(2025, 12, 1), 3)]
    start, end = D(2023, 12, 1), D(2027, 1, 1)
    series = score_series(history, start, end)
    assert len(series) == (end - start).days + 1
    for day, value, cycle_end in series:
        ev = evaluate(history, day)
        assert (value, cycle_end) == (ev.score, ev.cycle_end), day


def test_score_series_single_day_and_empty_range():
    history = [ded(1, D(2024, 1, 10), 5)]
    assert score_series(history, D(2024, 1, 10), D(2024, 1, 10)) == [(D(2024, 1, 10), 95, D(2025, 1, 10))]
    assert score_series(history, D(2024, 1, 11), D(2024, 1, 10)) == []
