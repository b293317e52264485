"""Monitoring test data: bids through the bid-metadata importer, records through ingestion."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from ggzy_credit import clock
from ggzy_credit.exchange.service import import_bytes
from ggzy_credit.exchange.sources import load_registry
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn


@pytest.fixture
def add_bids(db, cipher):  # type: ignore[no-untyped-def]
    """``add_bids("P-1", [(subject_id, "1000.00", {extra}), …])`` → the import report (all created)."""
    source = load_registry().get("bids")
    serial = iter(range(1, 1_000_000))

    def add(
        project: str,
        bids: list[tuple[int, str] | tuple[int, str, dict[str, Any]]],
        platform: str = "engineering",
    ):  # type: ignore[no-untyped-def]
        rows = []
        for entry in bids:
            subject_id, price = entry[0], entry[1]
            extra = entry[2] if len(entry) > 2 else {}  # type: ignore[misc]
            n = next(serial)
            row = {
                "platform": platform,
                "project_code": project,
                "bidder_id": subject_id,
                "price": price,
                "submitted_at": (clock.now() - timedelta(days=1, minutes=n)).isoformat(),
                "file_hash": f"{n:064x}",
                "machine_fingerprint": f"MAC{n:08d}",
                "ip": f"10.{n // 250}.{n % 250}.7",
            }
            row.update(extra)
            rows.append({k: v for k, v in row.items() if v is not None})
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
        with db.session() as s:
            report = import_bytes(s, cipher, source, data, filename="bids.jsonl", run_by="test")
        assert report.counts()["created"] == len(rows), [r.reasons for r in report.rows]
        return report

    return add


@pytest.fixture
def add_record(db, cipher):  # type: ignore[no-untyped-def]
    serial = iter(range(1, 1_000_000))

    def add(
        subject_id: int,
        item_code: str,
        *,
        platform: str = "gov_procurement",
        project: str | None = None,
        occurred_on: date | None = None,
        deducted_on: date | None = None,
    ) -> int:
        on = deducted_on or clock.today()
        with db.session() as s:
            [out] = ingest(
                s,
                cipher,
                [
                    RecordIn(
                        platform=platform,
                        external_id=f"T-{next(serial)}",
                        subject_id=subject_id,
                        item_code=item_code,
                        occurred_on=occurred_on or on,
                        deducted_on=on,
                        project_code=project,
                    )
                ],
                "test",
            )
        return out.id

    return add
