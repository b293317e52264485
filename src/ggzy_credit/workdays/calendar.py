"""Chinese working-day arithmetic (工作日计算), pure and database-free.

Deadlines such as the objection-handling period (上海办法第十九条: "自收到异议申请之日起
20个工作日内") are counted in *working days*:

* the day of receipt is never counted, whatever kind of day it is;
* statutory holidays (法定节假日) are not working days, and make-up workdays (调休上班日)
  that fall on a Saturday or Sunday *are* working days;
* the holiday arrangement for a year comes from ``chinese_calendar`` or, for a year that
  library does not know (yet), from a :class:`YearArrangement` loaded by an administrator.

A year nobody knows is refused with :class:`UnknownCalendarYear`: guessing from weekends
alone would silently produce wrong due dates around Spring Festival and National Day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

__all__ = [
    "InvalidYearArrangement",
    "UnknownCalendarYear",
    "WorkCalendar",
    "YearArrangement",
    "library_years",
]

_ONE_DAY = timedelta(days=1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# chinese_calendar rejects dates outside [min year, max year] of its holiday table; we
# mirror that range so that we can raise our own, explicit error before calling it.
_LIB_MIN_YEAR: int = min(chinese_calendar.holidays).year
_LIB_MAX_YEAR: int = max(chinese_calendar.holidays).year


def library_years() -> range:
    """Years whose official arrangement ships with the installed ``chinese_calendar``."""
    return range(_LIB_MIN_YEAR, _LIB_MAX_YEAR + 1)


class UnknownCalendarYear(ValueError):
    """No holiday arrangement is known for ``year``; working days cannot be computed."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{year} 年的节假日安排尚未载入（unknown holiday arrangement for {year}）; "
            "an administrator must load it"
        )


class InvalidYearArrangement(ValueError):
    """A holiday arrangement supplied as data is malformed; the message names the field."""


def _check_plain_date(value: object, what: str) -> date:
    # datetime is a subclass of date; a timestamp must be converted to the local
    # (Asia/Shanghai) calendar date by the caller, never truncated implicitly here.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what} must be a datetime.date (not {type(value).__name__})")
    return value


@dataclass(frozen=True)
class YearArrangement:
    """The official holiday arrangement (节假日安排) of one year, loaded as data.

    ``holidays`` are the days off announced by the State Council notice (weekend days
    inside a holiday block may be listed or not, it makes no difference);
    ``makeup_workdays`` are the weekend days declared working days (调休上班).
    Any other Monday–Friday is a working day, any other Saturday/Sunday is not.
    """

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise InvalidYearArrangement(f"year: expected an integer, got {self.year!r}")
        if not 1900 <= self.year <= 9999:
            raise InvalidYearArrangement(f"year: {self.year} is out of range")
        for field in ("holidays", "makeup_workdays"):
            raw = getattr(self, field)
            if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
                raise InvalidYearArrangement(f"{field}: expected a collection of dates, got {raw!r}")
            days = frozenset(raw)
            for d in sorted(days, key=repr):
                if isinstance(d, datetime) or not isinstance(d, date):
                    raise InvalidYearArrangement(f"{field}: {d!r} is not a datetime.date")
                if d.year != self.year:
                    raise InvalidYearArrangement(f"{field}: {d.isoformat()} is outside year {self.year}")
            object.__setattr__(self, field, days)
        both = self.holidays & self.makeup_workdays
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise InvalidYearArrangement(f"{listed} appear(s) in both holidays and makeup_workdays")
        if not self.holidays:
            raise InvalidYearArrangement(f"holidays: the arrangement for {self.year} lists no holidays")
        weekdays = sorted(d for d in self.makeup_workdays if d.weekday() < 5)
        if weekdays:
            listed = ", ".join(d.isoformat() for d in weekdays)
            raise InvalidYearArrangement(
                f"makeup_workdays: {listed} fall(s) on Monday–Friday; a make-up workday (调休上班日) "
                "is always a Saturday or Sunday"
            )

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> YearArrangement:
        """Parse ``{"year": 2027, "holidays": ["2027-01-01", ...], "makeup_workdays": [...]}``.

        Dates are ISO ``YYYY-MM-DD`` strings (``datetime.date`` objects are accepted too).
        Raises :class:`InvalidYearArrangement` naming the offending field.
        """
        if not isinstance(data, Mapping):
            raise InvalidYearArrangement(f"expected a mapping, got {type(data).__name__}")
        expected = {"year", "holidays", "makeup_workdays"}
        missing = sorted(expected - data.keys())
        if missing:
            raise InvalidYearArrangement(f"missing field(s): {', '.join(missing)}")
        unknown = sorted(str(k) for k in data.keys() - expected)
        if unknown:
            raise InvalidYearArrangement(f"unknown field(s): {', '.join(unknown)}")
        year = data["year"]
        if isinstance(year, bool) or not isinstance(year, int):
            raise InvalidYearArrangement(f"year: expected an integer, got {year!r}")
        parsed: dict[str, frozenset[date]] = {}
        for field in ("holidays", "makeup_workdays"):
            parsed[field] = frozenset(_parse_date_list(data[field], field))
        return cls(year=year, holidays=parsed["holidays"], makeup_workdays=parsed["makeup_workdays"])

    def to_mapping(self) -> dict[str, object]:
        """The inverse of :meth:`from_mapping` (sorted ISO strings, JSON-serialisable)."""
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "makeup_workdays": [d.isoformat() for d in sorted(self.makeup_workdays)],
        }

    def is_workday(self, d: date) -> bool:
        if d.year != self.year:
            raise ValueError(f"{d.isoformat()} is not in {self.year}")
        if d in self.makeup_workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays


