"""``score.changed`` webhook events: queued set-based, in the evaluation's transaction, for exactly the
pairs whose stored score on the horizon changed — after a record event (re-evaluation), on daily
incremental runs (a restoration) and on full runs; never on the first run, never for past-only changes.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ggzy_credit import clock
from ggzy_credit.exchange import subscriptions
from ggzy_credit.exchange.webhook_models import OutboxMessage
from ggzy_credit.records.events import repair_record, revoke_record
from ggzy_credit.scoring.evaluation import run_evaluation

D = date
TODAY = D(2025, 6, 1)
GP = "gov_procurement"


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with clock.freeze(TODAY):
        yield


@pytest.fixture
def subscribed(db, cipher):  # type: ignore[no-untyped-def]
    """Two subscriptions to scores (one public-only: scores are public) and one to records only."""
    with db.session() as s:
        for name, events, public_only in (
            ("监管", ["score.changed"], False),
            ("融资平台", ["score.*"], True),
            ("其他城市", ["record.*"], True),
        ):
            subscriptions.create(
                s,
                cipher,
                name=name,
                url="http://127.0.0.1:9/hook",
                audience="other",
                event_types=events,
                public_only=public_only,
                by="test",
            )


def changes(db) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """(event id, payload) of the ``score.changed`` outbox rows, one per event (first subscription)."""
    with db.session() as s:
        rows = s.execute(
            select(OutboxMessage.event_id, OutboxMessage.payload, OutboxMessage.subscription_id)
            .where(OutboxMessage.event_type == "score.changed")
            .order_by(OutboxMessage.id)
        ).all()
    by_event: dict[str, list[int]] = {}
    payloads = {}
    for event_id, payload, sub in rows:
        by_event.setdefault(event_id, []).append(sub)
        payloads[event_id] = payload
    assert all(len(subs) == 2 for subs in by_event.values()), by_event  # both score subscriptions
    return [(e, payloads[e]) for e in by_event]


def test_score_changes_are_queued_for_the_pairs_that_changed(db, make_subject, record, subscribed):  # type: ignore[no-untyped-def]
    bidder, other, old = make_subject("responder"), make_subject("responder"), make_subject("responder")
    a = record(bidder, "GP-R-005", D(2024, 6, 10))  # 10
    record(bidder, "GP-R-004", D(2025, 5, 1))  # 20: 70 today
    record(other, "GP-R-005", D(2024, 6, 15))  # 10: 90 until 2025-06-15
    gone = record(old, "GP-R-005", D(2024, 1, 15))  # its cycle ended in January: 100 today
    with db.session() as s:
        run_evaluation(s)
    assert changes(db) == []  # the first run stores scores; nothing was stored to change

    with db.session() as s:
        revoke_record(s, a, "异议成立", "reviewer")
        revoke_record(s, gone, "复核撤销", "reviewer")  # rewrites only the past: no score change
    [(event_id, payload)] = changes(db)
    assert payload == {
        "subject_id": bidder,
        "platform": GP,
        "old_score": 70,
        "new_score": 80,
        "label": "B",
        "as_of": "2025-06-01",
    }
    assert event_id.startswith("score-") and len(event_id) <= 36

    with clock.freeze(D(2025, 6, 20)), db.session() as s:  # incremental: ``other`` is restored
        assert run_evaluation(s).mode == "incremental"
    [_, (_, restored)] = changes(db)
    assert restored == {
        "subject_id": other,
        "platform": GP,
        "old_score": 90,
        "new_score": 100,
        "label": "A",
        "as_of": "2025-06-20",
    }

    with clock.freeze(D(2025, 6, 21)):
        record(other, "GP-R-001", D(2025, 6, 21))  # 30
        with db.session() as s:
            assert run_evaluation(s, full=True).mode == "full"
        with db.session() as s:  # a re-run of the day changes nothing
            run_evaluation(s)
    *_, (_, dropped) = changes(db)
    assert len(changes(db)) == 3
    assert (dropped["subject_id"], dropped["old_score"], dropped["new_score"], dropped["label"]) == (
        other,
        100,
        70,
        "C",
    )


def test_a_repair_that_stops_counting_changes_the_score(db, make_subject, record, subscribed):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-005", D(2025, 3, 1))
    with db.session() as s:
        run_evaluation(s)
    with db.session() as s:
        assert repair_record(s, a, TODAY, "已整改", "reviewer").stops_counting  # the 2024 standard says so
    assert [(p["old_score"], p["new_score"], p["label"]) for _, p in changes(db)] == [(90, 100, "A")]


def test_nothing_is_queued_without_subscribers(db, make_subject, record):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-005", D(2025, 3, 1))
    with db.session() as s:
        run_evaluation(s)
        revoke_record(s, a, "撤销", "reviewer")
        assert s.scalar(select(OutboxMessage.id)) is None


def test_the_events_roll_back_with_the_evaluation(db, make_subject, record, subscribed):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-005", D(2025, 3, 1))
    with db.session() as s:
        run_evaluation(s)
    with db.sessions() as s:
        revoke_record(s, a, "撤销", "reviewer")
        assert s.scalar(select(OutboxMessage.id).where(OutboxMessage.event_type == "score.changed"))
        s.rollback()
    assert changes(db) == []


def test_an_empty_stored_history_means_every_score_was_full(db, make_subject, record, subscribed):  # type: ignore[no-untyped-def]
    with db.session() as s:
        run_evaluation(s)  # nothing to score yet: the stored history stays empty
    bidder = make_subject("responder")
    record(bidder, "GP-R-004", TODAY)
    with db.session() as s:
        run_evaluation(s, full=True)
    [(_, payload)] = changes(db)
    assert (payload["subject_id"], payload["old_score"], payload["new_score"]) == (bidder, 100, 80)
