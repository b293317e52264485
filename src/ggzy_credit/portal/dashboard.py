"""Staff dashboard figures, each one grouped query over the last 12 months (never a query per subject)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit.portal.publication import removed_ids
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring.rule import add_months
from ggzy_credit.standards.models import Platform, StandardItem


def window(today: date) -> tuple[date, date]:
    """The 12 months up to today: from the first day of the month 11 months ago."""
    start = add_months(today.replace(day=1), -11)
    return start, today


def _deductions(start: date, end: date):  # type: ignore[no-untyped-def]
    return (
        CreditRecord.deducted_on >= start,
        CreditRecord.deducted_on <= end,
        CreditRecord.points > 0,
        CreditRecord.id.not_in(removed_ids()),
    )


def by_item(
    session: Session, today: date, top: int = 10, platforms: frozenset[str] | None = None
) -> list[tuple[str, int]]:
    start, end = window(today)
    query = (
        select(CreditRecord.item_code, StandardItem.name, func.count())
        .join(StandardItem, StandardItem.id == CreditRecord.item_id)
        .join(Platform, Platform.id == CreditRecord.platform_id)
        .where(*_deductions(start, end))
        .group_by(CreditRecord.item_code, StandardItem.name)
    )
    if platforms is not None:
        query = query.where(Platform.code.in_(sorted(platforms)))
    merged: Counter[tuple[str, str]] = Counter()
    names: dict[str, str] = {}
    for code, name, n in session.execute(query):
        names.setdefault(code, name)
        merged[(code, names[code])] += n
    return [(f"{code} {name}", n) for (code, name), n in merged.most_common(top)]


def by_platform(
    session: Session, today: date, platforms: frozenset[str] | None = None
) -> list[tuple[str, int]]:
    start, end = window(today)
    query = (
        select(Platform.code, Platform.name, func.count())
        .join(CreditRecord, CreditRecord.platform_id == Platform.id)
        .where(*_deductions(start, end))
        .group_by(Platform.code, Platform.name)
        .order_by(func.count().desc())
    )
    if platforms is not None:
        query = query.where(Platform.code.in_(sorted(platforms)))
    return [(name, n) for _code, name, n in session.execute(query)]


def by_month(session: Session, today: date, platforms: frozenset[str] | None = None) -> list[tuple[str, int]]:
    """Deductions per calendar month; grouped by day in SQL (≤ 366 rows), bucketed here (portable)."""
    start, end = window(today)
    query = select(CreditRecord.deducted_on, func.count()).where(*_deductions(start, end))
    if platforms is not None:
        query = query.join(Platform, Platform.id == CreditRecord.platform_id).where(
            Platform.code.in_(sorted(platforms))
        )
    months: Counter[str] = Counter()
    month = start
    while month <= end:
        months[f"{month:%Y-%m}"] = 0
        month = add_months(month, 1)
    for day, n in session.execute(query.group_by(CreditRecord.deducted_on)):
        months[f"{day:%Y-%m}"] += n
    return sorted(months.items())


TURNAROUND_BINS = [(0, 5, "≤5"), (6, 10, "6–10"), (11, 15, "11–15"), (16, 20, "16–20"), (21, 10_000, ">20")]


def objection_turnaround(session: Session, today: date) -> list[tuple[str, int]]:
    """Objections decided in the last 12 months by working days from receipt to decision.

    The 20-working-day limit (上海办法第十九条) is the last bin's edge; the calendar is the one the
    deadlines use (library years plus loaded arrangements). One query; days counted here.
    """
    from ggzy_credit.workdays.calendar import UnknownCalendarYear
    from ggzy_credit.workflows.calendar_store import work_calendar
    from ggzy_credit.workflows.models import Objection

    start, end = window(today)
    calendar = work_calendar(session)
    counts = {label: 0 for _lo, _hi, label in TURNAROUND_BINS}
    rows = session.execute(
        select(Objection.received_on, Objection.decided_at).where(
            Objection.status == "decided", Objection.received_on >= start, Objection.received_on <= end
        )
    )
    for received_on, decided_at in rows:
        try:
            days = calendar.working_days_between(received_on, decided_at.date())
        except UnknownCalendarYear:
            continue
        label = next(label for lo, hi, label in TURNAROUND_BINS if lo <= days <= hi)
        counts[label] += 1
    return list(counts.items())
