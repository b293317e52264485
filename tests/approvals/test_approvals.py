"""Four-eyes approvals (Shandong (12)): a purpose, a second person decides, narrow expiring grants."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ggzy_credit import clock
from ggzy_credit.approvals import service
from ggzy_credit.approvals.service import Kind, Target
from ggzy_credit.audit.models import AuditEntry
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Forbidden

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def people(account):  # type: ignore[no-untyped-def]
    """A recorder who asks, two reviewers who decide (each a person with a personal token)."""
    return {
        "recorder": account(role="recorder"),
        "reviewer": account(role="reviewer"),
        "reviewer2": account(role="reviewer"),
    }


@pytest.fixture
def expert(make_subject):  # type: ignore[no-untyped-def]
    return make_subject("expert", id_number=ID_NUMBER, phone="13912345678")


def ask(client, headers, **body):  # type: ignore[no-untyped-def]
    body = {"kind": "unmask_pii", "purpose": "核查评标专家身份"} | body
    return client.post("/api/v1/approvals", json=body, headers=headers)


def test_unmasked_pii_needs_an_approved_request_end_to_end(client, people, expert, db):  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/subjects/{expert}/pii", headers=people["recorder"])
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    masked = client.get(f"/api/v1/subjects/{expert}", headers=people["recorder"]).json()
    assert masked["id_number"] == "1101**********002X"

    req = ask(client, people["recorder"], subject_ids=[expert], max_uses=2)
    assert (
        req.status_code == 201 and req.json()["state"] == "pending" and req.json()["subject_ids"] == [expert]
    )
    approval = req.json()["id"]
    assert client.get(f"/api/v1/subjects/{expert}/pii", headers=people["recorder"]).status_code == 403

    ok = client.post(
        f"/api/v1/approvals/{approval}/approve",
        json={"note": "同意", "valid_hours": 4},
        headers=people["reviewer"],
    )
    assert (
        ok.status_code == 200
        and ok.json()["state"] == "approved"
        and ok.json()["decided_by"].startswith("reviewer:")
    )

    for uses_left in (1, 0):
        r = client.get(f"/api/v1/subjects/{expert}/pii", headers=people["recorder"])
        assert r.status_code == 200, r.text
        assert r.json() == {
            "subject_id": expert,
            "id_number": ID_NUMBER,
            "phone": "13912345678",
            "grant_id": approval,
            "uses_left": uses_left,
        }
    used_up = client.get(f"/api/v1/subjects/{expert}/pii", headers=people["recorder"])
    assert used_up.status_code == 403
    assert client.get(f"/api/v1/approvals/{approval}", headers=people["recorder"]).json()["state"] == "used"
    # the grant is the requester's: the reviewer who approved it cannot use it
    assert client.get(f"/api/v1/subjects/{expert}/pii", headers=people["reviewer"]).status_code == 403
    with db.session() as s:
        views = s.query(AuditEntry).filter(AuditEntry.action == "GET /api/v1/subjects/{subject_id}/pii").all()
    assert [(v.kind, v.grant_id) for v in views] == [
        ("denied", None),
        ("denied", None),
        ("read", approval),
        ("read", approval),
        ("denied", None),
        ("denied", None),
    ]
    assert views[2].purpose == "核查评标专家身份" and views[2].subject_ids == [expert]


def test_the_requester_can_never_approve_their_own_request(client, account, expert):  # type: ignore[no-untyped-def]
    reviewer = account(role="reviewer")
    approval = ask(client, reviewer, subject_ids=[expert]).json()["id"]
    r = client.post(f"/api/v1/approvals/{approval}/approve", json={}, headers=reviewer)
    assert r.status_code == 403 and "本人" in r.json()["detail"]
    assert (
        client.post(f"/api/v1/approvals/{approval}/reject", json={"note": "x"}, headers=reviewer).status_code
        == 403
    )


def test_a_system_token_cannot_approve_and_other_roles_cannot_either(client, auth, people, expert):  # type: ignore[no-untyped-def]
    approval = ask(client, people["recorder"], subject_ids=[expert]).json()["id"]
    r = client.post(f"/api/v1/approvals/{approval}/approve", json={}, headers=auth("reviewer"))
    assert r.status_code == 403 and "系统令牌" in r.json()["detail"]
    assert (
        client.post(f"/api/v1/approvals/{approval}/approve", json={}, headers=auth("regulator")).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/approvals/{approval}/approve", json={}, headers=people["recorder"]).status_code
        == 403
    )


def test_a_grant_is_narrow(client, people, expert, make_subject):  # type: ignore[no-untyped-def]
    other = make_subject("expert")
    approval = ask(client, people["recorder"], subject_ids=[expert]).json()["id"]
    client.post(f"/api/v1/approvals/{approval}/approve", json={}, headers=people["reviewer"])
    assert client.get(f"/api/v1/subjects/{other}/pii", headers=people["recorder"]).status_code == 403
    assert client.get(f"/api/v1/subjects/{expert}/pii", headers=people["recorder"]).status_code == 200


def test_an_expired_grant_is_refused(client, people, expert):  # type: ignore[no-untyped-def]
    approval = ask(client, people["recorder"], subject_ids=[expert]).json()["id"]
    client.post(f"/api/v1/approvals/{approval}/approve", json={"valid_hours": 1}, headers=people["reviewer"])
    with clock.freeze(clock.now() + timedelta(hours=1, seconds=1)):
        assert client.get(f"/api/v1/subjects/{expert}/pii", headers=people["recorder"]).status_code == 403
        listed = client.get("/api/v1/approvals?state=expired", headers=people["reviewer"]).json()
        assert [i["id"] for i in listed["items"]] == [approval] and listed["items"][0]["state"] == "expired"


def test_pending_requests_lapse(client, people, expert):  # type: ignore[no-untyped-def]
    approval = ask(client, people["recorder"], subject_ids=[expert]).json()["id"]
    with clock.freeze(clock.now() + timedelta(days=service.PENDING_DAYS, minutes=1)):
        r = client.post(f"/api/v1/approvals/{approval}/approve", json={}, headers=people["reviewer"])
        assert r.status_code == 409


def test_requests_are_listed_by_state(client, people, expert, make_subject, account):  # type: ignore[no-untyped-def]
    subjects = [expert, *(make_subject("expert") for _ in range(3))]
    ids = [ask(client, people["recorder"], subject_ids=[s]).json()["id"] for s in subjects]
    client.post(f"/api/v1/approvals/{ids[1]}/approve", json={}, headers=people["reviewer"])
    client.post(f"/api/v1/approvals/{ids[2]}/approve", json={}, headers=people["reviewer"])
    rejected = client.post(
        f"/api/v1/approvals/{ids[3]}/reject", json={"note": "目的不明确"}, headers=people["reviewer"]
    )
    assert rejected.json()["state"] == "rejected" and rejected.json()["decision_note"] == "目的不明确"
    assert (
        client.post(f"/api/v1/approvals/{ids[0]}/reject", json={}, headers=people["reviewer"]).status_code
        == 422
    )
    client.get(f"/api/v1/subjects/{subjects[2]}/pii", headers=people["recorder"])

    def listed(state: str, who: str = "reviewer") -> list[int]:
        page = client.get(f"/api/v1/approvals?state={state}", headers=people[who]).json()
        return sorted(i["id"] for i in page["items"])

    assert listed("pending") == [ids[0]]
    assert listed("approved") == [ids[1]]
    assert listed("used") == [ids[2]]
    assert listed("rejected") == [ids[3]]
    assert listed("pending", "recorder") == [ids[0]]
    # approvers see every request; another requester only their own (none)
    assert client.get("/api/v1/approvals", headers=people["reviewer2"]).json()["total"] == 4
    other_recorder = account(role="recorder")
    assert client.get("/api/v1/approvals", headers=other_recorder).json()["total"] == 0
    assert client.get(f"/api/v1/approvals/{ids[0]}", headers=other_recorder).status_code == 404


def test_requests_are_validated(client, people, expert):  # type: ignore[no-untyped-def]
    r = ask(client, people["recorder"], purpose="看看", subject_ids=[expert])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "purpose"]
    r = ask(client, people["recorder"], subject_ids=[])
    assert r.json()["detail"][0]["loc"] == ["body", "subject_ids"]
    r = ask(client, people["recorder"], subject_ids=[987654])
    assert (
        r.json()["detail"][0]["loc"] == ["body", "subject_ids"] and "987654" in r.json()["detail"][0]["msg"]
    )
    r = ask(client, people["recorder"], kind="credit_change", subject_ids=[expert])
    assert r.json()["detail"][0]["loc"] == ["body", "subject_ids"]


def test_credit_change_grants_for_other_features(db, make_subject, item_for):  # type: ignore[no-untyped-def]
    """The service functions issue #6 calls: require_grant / use_grant on record targets."""
    from ggzy_credit.pii.keys import pii_cipher
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.schemas import RecordIn

    subject = make_subject("responder")
    code, _ = item_for("gov_procurement")
    with db.session() as s:
        rows = [
            RecordIn(
                platform="gov_procurement",
                external_id=f"CC-{n}",
                subject_id=subject,
                item_code=code,
                occurred_on=clock.today(),
                description="更正测试",
                source="manual",
            )
            for n in (1, 2)
        ]
        first, second = (o.id for o in ingest(s, pii_cipher(db.settings.secrets_dir), rows, "test"))
    recorder = Caller(token_id=None, name="li", role=Role.RECORDER, user_id=101)
    reviewer = Caller(token_id=None, name="wang", role=Role.REVIEWER, user_id=102)
    with db.session() as s:
        req = service.request(s, recorder, Kind.CREDIT_CHANGE, "异议成立，撤销记录", record_ids=[first])
        with pytest.raises(Forbidden):
            service.require_grant(s, recorder, Kind.CREDIT_CHANGE, Target.record(first))
        service.decide(s, reviewer, req.id, approve=True)
        grant = service.require_grant(s, recorder, "credit_change", Target.record(first))
        with pytest.raises(Forbidden):
            service.require_grant(
                s, recorder, Kind.CREDIT_CHANGE, [Target.record(first), Target.record(second)]
            )
        with pytest.raises(Forbidden):
            service.require_grant(s, reviewer, Kind.CREDIT_CHANGE, Target.record(first))
        service.use_grant(s, grant)
        assert grant.state == "used"
        with pytest.raises(Forbidden):
            service.require_grant(s, recorder, Kind.CREDIT_CHANGE, Target.record(first))
