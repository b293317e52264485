"""Pure rules of financing authorisations: the period allowed and a grant's state on a day."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ggzy_credit.financing import rules
from ggzy_credit.financing.rules import GrantState

TODAY = date(2026, 3, 10)


def fields(problems: list[rules.PeriodProblem]) -> list[tuple[str, str]]:
    return [(p.field, p.type) for p in problems]


def test_a_period_of_at_most_twelve_months_from_today_is_accepted() -> None:
    assert rules.period_problems(TODAY, date(2027, 3, 9), TODAY) == []
    assert rules.period_problems(TODAY, TODAY, TODAY) == []  # a single day
    assert fields(rules.period_problems(TODAY, date(2027, 3, 10), TODAY)) == [
        ("valid_until", "range_too_long")
    ]


def test_the_longest_period_follows_calendar_months() -> None:
    assert rules.last_day(date(2026, 3, 1)) == date(2027, 2, 28)
    assert rules.last_day(date(2028, 2, 29)) == date(2029, 2, 27)  # 29 Feb + 12 months = 28 Feb
    assert rules.period_problems(date(2026, 3, 1), date(2027, 2, 28), date(2026, 3, 1)) == []
    assert fields(rules.period_problems(date(2026, 3, 1), date(2027, 3, 1), date(2026, 3, 1))) == [
        ("valid_until", "range_too_long")
    ]


def test_reversed_past_and_distant_starts_are_refused() -> None:
    assert fields(rules.period_problems(TODAY, date(2026, 3, 9), TODAY)) == [("valid_until", "date_order")]
    assert fields(rules.period_problems(date(2026, 3, 9), date(2026, 4, 1), TODAY)) == [
        ("valid_from", "past_date")
    ]
    assert rules.period_problems(date(2026, 6, 10), date(2026, 7, 1), TODAY) == []  # 3 months ahead
    assert fields(rules.period_problems(date(2026, 6, 11), date(2026, 7, 1), TODAY)) == [
        ("valid_from", "too_far_ahead")
    ]


@pytest.mark.parametrize(
    ("today", "revoked", "expected"),
    [
        (date(2026, 3, 9), False, GrantState.PENDING),
        (date(2026, 3, 10), False, GrantState.ACTIVE),
        (date(2026, 4, 10), False, GrantState.ACTIVE),  # the last day is included
        (date(2026, 4, 11), False, GrantState.EXPIRED),
        (date(2026, 3, 20), True, GrantState.REVOKED),
        (date(2026, 3, 1), True, GrantState.REVOKED),
    ],
)
def test_state_on_a_day(today: date, revoked: bool, expected: GrantState) -> None:
    at = datetime(2026, 3, 15, 9, 0) if revoked else None
    assert rules.state(date(2026, 3, 10), date(2026, 4, 10), at, today) is expected


def test_refusals_say_why_in_chinese() -> None:
    assert "未授权本机构" in rules.refusal(None, None, None)
    assert "已撤销" in rules.refusal(GrantState.REVOKED, TODAY, TODAY)
    assert "2026-03-10 到期" in rules.refusal(GrantState.EXPIRED, TODAY, TODAY)
    assert "2026-03-10 起生效" in rules.refusal(GrantState.PENDING, TODAY, TODAY)


def test_overlap() -> None:
    a, b, c = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    assert rules.overlaps(a, b, b, c) and not rules.overlaps(a, b, date(2026, 2, 2), c)
