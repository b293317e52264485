"""The platform's notion of 'now' and 'today': Asia/Shanghai, the trading centre's time zone.

Every rule that says "the same day" or "today" (same-day recording, deduction dates, deadlines)
reads the date here, so tests can pin it with ``freeze``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(CHINA)


def today() -> date:
    return now().date()


@contextmanager
def freeze(at: datetime | date) -> Iterator[None]:
    """Pin the clock (tests, back-filled evaluation runs)."""
    global _frozen
    previous = _frozen
    if not isinstance(at, datetime):
        at = datetime(at.year, at.month, at.day, 12, 0, tzinfo=CHINA)
    _frozen = at if at.tzinfo else at.replace(tzinfo=CHINA)
    try:
        yield
    finally:
        _frozen = previous
