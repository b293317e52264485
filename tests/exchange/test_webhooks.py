"""Webhooks: events queued with their cause, signed delivery to a real local receiver, retries with
back-off, dead letters, requeue — and nothing lost or delivered twice, even with concurrent workers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.exchange import subscriptions
from ggzy_credit.exchange.outbox import enqueue, enqueue_many
from ggzy_credit.exchange.webhook_models import OutboxMessage, WebhookDelivery
from ggzy_credit.exchange.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WorkerConfig,
    backoff,
    claim,
    deliver_once,
    requeue,
    verify,
)
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn

CONFIG = WorkerConfig(
    max_attempts=3, backoff_seconds=30, backoff_max_seconds=3600, timeout_seconds=2, batch=50
)


def subscribe(db, cipher, url: str, events=("*",), public_only=False, name="监管系统"):  # type: ignore[no-untyped-def]
    with db.session() as s:
        row, secret = subscriptions.create(
            s,
            cipher,
            name=name,
            url=url,
            audience="supervision",
            event_types=list(events),
            public_only=public_only,
            by="test",
        )
        return row.id, secret


def statuses(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return dict(
            s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
            .tuples()
            .all()
        )


def test_created_records_are_pushed_signed(db, cipher, receiver, make_subject, item_for):  # type: ignore[no-untyped-def]
    _sid, secret = subscribe(db, cipher, receiver.url, events=["record.*"])
    subject = make_subject("responder")
    code, points = item_for("gov_procurement")
    with db.session() as s:
        ingest(
            s,
            cipher,
            [
                RecordIn(
                    platform="gov_procurement",
                    external_id=f"GP-{i}",
                    subject_id=subject,
                    item_code=code,
                    occurred_on=clock.today(),
                    project_code="ZFCG-1",
                )
                for i in range(3)
            ],
            "test",
        )
    assert statuses(db) == {"pending": 3}
    stats = deliver_once(db.sessions, cipher, CONFIG)
    assert (stats.claimed, stats.delivered) == (3, 3) and statuses(db) == {"delivered": 3}
    assert len(receiver.requests) == 3
    for headers, body in receiver.requests:
        assert verify(secret, body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
        assert not verify(secret, body + b" ", headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
        assert not verify("wrong-secret-000000", body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
        assert not verify(secret, body, headers[SIGNATURE_HEADER], str(int(headers[TIMESTAMP_HEADER]) + 1))
    events = receiver.bodies()
    assert {e["type"] for e in events} == {"record.created"}
    assert {e["data"]["external_id"] for e in events} == {"GP-0", "GP-1", "GP-2"}
    assert events[0]["data"]["points"] == points and events[0]["data"]["platform"] == "gov_procurement"
    assert deliver_once(db.sessions, cipher, CONFIG).claimed == 0  # nothing delivered twice
    with db.session() as s:
        logs = s.scalars(select(WebhookDelivery)).all()
        assert len(logs) == 3 and all(log.ok and log.status_code == 200 for log in logs)


def test_replayed_body_is_refused_after_the_window(db, cipher, receiver):  # type: ignore[no-untyped-def]
    _, secret = subscribe(db, cipher, receiver.url)
    with db.session() as s:
        enqueue(s, "score.changed", {"subject_id": 1, "platform": "centre", "score": 80})
    deliver_once(db.sessions, cipher, CONFIG)
    headers, body = receiver.requests[0]
    stamp = int(headers[TIMESTAMP_HEADER])
    assert verify(secret, body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], now=stamp + 60)
    assert not verify(secret, body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], now=stamp + 3600)


def test_unreachable_target_is_retried_then_dead_lettered_then_requeued(
    db, cipher, closed_port_url, receiver
):  # type: ignore[no-untyped-def]
    sid, _ = subscribe(db, cipher, closed_port_url)
    with db.session() as s:
        enqueue_many(s, "warning.raised", [{"warning_id": i} for i in range(5)])
    start = clock.now()
    stats = deliver_once(db.sessions, cipher, CONFIG)
    assert (stats.claimed, stats.retried, stats.delivered) == (5, 5, 0)
    assert deliver_once(db.sessions, cipher, CONFIG).claimed == 0  # not due yet: backing off
    with db.session() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert all(r.attempts == 1 and r.last_error and r.next_attempt_at > start for r in rows)
    for attempt in (2, 3):
        with clock.freeze(clock.now() + timedelta(hours=attempt * 2)):
            assert deliver_once(db.sessions, cipher, CONFIG).claimed == 5
    assert statuses(db) == {"dead": 5}
    with db.session() as s:
        logs = s.scalars(select(WebhookDelivery)).all()
        assert (
            len(logs) == 15 and not any(log.ok for log in logs) and {log.attempt for log in logs} == {1, 2, 3}
        )
        subscriptions.update(s, sid, url=receiver.url)
        assert requeue(s, subscription_id=sid) == 5
    assert deliver_once(db.sessions, cipher, CONFIG).delivered == 5
    assert statuses(db) == {"delivered": 5}
    assert sorted(b["data"]["warning_id"] for b in receiver.bodies()) == [0, 1, 2, 3, 4]


def test_error_status_is_retried(db, cipher, receiver):  # type: ignore[no-untyped-def]
    subscribe(db, cipher, receiver.url)
    receiver.fail_with = 503
    with db.session() as s:
        enqueue(s, "objection.decided", {"objection_id": 9})
    assert deliver_once(db.sessions, cipher, CONFIG).retried == 1
    receiver.fail_with = None
    with clock.freeze(clock.now() + timedelta(hours=1)):
        assert deliver_once(db.sessions, cipher, CONFIG).delivered == 1
    assert [b["attempt"] for b in receiver.bodies()] == [1, 2]
    assert len({b["id"] for b in receiver.bodies()}) == 1  # the same event id: receivers deduplicate on it


def test_subscriptions_filter_events_and_non_public_data(db, cipher, receiver):  # type: ignore[no-untyped-def]
    subscribe(db, cipher, receiver.url, events=["warning.raised"], name="监管")
    subscribe(
        db, cipher, receiver.url, events=["record.*", "notification.*"], public_only=True, name="融资平台"
    )
    with db.session() as s:
        assert enqueue(s, "warning.raised", {"w": 1}, public=False) == 1
        assert enqueue(s, "record.created", {"r": 1}) == 1
        assert enqueue(s, "record.created", {"r": 2}, public=False) == 0
        assert enqueue(s, "notification.created", {"n": 1}) == 1
        assert enqueue(s, "score.changed", {"s": 1}) == 0
        with pytest.raises(ValueError):
            enqueue(s, "record.exploded", {})


def test_disabled_subscription_keeps_its_events_until_enabled(db, cipher, receiver):  # type: ignore[no-untyped-def]
    sid, _ = subscribe(db, cipher, receiver.url)
    with db.session() as s:
        enqueue(s, "score.changed", {"score": 70})
        subscriptions.update(s, sid, active=False)
    assert deliver_once(db.sessions, cipher, CONFIG).claimed == 0
    with db.session() as s:
        subscriptions.update(s, sid, active=True)
    assert deliver_once(db.sessions, cipher, CONFIG).delivered == 1


def test_event_rolled_back_with_its_cause(db, cipher, receiver):  # type: ignore[no-untyped-def]
    subscribe(db, cipher, receiver.url)
    with db.sessions() as s:
        enqueue(s, "score.changed", {"score": 1})
        s.rollback()
    assert statuses(db) == {}


def test_concurrent_workers_deliver_each_event_exactly_once(db, cipher, receiver):  # type: ignore[no-untyped-def]
    subscribe(db, cipher, receiver.url)
    with db.session() as s:
        enqueue_many(s, "record.created", [{"n": i} for i in range(60)])
    config = WorkerConfig(max_attempts=3, timeout_seconds=5, batch=7)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while deliver_once(db.sessions, cipher, config).claimed:
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(b["data"]["n"] for b in receiver.bodies()) == list(range(60))
    assert statuses(db) == {"delivered": 60}


def test_skip_locked_claims_are_disjoint_on_postgresql(db, cipher, receiver):  # type: ignore[no-untyped-def]
    if db.backend != "postgresql":
        pytest.skip(
            "FOR UPDATE SKIP LOCKED is the PostgreSQL path; SQLite claims with one UPDATE … RETURNING"
        )
    subscribe(db, cipher, receiver.url)
    with db.session() as s:
        enqueue_many(s, "score.changed", [{"n": i} for i in range(10)])
    first = db.sessions()
    try:
        mine = claim(first, "worker-a", 6, timedelta(minutes=1))  # locks held: transaction still open
        with db.session() as second:
            theirs = claim(second, "worker-b", 10, timedelta(minutes=1))
        assert len(mine) == 6 and len(theirs) == 4 and not set(mine) & set(theirs)
    finally:
        first.rollback()
        first.close()


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    config = WorkerConfig(backoff_seconds=30, backoff_max_seconds=600)
    delays = [backoff(n, config).total_seconds() for n in range(1, 10)]
    assert 15 <= delays[0] <= 30 and 30 <= delays[1] <= 60 and 60 <= delays[2] <= 120
    assert all(300 <= d <= 600 for d in delays[5:])


def test_public_http_urls_are_refused(db, cipher):  # type: ignore[no-untyped-def]
    from ggzy_credit.errors import InvalidInput

    with db.session() as s, pytest.raises(InvalidInput):
        subscriptions.create(
            s, cipher, name="x", url="http://example.com/hook", audience="city", event_types=["*"], by="t"
        )
    with db.session() as s:
        row, _ = subscriptions.create(
            s, cipher, name="y", url="http://10.1.2.3/hook", audience="city", event_types=["record.*"], by="t"
        )
        assert row.event_types == ["record.*"]
