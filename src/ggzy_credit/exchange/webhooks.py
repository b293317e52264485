"""Delivering the outbox: claim due rows, POST signed bodies, retry with back-off, dead-letter.

Claiming: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED LIMIT n`` then a short lease
(``locked_by``/``locked_until``), so any number of workers share the outbox and a crashed worker's rows
come back when the lease expires. On SQLite one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING``
takes the database write lock for the whole claim, which is the safe single-writer path. HTTP calls
happen outside any transaction; each attempt's result is written in its own short transaction.

Signature: ``X-GGZY-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``. The body carries the
same ``timestamp`` as the ``X-GGZY-Timestamp`` header, so the signature covers it: receivers reject a
body whose timestamp is stale (replay) and deduplicate on ``id`` (delivery is at-least-once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from ggzy_credit import clock
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import unit_of_work
from ggzy_credit.exchange.webhook_models import OutboxMessage, WebhookDelivery, WebhookSubscription
from ggzy_credit.pii.cipher import PiiCipher

SECRET_COLUMN = "webhook_subscriptions.secret"
SIGNATURE_HEADER = "X-GGZY-Signature"
TIMESTAMP_HEADER = "X-GGZY-Timestamp"
EVENT_HEADER = "X-GGZY-Event"
EVENT_ID_HEADER = "X-GGZY-Event-Id"
DELIVERY_HEADER = "X-GGZY-Delivery"
REPLAY_TOLERANCE = 300  # seconds a receiver should accept between our timestamp and its clock


@dataclass(frozen=True)
class WorkerConfig:
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 6 * 3600.0
    timeout_seconds: float = 10.0
    batch: int = 50

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=max(60.0, self.timeout_seconds * 3))

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        return cls(
            settings.webhook_max_attempts,
            settings.webhook_backoff_seconds,
            settings.webhook_backoff_max_seconds,
            settings.webhook_timeout_seconds,
        )


@dataclass
class DeliveryStats:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    now: float | None = None,
    tolerance: int = REPLAY_TOLERANCE,
) -> bool:
    """What a receiver checks: the signature, the timestamp header matching the body, and freshness."""
    if not signature or not timestamp or not hmac.compare_digest(sign(secret, body), signature):
        return False
    try:
        stamped = int(timestamp)
        inside = json.loads(body)["timestamp"]
    except (ValueError, KeyError, TypeError):
        return False
    current = time.time() if now is None else now
    return inside == stamped and abs(current - stamped) <= tolerance


def envelope(message: OutboxMessage, attempt: int, timestamp: int) -> bytes:
    body = {
        "id": message.event_id,
        "type": message.event_type,
        "created_at": message.created_at.isoformat(),
        "timestamp": timestamp,
        "attempt": attempt,
        "data": message.payload,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def backoff(attempt: int, config: WorkerConfig, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with jitter: base·2^(n−1), capped, then a random half to full of it."""
    ceiling = min(config.backoff_max_seconds, config.backoff_seconds * 2 ** (attempt - 1))
    return timedelta(seconds=ceiling * (0.5 + 0.5 * (rng or random).random()))


def claim(session: Session, worker: str, limit: int, lease: timedelta) -> list[int]:
    """Lease up to ``limit`` due rows to ``worker``; returns their ids (commit to publish the lease)."""
    now = clock.now()
    due = (
        (OutboxMessage.status == "pending")
        & (OutboxMessage.next_attempt_at <= now)
        & ((OutboxMessage.locked_until.is_(None)) | (OutboxMessage.locked_until < now))
        & OutboxMessage.subscription_id.in_(
            select(WebhookSubscription.id).where(WebhookSubscription.active.is_(True))
        )
    )
    oldest = (OutboxMessage.next_attempt_at, OutboxMessage.id)
    values = {"locked_by": worker, "locked_until": now + lease}
    if session.get_bind().dialect.name == "postgresql":
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(due)
                .order_by(*oldest)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return ids
    inner = select(OutboxMessage.id).where(due).order_by(*oldest).limit(limit).scalar_subquery()
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(inner))
        .values(**values)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_once(
    sessions: sessionmaker[Session],
    cipher: PiiCipher,
    config: WorkerConfig,
    client: httpx.Client | None = None,
) -> DeliveryStats:
    """Claim one batch of due messages and try each once."""
    me = worker_id()
    stats = DeliveryStats()
    with unit_of_work(sessions) as session:
        ids = claim(session, me, config.batch, config.lease)
    if not ids:
        return stats
    stats.claimed = len(ids)
    with unit_of_work(sessions) as session:
        rows = session.execute(
            select(OutboxMessage, WebhookSubscription.url, WebhookSubscription.secret_enc)
            .join(WebhookSubscription, WebhookSubscription.id == OutboxMessage.subscription_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.id)
        ).all()
    own_client = client is None
    http = client or httpx.Client(timeout=config.timeout_seconds, follow_redirects=False)
    results: list[tuple[dict[str, Any], dict[str, Any]]] = []
    try:
        for message, url, secret_enc in rows:
            results.append(
                _attempt(http, message, url, cipher.decrypt(secret_enc, SECRET_COLUMN), config, stats)
            )
            if len(results) >= RESULTS_PER_COMMIT:
                _record(sessions, me, results)
                results = []
    finally:
        if own_client:
            http.close()
        _record(sessions, me, results)
    return stats