def _parse_date_list(raw: object, field: str) -> list[date]:
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        raise InvalidYearArrangement(f"{field}: expected a list of dates, got {raw!r}")
    out: list[date] = []
    for i, item in enumerate(raw):
        if isinstance(item, datetime):
            raise InvalidYearArrangement(f"{field}[{i}]: {item!r} is a datetime, expected a date")
        if isinstance(item, date):
            out.append(item)
            continue
        if not isinstance(item, str) or not _ISO_DATE.match(item):
            raise InvalidYearArrangement(f"{field}[{i}]: {item!r} is not a date in YYYY-MM-DD form")
        try:
            out.append(date.fromisoformat(item))
        except ValueError:
            raise InvalidYearArrangement(f"{field}[{i}]: {item!r} is not a valid calendar date") from None
    return out


class WorkCalendar:
    """Working-day calendar: ``chinese_calendar`` plus administrator-loaded arrangements.

    An arrangement in ``extra`` takes precedence over the library for its year (so an
    administrator can also correct a year the library ships).
    """

    def __init__(self, extra: Iterable[YearArrangement] = ()) -> None:
        arrangements: dict[int, YearArrangement] = {}
        for arr in extra:
            if not isinstance(arr, YearArrangement):
                raise TypeError(f"expected YearArrangement, got {type(arr).__name__}")
            if arr.year in arrangements:
                raise ValueError(f"two holiday arrangements given for {arr.year}")
            arrangements[arr.year] = arr
        self._extra = arrangements

    @property
    def arrangements(self) -> Mapping[int, YearArrangement]:
        """The administrator-loaded arrangements, by year."""
        return dict(self._extra)

    def known_years(self) -> range | set[int]:
        """Years for which working days can be computed."""
        lib = library_years()
        outside = {y for y in self._extra if y not in lib}
        if not outside:
            return lib
        return set(lib) | outside

    def is_known_year(self, year: int) -> bool:
        return year in self._extra or _LIB_MIN_YEAR <= year <= _LIB_MAX_YEAR

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day (make-up weekend workdays included)."""
        _check_plain_date(d, "d")
        return self._is_workday(d)

    def _is_workday(self, d: date) -> bool:
        arr = self._extra.get(d.year)
        if arr is not None:
            return arr.is_workday(d)
        if _LIB_MIN_YEAR <= d.year <= _LIB_MAX_YEAR:
            return chinese_calendar.is_workday(d)
        raise UnknownCalendarYear(d.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is never counted).

        ``add_working_days(receipt, 20)`` is the last day of a "20 个工作日内" period.
        Raises :class:`UnknownCalendarYear` if the count reaches a year nobody knows.
        """
        _check_plain_date(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 1:
            raise ValueError(f"n must be at least 1 (got {n}); the start day itself is never counted")
        d = start
        remaining = n
        while remaining:
            d += _ONE_DAY
            if self._is_workday(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days in the half-open interval (start, end].

        0 when ``end <= start``. ``working_days_between(s, add_working_days(s, n)) == n``.
        """
        _check_plain_date(start, "start")
        _check_plain_date(end, "end")
        count = 0
        d = start
        while d < end:
            d += _ONE_DAY
            if self._is_workday(d):
                count += 1
        return count
