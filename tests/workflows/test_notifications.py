"""In-app notifications: new records, decisions; each also queued in the exchange outbox."""

from __future__ import annotations

from sqlalchemy import select

from ggzy_credit.exchange.webhook_models import OutboxMessage, WebhookSubscription
from ggzy_credit.workflows.models import Notification

BASE = "/api/v1/notifications"


def test_new_record_notifies_the_subject_accounts(
    client, auth, make_subject, make_record, subject_auth, account
):  # type: ignore[no-untyped-def]
    subject, other = make_subject("responder"), make_subject("responder")
    record, points = make_record(subject)
    for headers in (subject_auth(subject), account(subject)):
        page = client.get(BASE, headers=headers).json()
        assert page["total"] == 1 and page["unread"] == 1
        note = page["items"][0]
        assert note["kind"] == "record_created" and note["link"] == f"/api/v1/records/{record}"
        assert f"扣 {points} 分" in note["body"] and "异议" in note["body"]
    assert client.get(BASE, headers=subject_auth(other)).json()["total"] == 0
    assert client.get(BASE, headers=auth("reviewer")).json()["total"] == 0


def test_marking_read(client, make_subject, make_record, subject_auth):  # type: ignore[no-untyped-def]
    subject, other = make_subject("responder"), make_subject("responder")
    make_record(subject)
    make_record(subject)
    page = client.get(BASE, headers=subject_auth(subject)).json()
    first = page["items"][0]["id"]
    assert client.post(f"{BASE}/{first}/read", headers=subject_auth(other)).status_code == 403
    assert client.post(f"{BASE}/999999/read", headers=subject_auth(subject)).status_code == 404
    r = client.post(f"{BASE}/{first}/read", headers=subject_auth(subject))
    assert r.status_code == 200 and r.json()["read_at"]
    again = client.post(f"{BASE}/{first}/read", headers=subject_auth(subject))
    assert again.json()["read_at"] == r.json()["read_at"]
    unread = client.get(BASE, headers=subject_auth(subject), params={"unread": True}).json()
    assert unread["total"] == 1 and unread["unread"] == 1 and unread["items"][0]["id"] != first


def test_each_notification_is_queued_for_delivery(db, make_subject, make_record):  # type: ignore[no-untyped-def]
    from ggzy_credit import clock

    with db.session() as s:
        s.add(WebhookSubscription(**_subscription(["notification.*"], clock.now())))
    subject = make_subject("responder")
    make_record(subject)
    with db.session() as s:
        note = s.scalar(select(Notification).where(Notification.subject_id == subject))
        queued = s.scalars(
            select(OutboxMessage).where(OutboxMessage.event_type == "notification.record_created")
        ).all()
        assert len(queued) == 1
        assert queued[0].payload["notification_id"] == note.id and queued[0].payload["subject_id"] == subject


def _subscription(event_types: list[str], now) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "name": "监管系统",
        "audience": "supervision",
        "url": "https://example.invalid/hook",
        "secret_enc": b"x",
        "event_types": event_types,
        "public_only": False,
        "active": True,
        "created_by": "admin:test",
        "created_at": now,
    }


def test_a_large_batch_notifies_every_record(client, auth, make_subject, item_for, db):  # type: ignore[no-untyped-def]
    """More than 50 notices at once take the bulk path (COPY on PostgreSQL)."""
    from ggzy_credit import clock

    subjects = [make_subject("responder") for _ in range(3)]
    code, _ = item_for("gov_procurement")
    batch = [
        {
            "platform": "gov_procurement",
            "external_id": f"BULK-{n}",
            "subject_id": subjects[n % 3],
            "item_code": code,
            "occurred_on": str(clock.today()),
            "source": "system_push",
        }
        for n in range(60)
    ]
    r = client.post("/api/v1/records/batch", headers=auth("recorder"), json={"records": batch})
    assert r.status_code == 201, r.text
    with db.session() as s:
        got = s.execute(select(Notification.subject_id, Notification.link, Notification.created_at)).all()
    assert len(got) == 60 and {g.subject_id for g in got} == set(subjects)
    assert all(g.link.startswith("/api/v1/records/") and g.created_at.tzinfo is not None for g in got)