RESULTS_PER_COMMIT = 25  # attempts whose outcome is written in one transaction


def _attempt(
    http: httpx.Client,
    message: OutboxMessage,
    url: str,
    secret: str,
    config: WorkerConfig,
    stats: DeliveryStats,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST one message; returns (delivery log row, outbox changes). Nothing is written here."""
    attempt = message.attempts + 1
    stamp = int(time.time())
    body = envelope(message, attempt, stamp)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(secret, body),
        TIMESTAMP_HEADER: str(stamp),
        EVENT_HEADER: message.event_type,
        EVENT_ID_HEADER: message.event_id,
        DELIVERY_HEADER: str(message.id),
        "User-Agent": "ggzy-credit-webhooks/1",
    }
    started = time.perf_counter()
    status_code: int | None = None
    try:
        response = http.post(url, content=body, headers=headers, timeout=config.timeout_seconds)
        status_code = response.status_code
        error = None if 200 <= status_code < 300 else f"HTTP {status_code}: {response.text[:200]}"
    except httpx.HTTPError as exc:
        error = f"{exc.__class__.__name__}: {exc}"[:500]
    elapsed = int((time.perf_counter() - started) * 1000)
    now = clock.now()
    values: dict[str, Any] = {"attempts": attempt, "locked_by": None, "locked_until": None}
    if error is None:
        values |= {"status": "delivered", "delivered_at": now, "last_error": None}
        stats.delivered += 1
    elif attempt >= config.max_attempts:
        values |= {"status": "dead", "last_error": error}
        stats.dead += 1
    else:
        values |= {"next_attempt_at": now + backoff(attempt, config), "last_error": error}
        stats.retried += 1
    if error:
        stats.errors.append(f"{message.id}: {error}")
    log = {
        "outbox_id": message.id,
        "subscription_id": message.subscription_id,
        "attempt": attempt,
        "attempted_at": now,
        "ok": error is None,
        "status_code": status_code,
        "error": error,
        "duration_ms": elapsed,
    }
    return log, {"id": message.id, **values}


def _record(
    sessions: sessionmaker[Session], me: str, results: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    """Write attempts' outcomes: the delivery log and the outbox rows this worker still leases.

    If the worker dies before this, its lease runs out and the messages are sent again (at least once).
    """
    if not results:
        return
    with unit_of_work(sessions) as session:
        session.execute(insert(WebhookDelivery), [log for log, _ in results])
        for _, values in results:
            changes = {k: v for k, v in values.items() if k != "id"}
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == values["id"], OutboxMessage.locked_by == me)
                .values(**changes)
                .execution_options(synchronize_session=False)
            )


def requeue(
    session: Session, outbox_ids: list[int] | None = None, *, subscription_id: int | None = None
) -> int:
    """Put dead letters back in the queue (all of them, some ids, or one subscription's)."""
    query = update(OutboxMessage).where(OutboxMessage.status == "dead")
    if outbox_ids is not None:
        query = query.where(OutboxMessage.id.in_(outbox_ids))
    if subscription_id is not None:
        query = query.where(OutboxMessage.subscription_id == subscription_id)
    result = session.execute(
        query.values(
            status="pending", attempts=0, next_attempt_at=clock.now(), locked_by=None, locked_until=None
        ).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
