"""Property tests for the Shanghai scoring rule against an independent day-by-day simulation."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy_credit.scoring.rule import Deduction, add_months, cycles, evaluate, score_series

DAY = timedelta(days=1)
FIRST, LAST = date(2022, 1, 1), date(2026, 12, 31)

# Dates hypothesis rarely hits by chance but that matter for the rule.
SPECIAL_DATES = [
    date(2024, 2, 29),
    date(2024, 2, 28),
    date(2024, 3, 1),
    date(2025, 2, 28),
    date(2025, 3, 1),
    date(2023, 2, 28),
    date(2023, 3, 31),
    date(2024, 3, 31),
    date(2024, 1, 31),
    date(2023, 12, 31),
]

dates = st.one_of(st.dates(FIRST, LAST), st.sampled_from(SPECIAL_DATES))
as_of_dates = st.one_of(st.dates(date(2021, 6, 1), date(2028, 6, 1)), st.sampled_from(SPECIAL_DATES))


@st.composite
def histories(draw, max_size: int = 15) -> list[Deduction]:
    n = draw(st.integers(0, max_size))
    return [
        Deduction(
            record_id=i,
            on=draw(dates),
            points=draw(st.integers(0, 40)),
            counts=draw(st.sampled_from([True, True, True, False])),  # some revoked
        )
        for i in range(n)
    ]


def next_year_same_day(d: date) -> date:
    """The 12-month anniversary, computed without the module: only 29 Feb needs care."""
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return date(d.year + 1, 2, 28)


def simulate(history: list[Deduction], until: date) -> tuple[int, date | None, date | None, int]:
    """Naive state machine, one day at a time: (score, cycle_start, cycle_end, points) on ``until``."""
    open_cycle = False
    start = expiry = None
    total = 0
    by_day: dict[date, int] = {}
    for d in history:
        if d.counts and d.points > 0:
            by_day[d.on] = by_day.get(d.on, 0) + d.points
    day = min([until, *by_day])
    while True:
        if open_cycle and day == expiry:  # 届满: repaired at the start of the anniversary
            open_cycle, start, expiry, total = False, None, None, 0
        if day in by_day:
            if not open_cycle:
                open_cycle, start, total = True, day, 0
            total += by_day[day]
            expiry = next_year_same_day(day)
        if day == until:
            return (max(0, 100 - total) if open_cycle else 100), start, expiry, total
        day += DAY


SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(histories(), as_of_dates)
def test_evaluate_agrees_with_day_by_day_simulation(history, as_of):
    ev = evaluate(history, as_of)
    assert (ev.score, ev.cycle_start, ev.cycle_end, ev.points) == simulate(history, as_of)


@SETTINGS
@given(histories(), as_of_dates, st.integers(0, 400))
def test_score_series_agrees_with_evaluate(history, start, length):
    end = start + timedelta(days=length)
    series = score_series(history, start, end)
    assert [day for day, _, _ in series] == [start + timedelta(days=i) for i in range(length + 1)]
    for day, value, cycle_end in series:
        ev = evaluate(history, day)
        assert (value, cycle_end) == (ev.score, ev.cycle_end)


@SETTINGS
@given(histories(), as_of_dates)
def test_score_bounds_and_full_score_iff_no_points(history, as_of):
    ev = evaluate(history, as_of)
    assert 0 <= ev.score <= 100
    assert (ev.score == 100) == (ev.cycle_start is None or sum(d.points for d in ev.counted) == 0)
    assert (ev.cycle_start is None) == (ev.cycle_end is None) == (ev.counted == ())
    if ev.cycle_start is not None:
        assert ev.cycle_start <= as_of < ev.cycle_end
        assert all(d.counts and d.points > 0 and d.on <= as_of for d in ev.counted)


@SETTINGS
@given(histories(), as_of_dates, st.lists(st.tuples(st.integers(1, 800), st.integers(0, 40)), max_size=3))
def test_later_deductions_never_change_an_earlier_day(history, as_of, later):
    extra = [Deduction(1000 + i, as_of + timedelta(days=gap), p) for i, (gap, p) in enumerate(later)]
    assert evaluate([*history, *extra], as_of) == evaluate(history, as_of)


@SETTINGS
@given(histories(), as_of_dates, st.randoms(use_true_random=False))
def test_input_order_does_not_matter(history, as_of, rnd):
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert evaluate(shuffled, as_of) == evaluate(history, as_of)


@SETTINGS
@given(dates, dates)
def test_add_months_twelve_is_the_anniversary_and_monotone(a, b):
    assert add_months(a, 12) == next_year_same_day(a)
    if a <= b:
        assert add_months(a, 12) <= add_months(b, 12)


@SETTINGS
@given(histories())
def test_cycles_partition_the_counting_deductions(history):
    found = cycles(history)
    assert [d for c in found for d in c.deductions] == sorted(
        (d for d in history if d.counts and d.points > 0), key=lambda d: (d.on, d.record_id)
    )
    for earlier, later in pairwise(found):
        assert earlier.end <= later.start
    for c in found:
        assert c.start == c.deductions[0].on < c.end == add_months(c.deductions[-1].on, 12)
