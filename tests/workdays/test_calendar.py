"""Working-day arithmetic around Chinese statutory holidays and 调休 make-up days.

The 2026 arrangement used below is the one shipped by chinesecalendar 1.11 (State Council
notice for 2026), checked against the library in ``test_library_2026_arrangement``:

* Spring Festival: holidays 2026-02-15 (Sun) .. 2026-02-23 (Mon);
  make-up workdays 2026-02-14 (Sat) and 2026-02-28 (Sat).
* Mid-Autumn 2026-09-25 (Fri) .. 09-27 (Sun); National Day 2026-10-01 (Thu) .. 10-07 (Wed);
  make-up workdays 2026-09-20 (Sun) and 2026-10-10 (Sat).
* Qingming 2026-04-04 (Sat) .. 04-06 (Mon), no make-up day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy_credit.workdays.calendar import (
    InvalidYearArrangement,
    UnknownCalendarYear,
    WorkCalendar,
    YearArrangement,
)

CAL = WorkCalendar()


def D(s: str) -> date:
    return date.fromisoformat(s)


# An *illustrative* 2027 arrangement (NOT the official one, which is unpublished at the time
# of writing): New Year 01-01 (Fri) .. 01-03 (Sun), Spring Festival 02-06 .. 02-14 with
# make-up Saturdays 01-30 and 02-20.
ARR_2027 = {
    "year": 2027,
    "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"] + [f"2027-02-{d:02d}" for d in range(6, 15)],
    "makeup_workdays": ["2027-01-30", "2027-02-20"],
}


def test_library_2026_arrangement():
    spring_off = [D("2026-02-15") + timedelta(days=i) for i in range(9)]
    assert spring_off[-1] == D("2026-02-23")
    assert not any(CAL.is_workday(d) for d in spring_off)
    assert CAL.is_workday(D("2026-02-14"))  # Saturday, make-up workday
    assert CAL.is_workday(D("2026-02-28"))  # Saturday, make-up workday
    assert CAL.is_workday(D("2026-02-13"))  # Friday before
    assert CAL.is_workday(D("2026-02-24"))  # Tuesday after
    assert not CAL.is_workday(D("2026-03-07"))  # ordinary Saturday

    national_off = [D("2026-10-01") + timedelta(days=i) for i in range(7)]
    assert not any(CAL.is_workday(d) for d in national_off)
    assert not any(CAL.is_workday(D(f"2026-09-{d}")) for d in (25, 26, 27))  # Mid-Autumn
    assert CAL.is_workday(D("2026-09-20"))  # Sunday, make-up workday
    assert CAL.is_workday(D("2026-10-10"))  # Saturday, make-up workday
    assert CAL.is_workday(D("2026-10-08"))
    assert not CAL.is_workday(D("2026-04-06"))  # Qingming Monday


@pytest.mark.parametrize(
    ("receipt", "expected"),
    [
        pytest.param(
            # Thu 02-12. 1: Fri 02-13; 2: Sat 02-14 (make-up); 02-15..02-23 off;
            # 3-6: Tue 02-24..Fri 02-27; 7: Sat 02-28 (make-up); 8-12: 03-02..03-06;
            # 13-17: 03-09..03-13; 18: Mon 03-16; 19: 03-17; 20: Wed 03-18.
            "2026-02-12",
            "2026-03-18",
            id="spring-festival-2026-from-thursday-before",
        ),
        pytest.param(
            # Fri 02-13. 1: Sat 02-14; 2-5: 02-24..02-27; 6: Sat 02-28; 7-11: 03-02..03-06;
            # 12-16: 03-09..03-13; 17-19: 03-16..03-18; 20: Thu 03-19.
            "2026-02-13",
            "2026-03-19",
            id="spring-festival-2026-from-last-friday",
        ),
        pytest.param(
            # Sat 02-14 is itself a make-up workday but, as the receipt day, is not counted.
            # 1-4: 02-24..02-27; 5: Sat 02-28; 6-10: 03-02..03-06; 11-15: 03-09..03-13;
            # 16-20: 03-16..Fri 03-20.
            "2026-02-14",
            "2026-03-20",
            id="receipt-on-make-up-workday",
        ),
        pytest.param(
            # Received during the holiday (Tue 02-17): same count as above, 1 = Tue 02-24.
            "2026-02-17",
            "2026-03-20",
            id="receipt-during-spring-festival",
        ),
        pytest.param(
            # Fri 09-18. 1: Sun 09-20 (make-up); 2-5: 09-21..09-24; 09-25..27 Mid-Autumn;
            # 6-8: 09-28..09-30; 10-01..10-07 off; 9: Thu 10-08; 10: Fri 10-09;
            # 11: Sat 10-10 (make-up); 12-16: 10-12..10-16; 17-19: 10-19..10-21; 20: Thu 10-22.
            "2026-09-18",
            "2026-10-22",
            id="national-day-2026-from-friday-before",
        ),
        pytest.param(
            # Wed 09-30. 1: 10-08; 2: 10-09; 3: Sat 10-10; 4-8: 10-12..10-16;
            # 9-13: 10-19..10-23; 14-18: 10-26..10-30; 19: Mon 11-02; 20: Tue 11-03.
            "2026-09-30",
            "2026-11-03",
            id="national-day-2026-from-last-day-before",
        ),
        pytest.param(
            # Sun 09-20 (make-up workday, not counted). 1-4: 09-21..09-24; 5-7: 09-28..09-30;
            # 8: 10-08; 9: 10-09; 10: Sat 10-10; 11-15: 10-12..10-16; 16-20: 10-19..Fri 10-23.
            "2026-09-20",
            "2026-10-23",
            id="receipt-on-make-up-sunday",
        ),
        pytest.param(
            # Ordinary Saturday 03-14. 1-5: 03-16..03-20; 6-10: 03-23..03-27;
            # 11-15: 03-30..04-03; 04-04..04-06 Qingming; 16-19: 04-07..04-10; 20: Mon 04-13.
            "2026-03-14",
            "2026-04-13",
            id="receipt-on-saturday-before-qingming",
        ),
        pytest.param(
            # Ordinary Saturday 03-07. 1-5: 03-09..03-13; 6-10: 03-16..03-20;
            # 11-15: 03-23..03-27; 16-20: 03-30..Fri 04-03 (Qingming starts Sat 04-04).
            "2026-03-07",
            "2026-04-03",
            id="receipt-on-ordinary-saturday",
        ),
        pytest.param(
            # 2025: National Day + Mid-Autumn 10-01..10-08, make-up Sun 09-28 and Sat 10-11.
            # Fri 09-26. 1: Sun 09-28; 2: 09-29; 3: 09-30; 4: Thu 10-09; 5: 10-10;
            # 6: Sat 10-11; 7-11: 10-13..10-17; 12-16: 10-20..10-24; 17-20: 10-27..Thu 10-30.
            "2025-09-26",
            "2025-10-30",
            id="national-day-2025",
        ),
    ],
)
def test_twenty_working_days(receipt: str, expected: str):
    start, due = D(receipt), D(expected)
    assert CAL.add_working_days(start, 20) == due
    assert CAL.working_days_between(start, due) == 20
    assert CAL.working_days_between(start, due - timedelta(days=1)) == 19
    assert CAL.is_workday(due)


def test_receipt_day_is_never_counted():
    # Fri 2026-03-06 -> the 1st working day after is Mon 03-09, not the Friday itself.
    assert CAL.add_working_days(D("2026-03-06"), 1) == D("2026-03-09")
    # Before the make-up Saturday 2026-02-14 the next working day is that Saturday.
    assert CAL.add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
    # From the make-up Saturday itself, the next one is after the whole holiday.
    assert CAL.add_working_days(D("2026-02-14"), 1) == D("2026-02-24")


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        CAL.add_working_days(D("2026-03-02"), 0)
    with pytest.raises(ValueError):
        CAL.add_working_days(D("2026-03-02"), -3)
    with pytest.raises(TypeError):
        CAL.add_working_days(D("2026-03-02"), 2.0)  # type: ignore[arg-type]


def test_datetime_is_refused():
    with pytest.raises(TypeError):
        CAL.is_workday(datetime(2026, 3, 2, 9, 30))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        CAL.add_working_days(datetime(2026, 3, 2, 9, 30), 1)  # type: ignore[arg-type]


def test_working_days_between_empty_interval():
    assert CAL.working_days_between(D("2026-03-02"), D("2026-03-02")) == 0
    assert CAL.working_days_between(D("2026-03-05"), D("2026-03-02")) == 0
    # (Fri, Mon]: only Monday.
    assert CAL.working_days_between(D("2026-03-06"), D("2026-03-09")) == 1


def test_unknown_year_raises_with_year_in_message():
    with pytest.raises(UnknownCalendarYear) as info:
        CAL.is_workday(D("2027-03-01"))
    assert info.value.year == 2027
    assert "2027" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_year_reached_while_counting():
    # Starts in a known year but runs into 2027: refused, never guessed from weekends.
    with pytest.raises(UnknownCalendarYear, match="2027"):
        CAL.add_working_days(D("2026-12-10"), 20)
    with pytest.raises(UnknownCalendarYear, match="2027"):
        CAL.working_days_between(D("2026-12-30"), D("2027-01-05"))
    with pytest.raises(UnknownCalendarYear, match="2003"):
        CAL.is_workday(D("2003-05-01"))


def test_admin_loaded_2027_arrangement():
    cal = WorkCalendar([YearArrangement.from_mapping(ARR_2027)])
    assert 2027 in cal.known_years()
    assert 2026 in cal.known_years()
    assert 2028 not in cal.known_years()
    assert not cal.is_workday(D("2027-01-01"))
    assert cal.is_workday(D("2027-01-30"))  # make-up Saturday
    assert not cal.is_workday(D("2027-01-31"))  # ordinary Sunday
    assert not cal.is_workday(D("2027-02-08"))  # Monday inside the holiday
    # Thu 2026-12-10. 1: Fri 12-11; 2-6: 12-14..12-18; 7-11: 12-21..12-25;
    # 12-15: Mon 12-28..Thu 12-31; 2027-01-01..01-03 off; 16-19: Mon 01-04..Thu 01-07;
    # 20: Fri 2027-01-08.
    assert cal.add_working_days(D("2026-12-10"), 20) == D("2027-01-08")
    # Thu 2027-02-04. 1: Fri 02-05; 02-06..02-14 off; 2-6: 02-15..02-19; 7: Sat 02-20 (make-up);
    # 8-12: 02-22..02-26; 13-17: 03-01..03-05; 18-20: 03-08..Wed 03-10.
    assert cal.add_working_days(D("2027-02-04"), 20) == D("2027-03-10")
    with pytest.raises(UnknownCalendarYear, match="2028"):
        cal.add_working_days(D("2027-12-20"), 20)


def test_extra_arrangement_overrides_library_year():
    # An administrator correction for 2026 takes precedence over chinese_calendar.
    fix = YearArrangement(year=2026, holidays=frozenset({D("2026-03-02")}), makeup_workdays=frozenset())
    cal = WorkCalendar([fix])
    assert not cal.is_workday(D("2026-03-02"))
    assert not cal.is_workday(D("2026-03-07"))
    assert CAL.is_workday(D("2026-03-02"))
    assert cal.known_years() == range(2004, 2027)


def test_duplicate_year_arrangements_refused():
    arr = YearArrangement.from_mapping(ARR_2027)
    with pytest.raises(ValueError, match="2027"):
        WorkCalendar([arr, arr])


def test_year_arrangement_round_trip():
    arr = YearArrangement.from_mapping(ARR_2027)
    assert arr.year == 2027
    assert D("2027-02-06") in arr.holidays
    assert arr.makeup_workdays == frozenset({D("2027-01-30"), D("2027-02-20")})
    assert YearArrangement.from_mapping(arr.to_mapping()) == arr


@pytest.mark.parametrize(
    ("patch", "field_in_message"),
    [
        pytest.param({"holidays": ["2027-02-30"]}, "holidays[0]", id="impossible-date"),
        pytest.param({"holidays": ["2027-01-01", "27/01/2027"]}, "holidays[1]", id="bad-format"),
        pytest.param({"holidays": ["20270101"]}, "holidays[0]", id="compact-iso-refused"),
        pytest.param({"makeup_workdays": [20270130]}, "makeup_workdays[0]", id="not-a-string"),
        pytest.param({"holidays": ["2026-12-31"]}, "outside year 2027", id="holiday-outside-year"),
        pytest.param({"makeup_workdays": ["2028-01-01"]}, "makeup_workdays", id="makeup-outside-year"),
        pytest.param(
            {"holidays": ["2027-01-02"], "makeup_workdays": ["2027-01-02"]},
            "both holidays and makeup_workdays",
            id="date-in-both-lists",
        ),
        pytest.param({"makeup_workdays": ["2027-01-04"]}, "makeup_workdays", id="makeup-on-a-monday"),
        pytest.param({"year": "2027"}, "year", id="year-not-int"),
        pytest.param({"holidays": "2027-01-01"}, "holidays", id="holidays-not-a-list"),
        pytest.param({"holidays": []}, "holidays", id="no-holidays"),
        pytest.param({"makeup_days": []}, "makeup_days", id="unknown-field"),
    ],
)
def test_year_arrangement_parse_errors(patch: dict, field_in_message: str):
    data = {**ARR_2027, **patch}
    with pytest.raises(InvalidYearArrangement) as info:
        YearArrangement.from_mapping(data)
    assert field_in_message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_year_arrangement_missing_field():
    data = {k: v for k, v in ARR_2027.items() if k != "makeup_workdays"}
    with pytest.raises(InvalidYearArrangement, match="makeup_workdays"):
        YearArrangement.from_mapping(data)


# Kept inside the library's known years: 40 working days from 2026-10-31 end before 2027.
@settings(max_examples=300, deadline=None)
@given(
    d=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 10, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_add_working_days_properties(d: date, n: int):
    result = CAL.add_working_days(d, n)
    assert result > d
    assert result.year <= 2026
    assert CAL.is_workday(result)
    assert CAL.working_days_between(d, result) == n
    # The result is the *first* day reaching n: the day before has only n - 1.
    assert CAL.working_days_between(d, result - timedelta(days=1)) == n - 1
