"""Webhooks for record events and score changes: ``record.revoked`` / ``record.corrected`` /
``record.repaired`` queued with the event, ``score.changed`` with the re-evaluation it triggers, and
a subscriber receiving both, signed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ggzy_credit import clock
from ggzy_credit.exchange import subscriptions
from ggzy_credit.exchange.webhook_models import OutboxMessage
from ggzy_credit.exchange.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WorkerConfig,
    deliver_once,
    verify,
)
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.records.events import correct_record, repair_record, revoke_record
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.scoring.evaluation import run_evaluation

CONFIG = WorkerConfig(
    max_attempts=3, backoff_seconds=30, backoff_max_seconds=3600, timeout_seconds=2, batch=50
)


def subscribe(db, cipher, url, events, *, public_only, name):  # type: ignore[no-untyped-def]
    with db.session() as s:
        row, secret = subscriptions.create(
            s,
            cipher,
            name=name,
            url=url,
            audience="supervision" if not public_only else "city",
            event_types=events,
            public_only=public_only,
            by="test",
        )
        return row.id, secret


@pytest.fixture
def records(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    """Three published records of a bidder, one unpublished record of an expert."""
    code, _ = item_for("gov_procurement")
    bidder, expert = make_subject("responder"), make_subject("expert")
    day = clock.today() - timedelta(days=20)

    def row(n: int, subject: int, platform: str, item: str) -> RecordIn:
        return RecordIn(
            platform=platform,
            external_id=f"WH-{n}",
            subject_id=subject,
            item_code=item,
            occurred_on=day,
            deducted_on=day,
        )

    rows = [row(i, bidder, "gov_procurement", code) for i in range(3)] + [
        row(3, expert, "centre", "CT-R-003")
    ]
    with db.session() as s:
        return [o.id for o in ingest(s, cipher, rows, "test")], bidder


def outbox(db, subscription_id: int) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with db.session() as s:
        return [
            (t, p)
            for t, p in s.execute(
                select(OutboxMessage.event_type, OutboxMessage.payload)
                .where(OutboxMessage.subscription_id == subscription_id)
                .order_by(OutboxMessage.id)
            )
        ]


def test_each_record_event_kind_is_queued_with_its_ledger_index(db, cipher, records):  # type: ignore[no-untyped-def]
    everything, _ = subscribe(
        db, cipher, "http://127.0.0.1:9/a", ["record.*"], public_only=False, name="监管"
    )
    public, _ = subscribe(
        db, cipher, "http://127.0.0.1:9/b", ["record.revoked"], public_only=True, name="城市"
    )
    ids, bidder = records
    with db.session() as s:
        revoked = revoke_record(s, ids[0], "异议成立：张三的材料属实", "reviewer:李四")
        corrected = correct_record(s, cipher, ids[1], {"description": "更正后的事由"}, "事项有误", "reviewer")
        repaired = repair_record(s, ids[2], clock.today(), "已整改", "reviewer")
        expert = revoke_record(s, ids[3], "复核撤销", "reviewer")
        leaves = dict(
            s.execute(
                select(LedgerLeaf.entity_id, LedgerLeaf.leaf_index).where(
                    LedgerLeaf.entity == "record_events"
                )
            ).all()
        )
    queued = outbox(db, everything)
    kinds = [t for t, _ in queued]
    # The correction's replacement record is a new record: record.created comes with it.
    assert kinds == [
        "record.revoked",
        "record.created",
        "record.corrected",
        "record.repaired",
        "record.revoked",
    ]
    by_event = {p["record_event_id"]: p for t, p in queued if t != "record.created"}
    first = by_event[revoked.id]
    assert first == {
        "record_id": ids[0],
        "platform": "gov_procurement",
        "external_id": "WH-0",
        "subject_id": bidder,
        "item_code": first["item_code"],
        "record_event_id": revoked.id,
        "kind": "revoked",
        "effective_on": first["effective_on"],
        "stops_counting": False,
        "replacement_record_id": None,
        "created_at": first["created_at"],
        "ledger_index": leaves[revoked.id],
        "public": True,
    }
    assert "张三" not in str(queued)  # the reason stays with the decision
    assert by_event[corrected.id]["replacement_record_id"] == corrected.replacement_record_id
    assert by_event[repaired.id]["kind"] == "repaired" and by_event[repaired.id]["stops_counting"] is True
    assert by_event[expert.id]["public"] is False
    # A public-only subscription to revocations gets the published record's revocation only.
    assert [(t, p["record_event_id"]) for t, p in outbox(db, public)] == [("record.revoked", revoked.id)]


def test_a_subscriber_receives_score_changed_after_a_revoke(db, cipher, receiver, records):  # type: ignore[no-untyped-def]
    ids, bidder = records
    with db.session() as s:
        run_evaluation(s)
    sid, secret = subscribe(db, cipher, receiver.url, ["score.changed"], public_only=True, name="融资平台")
    with db.session() as s:
        revoke_record(s, ids[0], "撤销", "reviewer")
    stats = deliver_once(db.sessions, cipher, CONFIG)
    assert (stats.claimed, stats.delivered) == (1, 1)
    [(headers, body)] = receiver.requests
    assert verify(secret, body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    [event] = receiver.bodies()
    assert event["type"] == "score.changed" and event["id"].startswith("score-")
    data = event["data"]
    assert (data["subject_id"], data["platform"], data["as_of"]) == (
        bidder,
        "gov_procurement",
        str(clock.today()),
    )
    assert data["new_score"] > data["old_score"] and data["label"]
    assert outbox(db, sid)[0][0] == "score.changed"
