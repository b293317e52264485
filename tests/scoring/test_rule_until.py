"""The pure rule with repairs: a deduction with ``until`` counts only on days before that date."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy_credit.scoring.rule import Cycle, Deduction, cycles, evaluate, score_series

D = date


def test_repaired_deduction_counts_only_before_until():
    a = Deduction(1, D(2024, 3, 1), 20, until=D(2024, 9, 1))
    assert evaluate([a], D(2024, 8, 31)).score == 80
    assert evaluate([a], D(2024, 9, 1)).score == 100  # repaired: as if it never existed
    assert evaluate([a], D(2024, 9, 1)).cycle_end is None
    assert a.counts_on(D(2024, 8, 31)) and not a.counts_on(D(2024, 9, 1)) and not a.counts_on(D(2024, 2, 29))


def test_repaired_bridge_splits_the_chain_from_the_repair_date_on():
    a = Deduction(1, D(2024, 1, 10), 5)
    b = Deduction(2, D(2024, 12, 1), 20, until=D(2025, 3, 1))
    c = Deduction(3, D(2025, 6, 1), 3)
    history = [a, b, c]
    ev = evaluate(history, D(2025, 2, 1))  # before the repair: B keeps A's cycle open
    assert (ev.score, ev.cycle_start, ev.cycle_end) == (75, D(2024, 1, 10), D(2025, 12, 1))
    assert evaluate(history, D(2025, 3, 1)).score == 100  # A's own cycle ended 2025-01-10
    ev = evaluate(history, D(2025, 6, 1))
    assert (ev.score, ev.cycle_start, ev.counted) == (97, D(2025, 6, 1), (c,))
    assert cycles(history, D(2025, 6, 1)) == [
        Cycle(D(2024, 1, 10), D(2025, 1, 10), (a,)),
        Cycle(D(2025, 6, 1), D(2026, 6, 1), (c,)),
    ]
    assert len(cycles(history)) == 1  # without a date, repairs are ignored


def test_score_series_cuts_at_the_repair_date():
    history = [Deduction(1, D(2024, 1, 10), 5), Deduction(2, D(2024, 12, 1), 20, until=D(2025, 3, 1))]
    series = dict(
        (day, (score, end)) for day, score, end in score_series(history, D(2025, 2, 27), D(2025, 3, 2))
    )
    assert series[D(2025, 2, 28)] == (75, D(2025, 12, 1))
    assert series[D(2025, 3, 1)] == (100, None)


def test_repair_effective_before_the_deduction_never_counts():
    a = Deduction(1, D(2024, 5, 1), 10, until=D(2024, 5, 1))
    assert evaluate([a], D(2024, 5, 1)).score == 100
    assert score_series([a], D(2024, 4, 30), D(2024, 5, 2)) == [
        (D(2024, 4, 30), 100, None),
        (D(2024, 5, 1), 100, None),
        (D(2024, 5, 2), 100, None),
    ]


dates = st.dates(D(2023, 1, 1), D(2026, 12, 31))


@st.composite
def histories(draw) -> list[Deduction]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(draw(st.integers(0, 10))):
        on = draw(dates)
        until = draw(st.one_of(st.none(), st.integers(0, 700).map(lambda n, on=on: on + timedelta(days=n))))
        out.append(Deduction(i, on, draw(st.integers(1, 50)), until=until))
    return out


@settings(max_examples=100, deadline=None)
@given(histories(), dates)
def test_evaluate_is_the_rule_on_the_deductions_alive_that_day(history, day):
    alive = [Deduction(d.record_id, d.on, d.points) for d in history if d.until is None or day < d.until]
    got, expected = evaluate(history, day), evaluate(alive, day)
    assert (got.score, got.cycle_start, got.cycle_end) == (
        expected.score,
        expected.cycle_start,
        expected.cycle_end,
    )
    assert [d.record_id for d in got.counted] == [d.record_id for d in expected.counted]


@settings(max_examples=100, deadline=None)
@given(histories(), dates, st.integers(0, 500))
def test_score_series_agrees_with_evaluate_across_repairs(history, start, length):
    end = start + timedelta(days=length)
    series = score_series(history, start, end)
    assert [d for d, _, _ in series] == [start + timedelta(days=i) for i in range(length + 1)]
    for day, score, cycle_end in series:
        ev = evaluate(history, day)
        assert (score, cycle_end) == (ev.score, ev.cycle_end), day
