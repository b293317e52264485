"""In-app notifications to subjects' accounts, each queued in the exchange outbox for delivery (#8).

A notice is addressed to a subject: every account acting for that subject sees it (and reading it
marks it read for all of them). ``user_id`` addresses one account only. Writes are set-based: one
INSERT for any number of notices, one query to describe any number of new records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import false, func, insert, or_, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.db.bulk import insert_rows
from ggzy_credit.errors import Forbidden, NotFound
from ggzy_credit.exchange import outbox
from ggzy_credit.workflows.common import subjects_of
from ggzy_credit.workflows.models import Notification

RECORD_CREATED = "record_created"
OBJECTION_DECIDED = "objection_decided"
REPAIR_DECIDED = "repair_decided"
COMMITMENT_VERIFIED = "commitment_verified"
COPY_FROM = 50  # rows; larger PostgreSQL inserts use COPY
OUTBOX_PREFIX = "notification."  # outbox event type: notification.<kind>


@dataclass(frozen=True)
class Notice:
    subject_id: int | None
    kind: str
    title: str
    body: str
    link: str | None = None
    user_id: int | None = None


def notify(session: Session, notices: Sequence[Notice]) -> int:
    """Write the notices and queue one outbox event per notice; returns how many were written.

    The ids are read back (INSERT … RETURNING) only for kinds some webhook subscription wants, so a
    batch of new records costs one plain multi-row insert when nobody subscribes.
    """
    if not notices:
        return 0
    now = clock.now()
    rows: list[dict[str, Any]] = [
        {
            "subject_id": n.subject_id,
            "user_id": n.user_id,
            "kind": n.kind,
            "title": n.title[:200],
            "body": n.body,
            "link": n.link,
            "created_at": now,
            "read_at": None,
        }
        for n in notices
    ]
    wanted = {k for k in {r["kind"] for r in rows} if outbox.subscribers(session, OUTBOX_PREFIX + k)}
    quiet = [r for r in rows if r["kind"] not in wanted]
    if quiet:
        _insert_many(session, quiet)
    queued = [r for r in rows if r["kind"] in wanted]
    if queued:
        ids = session.scalars(
            insert(Notification).returning(Notification.id, sort_by_parameter_order=True), queued
        )
        enqueue_deliveries(session, [row | {"id": i} for row, i in zip(queued, ids, strict=True)])
    return len(rows)


def _insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Plain multi-row insert; on PostgreSQL, COPY on the session's own connection (same transaction)."""
    insert_rows(session, Notification.__table__, rows, copy_above=COPY_FROM)


def enqueue_event(session: Session, event_type: str, payload: dict[str, Any], *, public: bool = False) -> int:
    """Queue one event in the exchange outbox (issue #8), in this transaction; returns rows queued."""
    return outbox.enqueue(session, event_type, payload, public=public)


def enqueue_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """One ``notification.<kind>`` outbox event per notification (bulk, one insert per kind)."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(
            {
                "notification_id": row["id"],
                "subject_id": row["subject_id"],
                "user_id": row["user_id"],
                "kind": row["kind"],
                "title": row["title"],
                "body": row["body"],
                "link": row["link"],
                "created_at": row["created_at"],
            }
        )
    return sum(
        outbox.enqueue_many(session, f"{OUTBOX_PREFIX}{kind}", payloads, public=[False] * len(payloads))
        for kind, payloads in by_kind.items()
    )


@dataclass(frozen=True)
class NewRecord:
    """What a subject is told about a record just created (the caller has it in hand)."""

    id: int
    subject_id: int
    points: int
    deducted_on: date
    platform: str  # platform name
    item: str  # standard item name


def notify_new_records(session: Session, records: Sequence[NewRecord]) -> int:
    """Tell each subject about its new records (called by ingestion, in the same transaction)."""
    notices = [
        Notice(
            r.subject_id,
            RECORD_CREATED,
            "新增信用记录",
            f"{r.platform}于 {r.deducted_on} 记录了一条信用信息：{r.item}"
            f"（{f'扣 {r.points} 分' if r.points else '不扣分'}）。"
            "如对该记录有异议，可提交书面异议申请并附证明材料。",
            f"/api/v1/records/{r.id}",
        )
        for r in sorted(records, key=lambda r: r.id)
    ]
    return notify(session, notices)


def _mine(caller: Any):  # type: ignore[no-untyped-def]
    subjects = subjects_of(caller)
    user_id = getattr(caller, "user_id", None)
    parts = []
    if subjects:
        parts.append(Notification.subject_id.in_(sorted(subjects)) & Notification.user_id.is_(None))
    if user_id is not None:
        parts.append(Notification.user_id == user_id)
    return or_(*parts) if parts else false()


def list_notifications(
    session: Session, caller: Any, *, unread: bool = False, limit: int = 50, offset: int = 0
) -> tuple[int, int, list[Notification]]:
    """(total, unread count, page) of the caller's notices, newest first."""
    query = select(Notification).where(_mine(caller))
    unread_count = (
        session.scalar(
            select(func.count()).select_from(query.where(Notification.read_at.is_(None)).subquery())
        )
        or 0
    )
    if unread:
        query = query.where(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit).offset(offset)).all()
    return total, unread_count, list(rows)


def mark_read(session: Session, caller: Any, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound(f"通知 {notification_id} 不存在")
    if (
        session.scalar(select(Notification.id).where(Notification.id == notification_id, _mine(caller)))
        is None
    ):
        raise Forbidden("只能查看发给本账号的通知")
    if row.read_at is None:
        row.read_at = clock.now()
        session.flush()
    return row
