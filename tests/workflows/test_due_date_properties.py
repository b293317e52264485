"""Property: the objection due date is the 20th working day after receipt, whatever the receipt day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy_credit.workdays.calendar import WorkCalendar, YearArrangement, library_years
from ggzy_credit.workflows.calendar_store import objection_due_on
from ggzy_credit.workflows.common import CalendarYearMissing

CALENDAR = WorkCalendar()
LAST = library_years()[-1]  # the last year chinese_calendar knows (2026 with 1.11)
NEXT = LAST + 1
LOADED = WorkCalendar([YearArrangement(NEXT, frozenset({date(NEXT, 1, 1)}), frozenset())])


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(LAST - 2, 1, 1), max_value=date(LAST, 11, 30)))
def test_due_is_a_working_day_with_exactly_twenty_before_it(received: date) -> None:
    due = objection_due_on(CALENDAR, received)
    assert CALENDAR.is_workday(due)
    assert CALENDAR.working_days_between(received, due) == 20  # receipt day not counted
    assert CALENDAR.working_days_between(received, due - timedelta(days=1)) == 19
    assert due - received >= timedelta(days=20)


@settings(max_examples=50, deadline=None)
@given(st.dates(min_value=date(LAST, 12, 15), max_value=date(LAST, 12, 31)))
def test_a_deadline_reaching_an_unknown_year_is_refused_not_guessed(received: date) -> None:
    """From mid-December the 20th working day falls in a year chinese_calendar does not know yet."""
    with pytest.raises(CalendarYearMissing, match=str(NEXT)):
        objection_due_on(CALENDAR, received)
    assert objection_due_on(LOADED, received).year == NEXT
