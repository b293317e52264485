"""Holiday arrangements loaded by administrators, and the working-day calendar built from them.

``chinese_calendar`` ships the years it knows; a later year (the State Council publishes each
year's arrangement in the autumn before) is loaded as data until a library release includes it. A
loaded year takes precedence over the library (an administrator can also correct a shipped year).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput
from ggzy_credit.workdays.calendar import (
    InvalidYearArrangement,
    UnknownCalendarYear,
    WorkCalendar,
    YearArrangement,
)
from ggzy_credit.workflows.common import CalendarYearMissing
from ggzy_credit.workflows.models import CalendarYear

OBJECTION_WORKING_DAYS = 20  # 上海办法第十九条："自收到异议申请之日起20个工作日内"
_FIELD = re.compile(r"^(?P<field>year|holidays|makeup_workdays)(\[\d+\])?: ")


def load_year(session: Session, data: Mapping[str, Any], loaded_by: str) -> CalendarYear:
    """Store (or replace) one year's official arrangement; errors name the offending field."""
    try:
        arrangement = YearArrangement.from_mapping(data)
    except InvalidYearArrangement as exc:
        message = str(exc)
        match = _FIELD.match(message)
        field = match.group("field") if match else "arrangement"
        raise InvalidInput.field(field, f"节假日安排无效：{message}", "invalid_arrangement") from None
    row = session.get(CalendarYear, arrangement.year)
    if row is None:
        row = CalendarYear(year=arrangement.year)
        session.add(row)
    row.arrangement = arrangement.to_mapping()
    row.loaded_by = loaded_by
    row.loaded_at = clock.now()
    session.flush()
    return row


def loaded_years(session: Session) -> list[CalendarYear]:
    return list(session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def work_calendar(session: Session) -> WorkCalendar:
    """The library's years plus every loaded arrangement (one small query)."""
    return WorkCalendar(extra=[YearArrangement.from_mapping(r.arrangement) for r in loaded_years(session)])


def add_working_days(calendar: WorkCalendar, start: date, n: int) -> date:
    """``calendar.add_working_days`` with a missing year reported to the caller as a 503."""
    try:
        return calendar.add_working_days(start, n)
    except UnknownCalendarYear as exc:
        raise CalendarYearMissing(
            f"{exc.year} 年的节假日安排尚未载入，无法计算工作日期限；请管理员先载入该年安排"
            "（ggzy-credit calendar load 或 POST /api/v1/calendar/years）"
        ) from None


def objection_due_on(calendar: WorkCalendar, received_on: date) -> date:
    """The last day of the 20-working-day answer period; the day of receipt is not counted."""
    return add_working_days(calendar, received_on, OBJECTION_WORKING_DAYS)
