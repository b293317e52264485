"""Property tests: whatever the bytes or rows, every importer answers with a report, never a crash.

Each example runs in a transaction that is rolled back, so examples do not see each other.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy_credit.exchange.rows import BID_COLUMNS, ENTRY_COLUMNS
from ggzy_credit.exchange.service import import_bytes

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SOURCES = ["credit_penalties", "yrd_cities", "bids"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "2026-01-02",
            "2026-13-45",
            "91310000MA1FL0XX8X",
            "110105194912310029",
            "retired",
            "已撤销",
            "10.255",
            "1e400",
            "::1",
            "999.1.1.1",
            "a" * 5000,
        ]
    ),
)


def check(report) -> None:  # type: ignore[no-untyped-def]
    assert report.status in ("succeeded", "failed")
    if report.status == "failed":
        assert report.file_errors and report.rows == []
    for row in report.rows:
        assert row.outcome in ("created", "duplicate", "retired", "skipped", "rejected")
        if row.outcome == "rejected":
            assert row.reasons and all(r["message"] for r in row.reasons)
    report.as_dict()


def attempt(db, cipher, registry, source: str, data: bytes, fmt: str):  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        try:
            report = import_bytes(
                session, cipher, registry.get(source), data, filename=f"fuzz.{fmt}", run_by="fuzz"
            )
            check(report)
        finally:
            session.rollback()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
@FUZZ
@given(data=st.binary(max_size=2000), source=st.sampled_from(SOURCES))
def test_random_bytes_never_crash(db, cipher, registry, fmt, data, source):  # type: ignore[no-untyped-def]
    attempt(db, cipher, registry, source, data, fmt)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
@FUZZ
@given(
    rows=st.lists(
        st.dictionaries(st.sampled_from(sorted(set(ENTRY_COLUMNS.names))), scalars, max_size=8),
        min_size=1,
        max_size=6,
    )
)
def test_random_entry_rows_never_crash(db, cipher, registry, encoded, fmt, rows):  # type: ignore[no-untyped-def]
    attempt(db, cipher, registry, "credit_penalties", encoded(rows, fmt), fmt)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
@FUZZ
@given(
    rows=st.lists(
        st.dictionaries(st.sampled_from(sorted(set(BID_COLUMNS.names))), scalars, max_size=8),
        min_size=1,
        max_size=6,
    )
)
def test_random_bid_rows_never_crash(db, cipher, registry, encoded, fmt, rows):  # type: ignore[no-untyped-def]
    attempt(db, cipher, registry, "bids", encoded(rows, fmt), fmt)
