"""Fixtures for financing queries: banks, a subject with counted records, its account, grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from ggzy_credit import clock

BANK = "中国建设银行上海市分行"
OTHER_BANK = "上海浦东发展银行张江支行"


@dataclass
class Applicant:
    """A financing applicant: its subject id, its account's headers and its records."""

    subject_id: int
    name: str
    headers: dict[str, str]
    records: list[dict]  # type: ignore[type-arg]


@pytest.fixture
def bank(account):  # type: ignore[no-untyped-def]
    """Headers of a bank account: ``bank()`` (BANK) or ``bank(OTHER_BANK)``."""

    def make(organisation: str = BANK) -> dict[str, str]:
        return account(role="bank", organisation=organisation)

    return make


@pytest.fixture
def member(account, make_subject, db):  # type: ignore[no-untyped-def]
    """A legal person without records and its market-entity account."""
    from ggzy_credit.subjects.models import Subject

    subject_id = make_subject("responder")
    with db.session() as session:
        subject = session.get(Subject, subject_id)
        assert subject is not None
        name = subject.name
    return Applicant(subject_id, name, account(subject_id), [])


@pytest.fixture
def applicant(client, auth, member, item_for):  # type: ignore[no-untyped-def]
    """``member`` with two records that count on the engineering platform (40 and 3 days old)."""
    code, _ = item_for("engineering")
    for i, days in enumerate((40, 3)):
        day = str(clock.today() - timedelta(days=days))
        body = {
            "platform": "engineering",
            "external_id": f"FIN-{member.subject_id}-{i}",
            "subject_id": member.subject_id,
            "item_code": code,
            "occurred_on": day,
            "deducted_on": day,
            "description": f"第 {i + 1} 次未按约定履行合同",
        }
        r = client.post("/api/v1/records", json=body, headers=auth("recorder"))
        assert r.status_code == 201, r.text
        member.records.append(r.json())
    return member


@pytest.fixture
def grant(client, member, bank):  # type: ignore[no-untyped-def]
    """Create a grant from ``member``: ``grant(bank=…, days=…, start=…)`` → the response JSON."""
    bank()  # the default bank is registered

    def make(bank_name: str = BANK, *, days: int = 90, start: int = 0, purpose: str = "流动资金贷款授信审查"):  # type: ignore[no-untyped-def]
        today = clock.today()
        body = {
            "bank": bank_name,
            "valid_from": str(today + timedelta(days=start)),
            "valid_until": str(today + timedelta(days=start + days)),
            "purpose": purpose,
        }
        r = client.post(
            f"/api/v1/subjects/{member.subject_id}/financing-grants", json=body, headers=member.headers
        )
        assert r.status_code == 201, r.text
        return r.json()

    return make
