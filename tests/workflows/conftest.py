"""Workflow fixtures: subject tokens, records to dispute, evidence files, two-person approvals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import create_token

PDF = b"%PDF-1.4\n% workflow evidence\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def pdf():  # type: ignore[no-untyped-def]
    """A multipart ``files`` entry: ``files=[pdf()]``."""

    def entry(name: str = "证明材料.pdf", content: bytes = PDF) -> tuple[str, tuple[str, bytes, str]]:
        return ("files", (name, content, "application/pdf"))

    return entry


@pytest.fixture
def subject_auth(db):  # type: ignore[no-untyped-def]
    """Bearer headers of a subject token acting for ``subject_id``."""
    made: dict[int, dict[str, str]] = {}

    def headers(subject_id: int) -> dict[str, str]:
        if subject_id not in made:
            with db.session() as session:
                _, secret = create_token(
                    session, Role.SUBJECT, f"subject-{subject_id}", subject_id=subject_id
                )
            made[subject_id] = {"Authorization": f"Bearer {secret}"}
        return made[subject_id]

    return headers


@pytest.fixture
def make_record(db, cipher, item_for):  # type: ignore[no-untyped-def]
    """Ingest one record for ``subject_id`` (deducted ``days_ago`` days before today) → (id, points)."""
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.schemas import RecordIn

    serial = iter(range(1, 100_000))

    def make(
        subject_id: int,
        *,
        platform: str = "gov_procurement",
        days_ago: int = 0,
        item: str | None = None,
        kind: str = "responder",
    ) -> tuple[int, int]:
        on = clock.today() - timedelta(days=days_ago)
        code = item or item_for(platform, kind, on=on)[0]
        data = RecordIn(
            platform=platform,
            external_id=f"WF-{next(serial)}",
            subject_id=subject_id,
            item_code=code,
            occurred_on=on,
            deducted_on=on,
            description="测试记录",
            source="system_push",
        )
        with db.session() as session:
            [outcome] = ingest(session, cipher, [data], "recorder:test")
        return outcome.id, outcome.points

    return make


@pytest.fixture
def reviewers(account):  # type: ignore[no-untyped-def]
    """Two reviewers with personal accounts: the second approves what the first requests."""
    return account(role="reviewer"), account(role="reviewer")


@pytest.fixture
def grant(client) -> Callable[..., int]:  # type: ignore[no-untyped-def]
    """A ``credit_change`` grant on ``record_id`` requested by ``requester`` and approved by ``approver``."""

    def make(requester: dict[str, str], approver: dict[str, str], record_id: int) -> int:
        r = client.post(
            "/api/v1/approvals",
            headers=requester,
            json={"kind": "credit_change", "purpose": "异议成立，撤销错误记录", "record_ids": [record_id]},
        )
        assert r.status_code == 201, r.text
        approval_id = r.json()["id"]
        r = client.post(f"/api/v1/approvals/{approval_id}/approve", headers=approver, json={"note": "同意"})
        assert r.status_code == 200, r.text
        return int(approval_id)

    return make


@pytest.fixture
def pinned():  # type: ignore[no-untyped-def]
    """``with pinned(date(2026, 9, 18)):`` — the clock at 10:00 Beijing time on that day."""
    from datetime import datetime

    def pin(day: date):  # type: ignore[no-untyped-def]
        return clock.freeze(datetime(day.year, day.month, day.day, 10, 0, tzinfo=clock.CHINA))

    return pin
