"""Market-entity accounts: their own subjects' non-public data only; others' published records only."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.standards.models import StandardItem
from ggzy_credit.web.deps import allow


@pytest.fixture
def two(make_subject, db):  # type: ignore[no-untyped-def]
    """Two responders, each with one published and one unpublished record."""
    from ggzy_credit import clock
    from ggzy_credit.standards.service import StandardResolver

    mine, theirs = make_subject("responder"), make_subject("responder")
    with db.session() as s:
        _, items = StandardResolver(s).resolve("gov_procurement", clock.today())
        shown, hidden = sorted(
            (i for i in items.values() if "responder" in i.applies_to), key=lambda i: i.code
        )[:2]
        s.get(StandardItem, hidden.id).public = False
    rows = [
        RecordIn(
            platform="gov_procurement",
            external_id=f"ISO-{subject}-{n}",
            subject_id=subject,
            item_code=code,
            occurred_on=clock.today(),
            description="隔离测试",
            source="manual",
        )
        for subject in (mine, theirs)
        for n, code in enumerate((shown.code, hidden.code))
    ]
    with db.session() as s:
        ids = [o.id for o in ingest(s, pii_cipher(db.settings.secrets_dir), rows, "test")]
    return mine, theirs, {mine: ids[:2], theirs: ids[2:]}


def test_subject_account_reads_only_its_own_enquiries_and_pii(client, account, two):  # type: ignore[no-untyped-def]
    mine, theirs, _ = two
    me = account(mine)
    assert client.get(f"/api/v1/subjects/{mine}/enquiries", headers=me).status_code == 200
    r = client.get(f"/api/v1/subjects/{theirs}/enquiries", headers=me)
    assert r.status_code == 403 and r.json() == {
        "detail": "只能查看或办理本账号所代表经营主体的信息",
        "code": "forbidden",
    }
    assert client.get(f"/api/v1/subjects/{theirs}/pii", headers=me).status_code == 403


def test_an_account_for_several_subjects_acts_for_each(client, account, make_subject):  # type: ignore[no-untyped-def]
    a, b, c = make_subject("responder"), make_subject("responder"), make_subject("responder")
    group = account(a, b)
    assert client.get(f"/api/v1/subjects/{a}/enquiries", headers=group).status_code == 200
    assert client.get(f"/api/v1/subjects/{b}/enquiries", headers=group).status_code == 200
    assert client.get(f"/api/v1/subjects/{c}/enquiries", headers=group).status_code == 403
    me = client.get("/api/v1/auth/me", headers=group).json()
    assert me["role"] == "subject" and me["subject_ids"] == sorted([a, b])


def test_others_see_published_records_only(client, account, two):  # type: ignore[no-untyped-def]
    mine, theirs, records = two
    me = account(mine)
    own = client.get(f"/api/v1/subjects/{mine}/records", headers=me).json()
    assert own["total"] == len(records[mine])
    other = client.get(f"/api/v1/subjects/{theirs}/records", headers=me).json()
    published, hidden = records[theirs][0], records[theirs][1:]
    assert [i["id"] for i in other["items"]] == [published]
    assert client.get(f"/api/v1/records/{published}", headers=me).status_code == 200
    for rid in hidden:
        r = client.get(f"/api/v1/records/{rid}", headers=me)
        assert r.status_code == 403 and "未公开" in r.json()["detail"]
    for rid in records[mine]:
        assert client.get(f"/api/v1/records/{rid}", headers=me).status_code == 200


def test_evidence_of_another_subjects_record_is_refused(client, account, auth, two):  # type: ignore[no-untyped-def]
    mine, theirs, records = two
    pdf = b"%PDF-1.7\n" + b"0" * 64
    theirs_record = records[theirs][0]
    up = client.post(
        f"/api/v1/records/{theirs_record}/evidence", files={"file": ("a.pdf", pdf)}, headers=auth("recorder")
    )
    assert up.status_code == 201, up.text
    me = account(mine)
    assert client.get(f"/api/v1/records/{theirs_record}/evidence", headers=me).status_code == 403
    assert client.get(f"/api/v1/evidence/{up.json()['sha256']}", headers=me).status_code == 403
    owner = account(theirs)
    assert client.get(f"/api/v1/evidence/{up.json()['sha256']}", headers=owner).status_code == 200


def test_a_subject_account_cannot_act_for_another_subject(app, client, account, make_subject, db):  # type: ignore[no-untyped-def]
    """A write route restricted to own data (the shape objections and repairs take)."""
    router = APIRouter()

    @router.post("/api/v1/test-only/subjects/{subject_id}/act")
    def act(
        subject_id: int, caller: Annotated[Caller, Depends(allow(Role.SUBJECT, own=Role.SUBJECT))]
    ) -> dict:
        return {"acted_for": subject_id, "by": caller.label}

    app.include_router(router)
    mine, theirs = make_subject("responder"), make_subject("responder")
    me = account(mine)
    assert client.post(f"/api/v1/test-only/subjects/{mine}/act", headers=me).json()["acted_for"] == mine
    r = client.post(f"/api/v1/test-only/subjects/{theirs}/act", headers=me)
    assert r.status_code == 403
    from ggzy_credit.audit.models import AuditEntry

    with db.session() as s:
        denied = s.query(AuditEntry).filter(AuditEntry.kind == "denied").one()
        assert denied.subject_ids == [theirs] and denied.action.endswith("/act")
