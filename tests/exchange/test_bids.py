"""Bid-submission metadata: validation, idempotency, registered bidders only, personal data protected."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.exchange.models import BidSubmission
from ggzy_credit.subjects.models import Subject


@pytest.fixture
def bidders(db, make_subject):  # type: ignore[no-untyped-def]
    ids = [make_subject("responder") for _ in range(4)]
    with db.session() as s:
        return [(i, s.get(Subject, i).uscc) for i in ids]  # type: ignore[union-attr]


def bid(uscc: str, n: int, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "platform": "engineering",
        "project_code": "JSGC-2026-0101",
        "project_name": "某道路改造工程施工",
        "bidder_uscc": uscc,
        "price": f"{12_345_678 + n * 1_111:.2f}",
        "submitted_at": (clock.now() - timedelta(days=2, minutes=n)).replace(microsecond=0).isoformat(),
        "file_hash": f"{n:064x}",
        "machine_fingerprint": f"00-1A-2B-3C-4D-{n:02X}",
        "ip": f"10.20.30.{n + 1}",
        "contact_phone": f"1391234{n:04d}",
        "contact_email": f"bid{n}@example.com",
    }
    row.update(fields)
    return row


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_bids_import_and_are_idempotent(db, run_import, bidders, fmt):  # type: ignore[no-untyped-def]
    rows = [bid(uscc, n) for n, (_, uscc) in enumerate(bidders)]
    report = run_import("bids", rows, fmt)
    assert report.status == "succeeded" and report.counts()["created"] == 4, report.rows
    again = run_import("bids", rows, fmt)
    assert again.counts()["duplicate"] == 4 and again.counts()["created"] == 0
    with db.session() as s:
        stored = s.scalars(select(BidSubmission).order_by(BidSubmission.price_fen)).all()
        assert [b.bidder_id for b in stored] == [sid for sid, _ in bidders]
        assert stored[0].price_fen == 1_234_567_800 and stored[1].machine_fingerprint == "001A2B3C4D01"
        assert (
            stored[0].contact_phone_masked == "139****0000"
            and stored[0].contact_email_masked == "b***@example.com"
        )
        assert b"13912340000" not in stored[0].contact_phone_enc  # type: ignore[operator]
        assert stored[0].submitted_at.tzinfo is not None


def test_bad_bid_rows_are_rejected_with_reasons(db, run_import, bidders, fake):  # type: ignore[no-untyped-def]
    (_, a), (_, b), (_, c), (_, d) = bidders
    rows = [
        bid(a, 0, ip="300.1.1.1"),
        bid(b, 1, file_hash="not-a-hash"),
        bid(c, 2, price="100.005"),
        bid(d, 3, submitted_at=(clock.now() + timedelta(hours=2)).isoformat()),
        bid(fake.uscc(), 4),  # not registered
        bid(a, 5, platform="nowhere"),
        bid(a, 6, contact_email="not-an-email"),
        bid(a, 7, bidder_id=1),  # two bidder references
        bid(b, 8, project_code="JSGC-2026-0102", contact_phone="12345"),
    ]
    report = run_import("bids", rows)
    assert report.counts()["rejected"] == 9
    fields = [r.reasons[0]["field"] for r in report.rows]
    assert fields[:7] == [
        "ip",
        "file_hash",
        "price",
        "submitted_at",
        "bidder_uscc",
        "platform",
        "contact_email",
    ]
    assert fields[7:] == ["bidder_uscc", "contact_phone"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(BidSubmission)) == 0


def test_conflicting_resubmission_is_refused(db, run_import, bidders):  # type: ignore[no-untyped-def]
    (_, a), *_ = bidders
    run_import("bids", [bid(a, 0)])
    changed = run_import("bids", [bid(a, 0, price="1.00")])
    assert changed.rows[0].outcome == "rejected" and "内容不同" in changed.rows[0].reasons[0]["message"]
    both = run_import("bids", [bid(a, 1, project_code="P-2"), bid(a, 2, project_code="P-2")])
    assert [r.outcome for r in both.rows] == ["created", "rejected"]


def test_naive_times_are_beijing_time(db, run_import, bidders):  # type: ignore[no-untyped-def]
    (_, a), *_ = bidders
    run_import("bids", [bid(a, 0, submitted_at="2026-03-02 09:30:00")])
    with db.session() as s:
        stored = s.scalar(select(BidSubmission.submitted_at))
    assert stored == datetime(2026, 3, 2, 9, 30, tzinfo=clock.CHINA)
