"""Helpers for the operations tests: credit records in batches, table counts, the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.ledger import store
from ggzy_credit.records.events import RecordEvent
from ggzy_credit.records.models import CreditRecord

PLATFORM = "gov_procurement"


def batch_payload(item_code: str, subject_ids: list[int], prefix: str, count: int) -> dict[str, object]:
    """``count`` records for ``subject_ids`` in turn, external ids ``{prefix}-{i}``."""
    occurred = (clock.today() - timedelta(days=3)).isoformat()
    return {
        "records": [
            {
                "platform": PLATFORM,
                "external_id": f"{prefix}-{i}",
                "subject_id": subject_ids[i % len(subject_ids)],
                "item_code": item_code,
                "occurred_on": occurred,
                "project_code": f"P-{prefix}-{i}",
                "description": "运维测试记录",
            }
            for i in range(count)
        ]
    }


def count_state(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """What a request could have half-written: records, their events, the ledger."""
    with db.session() as s:
        return {
            "records": s.scalar(select(func.count()).select_from(CreditRecord)) or 0,
            "events": s.scalar(select(func.count()).select_from(RecordEvent)) or 0,
            "ledger": store.size(s),
        }


@pytest.fixture
def new_batch(item_for, make_subject):  # type: ignore[no-untyped-def]
    """``new_batch("a", 30)`` → a batch body of 30 records spread over ``spread`` subjects made for
    this test (the same subjects from one call to the next)."""
    code, _ = item_for(PLATFORM)
    subjects: list[int] = []

    def make(prefix: str, count: int, spread: int = 3) -> dict[str, object]:
        while len(subjects) < spread:
            subjects.append(make_subject("responder"))
        return batch_payload(code, subjects[:spread], prefix, count)

    return make


@pytest.fixture
def post_records(client, auth, new_batch):  # type: ignore[no-untyped-def]
    """``post_records("a", 30)`` → 30 new records through the batch API (its JSON answer)."""

    def post(prefix: str, count: int) -> dict[str, object]:
        r = client.post("/api/v1/records/batch", json=new_batch(prefix, count), headers=auth("recorder"))
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    return post


@pytest.fixture
def state():  # type: ignore[no-untyped-def]
    """``state(db)`` → counts of records, record events and ledger leaves."""
    return count_state
