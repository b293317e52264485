"""Regulators (Shanghai art. 15): a declared purpose on non-public reads, and their platform scope."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ggzy_credit import clock
from ggzy_credit.audit.models import AuditEntry
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn


@pytest.fixture
def records(db, make_subject, item_for):  # type: ignore[no-untyped-def]
    """One responder with a record on government procurement and one on engineering construction."""
    subject = make_subject("responder")
    rows = [
        RecordIn(
            platform=p,
            external_id=f"REG-{p}",
            subject_id=subject,
            item_code=item_for(p)[0],
            occurred_on=clock.today(),
            description="监管测试",
            source="manual",
        )
        for p in ("gov_procurement", "engineering")
    ]
    with db.session() as s:
        ids = [o.id for o in ingest(s, pii_cipher(db.settings.secrets_dir), rows, "test")]
    return subject, dict(zip(("gov_procurement", "engineering"), ids, strict=True))


def test_missing_purpose_is_422_naming_it(client, auth, records):  # type: ignore[no-untyped-def]
    subject, _ = records
    r = client.get(f"/api/v1/subjects/{subject}/records", headers=auth("regulator", purpose=None))
    assert r.status_code == 422
    assert (
        r.json()["detail"][0]["loc"] == ["header", "X-Purpose"] and "查询目的" in r.json()["detail"][0]["msg"]
    )
    # published data needs no purpose; other roles need none either
    assert client.get("/api/v1/auth/me", headers=auth("regulator", purpose=None)).status_code == 200
    assert client.get(f"/api/v1/subjects/{subject}/records", headers=auth("bank")).status_code == 200


def test_the_purpose_is_recorded_from_header_or_query(client, auth, records, db):  # type: ignore[no-untyped-def]
    subject, _ = records
    headers = auth("regulator", purpose="政府采购投诉核查（财库〔2026〕12号）")
    assert client.get(f"/api/v1/subjects/{subject}", headers=headers).status_code == 200
    plain = auth("regulator", purpose=None)
    url = f"/api/v1/subjects/{subject}?purpose={quote('审计抽查')}"
    assert client.get(url, headers=plain).status_code == 200
    with db.session() as s:
        purposes = [
            e.purpose
            for e in s.query(AuditEntry).filter(AuditEntry.role == "regulator").order_by(AuditEntry.seq)
        ]
    assert purposes == ["政府采购投诉核查（财库〔2026〕12号）", "审计抽查"]
    too_long = client.get(f"/api/v1/subjects/{subject}", headers={**plain, "X-Purpose": "x" * 201})
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["type"] == "too_long"


def test_a_regulator_sees_only_its_platforms(client, account, records):  # type: ignore[no-untyped-def]
    subject, ids = records
    procurement = account(role="regulator", organisation="市财政局", platforms=["gov_procurement"])
    listed = client.get(f"/api/v1/subjects/{subject}/records", headers=procurement).json()
    assert [i["id"] for i in listed["items"]] == [ids["gov_procurement"]]
    assert client.get(f"/api/v1/records/{ids['gov_procurement']}", headers=procurement).status_code == 200
    r = client.get(f"/api/v1/records/{ids['engineering']}", headers=procurement)
    assert r.status_code == 403 and r.json()["detail"] == "超出本账号授权的平台范围"
    r = client.get(f"/api/v1/subjects/{subject}/records?platform=engineering", headers=procurement)
    assert r.status_code == 403
    everything = account(role="regulator", organisation="市纪委监委")
    assert client.get(f"/api/v1/subjects/{subject}/records", headers=everything).json()["total"] == 2
