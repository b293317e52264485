"""The transactional outbox: events are written in the same transaction as their cause.

``enqueue`` adds one ``webhook_outbox`` row per active subscription that wants the event, in the
caller's session, so an event exists exactly when its cause committed. The delivery worker
(``exchange.webhooks``) sends them later, with retries. Callers:

* ``records.ingest`` → ``record.created`` (via :func:`records_created`);
* monitoring → ``warning.raised``;
* scoring, record events and objections → ``score.changed``, ``record.revoked`` / ``record.corrected``
  / ``record.repaired``, ``objection.decided``; notifications of issue #6 → ``notification.<name>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.exchange.webhook_models import OutboxMessage, WebhookSubscription

EVENT_TYPES: dict[str, str] = {
    "record.created": "信用记录新增",
    "record.revoked": "信用记录撤销",
    "record.corrected": "信用记录更正",
    "record.repaired": "信用修复",
    "score.changed": "信用评分变动",
    "warning.raised": "监测预警",
    "objection.decided": "异议处理结果",
    "notification": "通知（notification.<名称>）",
}
WILDCARD = "*"


def known_event(event_type: str) -> bool:
    return event_type in EVENT_TYPES or (event_type.startswith("notification.") and len(event_type) <= 40)


def enqueue(
    session: Session,
    event_type: str,
    payload: Mapping[str, Any],
    *,
    public: bool = True,
    subscription_ids: Sequence[int] | None = None,
) -> int:
    """Queue one event for every subscription that wants it; returns the number of outbox rows.

    ``public=False`` marks data that is not published (e.g. an expert's record): subscriptions with
    ``public_only`` do not receive it. ``subscription_ids`` restricts delivery (targeted notifications).
    """
    return enqueue_many(session, event_type, [payload], public=[public], subscription_ids=subscription_ids)


def enqueue_many(
    session: Session,
    event_type: str,
    payloads: Sequence[Mapping[str, Any]],
    *,
    public: Sequence[bool] | None = None,
    subscription_ids: Sequence[int] | None = None,
) -> int:
    """Queue several events of one type with one query for subscriptions and one bulk insert."""
    if not known_event(event_type):
        raise ValueError(f"unknown event type {event_type!r}")
    if not payloads:
        return 0
    targets = subscribers(session, event_type, subscription_ids)
    if not targets:
        return 0
    flags = list(public) if public is not None else [True] * len(payloads)
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for payload, is_public in zip(payloads, flags, strict=True):
        event_id = str(uuid.uuid4())
        body = _jsonable(dict(payload))
        for sub_id, public_only in targets:
            if public_only and not is_public:
                continue
            rows.append(
                {
                    "event_id": event_id,
                    "event_type": event_type,
                    "subscription_id": sub_id,
                    "payload": body,
                    "created_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            )
    if rows:
        session.execute(insert(OutboxMessage), rows)
    return len(rows)


def subscribers(
    session: Session, event_type: str, only: Sequence[int] | None = None
) -> list[tuple[int, bool]]:
    """(id, public_only) of active subscriptions to ``event_type``: exact, ``notification.*`` or ``*``."""
    query = select(
        WebhookSubscription.id, WebhookSubscription.event_types, WebhookSubscription.public_only
    ).where(WebhookSubscription.active.is_(True))
    if only is not None:
        query = query.where(WebhookSubscription.id.in_(list(only)))
    family = event_type.split(".", 1)[0] + ".*"
    return [
        (sid, bool(public_only))
        for sid, types, public_only in session.execute(query)
        if {event_type, family, WILDCARD} & set(types or [])
    ]


def records_created(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """``record.created`` for rows just inserted by ingestion (each with its new ``id``)."""
    if not rows or not subscribers(session, "record.created"):
        return 0
    from ggzy_credit.standards.models import Platform, StandardItem

    platforms = dict(session.execute(select(Platform.id, Platform.code)).tuples().all())
    item_ids = list({r["item_id"] for r in rows})
    public = dict(
        session.execute(select(StandardItem.id, StandardItem.public).where(StandardItem.id.in_(item_ids)))
        .tuples()
        .all()
    )
    payloads = [
        {
            "record_id": r["id"],
            "platform": platforms.get(r["platform_id"]),
            "external_id": r["external_id"],
            "subject_id": r["subject_id"],
            "item_code": r["item_code"],
            "points": r["points"],
            "occurred_on": r["occurred_on"],
            "deducted_on": r["deducted_on"],
            "project_code": r.get("project_code"),
            "source": r["source"],
            "public": bool(public.get(r["item_id"], True)),
        }
        for r in rows
    ]
    return enqueue_many(session, "record.created", payloads, public=[p["public"] for p in payloads])


def record_event(session: Session, event_type: str, record: Any, fields: Mapping[str, Any]) -> int:
    """``record.revoked`` / ``record.corrected`` / ``record.repaired`` for one record event.

    ``record`` is the ``CreditRecord`` the event points at; the event is public when the record's
    item is published (like ``record.created``).
    """
    if not subscribers(session, event_type):
        return 0
    from ggzy_credit.standards.models import Platform, StandardItem

    item = session.get(StandardItem, record.item_id)
    platform = session.get(Platform, record.platform_id)
    public = bool(item.public) if item is not None else True
    payload = {
        "record_id": record.id,
        "platform": platform.code if platform is not None else None,
        "external_id": record.external_id,
        "subject_id": record.subject_id,
        "item_code": record.item_code,
        **fields,
        "public": public,
    }
    return enqueue(session, event_type, payload, public=public)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
