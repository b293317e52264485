"""Authorisations: a subject grants a named bank access for a bounded period, lists and revokes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.financing.models import FinancingGrant

BANK, OTHER_BANK = "中国建设银行上海市分行", "上海浦东发展银行张江支行"  # as in conftest.py


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(FinancingGrant)) or 0


def url(member) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/subjects/{member.subject_id}/financing-grants"


def test_grant_lifecycle(client, member, bank, grant, auth):  # type: ignore[no-untyped-def]
    banker = bank()
    banks = client.get("/api/v1/financing/banks", headers=member.headers).json()["banks"]
    assert BANK in banks

    g = grant(days=30)
    assert (g["bank"], g["state"], g["state_name"], g["subject_name"]) == (
        BANK,
        "active",
        "有效",
        member.name,
    )
    assert g["created_by"].startswith("subject:") and g["revoked_at"] is None

    mine = client.get(url(member), headers=member.headers).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == g["id"]
    theirs = client.get("/api/v1/financing/grants", headers=banker).json()
    assert [i["id"] for i in theirs["items"]] == [g["id"]]
    assert client.get("/api/v1/financing/grants", headers=bank(OTHER_BANK)).json()["total"] == 0
    assert client.get("/api/v1/financing/grants", headers=auth("admin")).json()["total"] == 1

    r = client.post(f"{url(member)}/{g['id']}/revoke", headers=member.headers)
    assert (
        r.status_code == 200
        and r.json()["state"] == "revoked"
        and r.json()["revoked_by"].startswith("subject:")
    )
    again = client.post(f"{url(member)}/{g['id']}/revoke", headers=member.headers).json()
    assert again["revoked_at"] == r.json()["revoked_at"]  # idempotent
    assert client.get(url(member), params={"state": "active"}, headers=member.headers).json()["total"] == 0
    assert client.get(url(member), params={"state": "revoked"}, headers=member.headers).json()["total"] == 1

    # After revoking, a new authorisation for the same bank may be given.
    assert grant(days=10)["state"] == "active"


def test_a_pending_grant_and_the_default_start(client, member, bank, grant):  # type: ignore[no-untyped-def]
    assert grant(start=5, days=5)["state"] == "pending"
    body = {"bank": BANK, "valid_until": str(clock.today() + timedelta(days=60)), "purpose": "授信审查"}
    r = client.post(url(member), json=body, headers=member.headers)
    assert r.status_code == 409 and r.json()["existing_id"]  # overlaps the pending one
    bank(OTHER_BANK)
    r = client.post(url(member), json=body | {"bank": OTHER_BANK}, headers=member.headers)
    assert r.status_code == 201 and r.json()["valid_from"] == str(clock.today())


def test_an_overlapping_grant_to_the_same_bank_is_a_conflict(client, member, grant, db):  # type: ignore[no-untyped-def]
    first = grant(days=30)
    today = clock.today()
    body = {
        "bank": BANK,
        "valid_from": str(today + timedelta(days=30)),
        "valid_until": str(today + timedelta(days=40)),
        "purpose": "续贷审查",
    }
    r = client.post(url(member), json=body, headers=member.headers)
    assert r.status_code == 409 and r.json()["existing_id"] == first["id"] and "重叠" in r.json()["detail"]
    body |= {"valid_from": str(today + timedelta(days=31))}  # the day after: no overlap
    assert client.post(url(member), json=body, headers=member.headers).status_code == 201
    assert count(db) == 2


def _body(**changes: object) -> dict[str, object]:
    today = clock.today()
    body: dict[str, object] = {
        "bank": BANK,
        "valid_from": str(today),
        "valid_until": str(today + timedelta(days=30)),
        "purpose": "流动资金贷款授信审查",
    }
    for key, value in changes.items():
        if value is _MISSING:
            body.pop(key)
        else:
            body[key] = value
    return body


_MISSING = object()


def _days(n: int) -> str:
    return str(clock.today() + timedelta(days=n))


BAD_INPUT = [
    ({"bank": _MISSING}, "bank", "missing"),
    ({"bank": ""}, "bank", "string_too_short"),
    ({"bank": "   "}, "bank", "string_too_short"),
    ({"bank": 123}, "bank", "string_type"),
    ({"bank": "某某不存在的银行"}, "bank", "unknown_bank"),
    ({"bank": "银" * 201}, "bank", "string_too_long"),
    ({"valid_from": "2026-02-30"}, "valid_from", "date_from_datetime_parsing"),
    ({"valid_from": _days(-1)}, "valid_from", "past_date"),
    ({"valid_from": _days(120), "valid_until": _days(130)}, "valid_from", "too_far_ahead"),
    ({"valid_until": _MISSING}, "valid_until", "missing"),
    ({"valid_until": "明年"}, "valid_until", "date_from_datetime_parsing"),
    ({"valid_until": _days(-2), "valid_from": _days(0)}, "valid_until", "date_order"),
    ({"valid_from": _days(5), "valid_until": _days(4)}, "valid_until", "date_order"),
    ({"valid_until": _days(400)}, "valid_until", "range_too_long"),
    ({"purpose": _MISSING}, "purpose", "missing"),
    ({"purpose": "贷"}, "purpose", "string_too_short"),
    ({"purpose": "贷" * 201}, "purpose", "string_too_long"),
    ({"purpose": ["贷款"]}, "purpose", "string_type"),
    ({"extra": 1}, "extra", "extra_forbidden"),
]


def test_bad_input_names_the_field_and_writes_nothing(client, member, bank, db):  # type: ignore[no-untyped-def]
    bank()
    for changes, field, kind in BAD_INPUT:
        r = client.post(url(member), json=_body(**changes), headers=member.headers)
        assert r.status_code == 422, (changes, r.text)
        problems = {(p["loc"][-1], p["type"]) for p in r.json()["detail"]}
        assert (field, kind) in problems, (changes, problems)
    assert count(db) == 0
    assert client.post(url(member), json=_body(), headers=member.headers).status_code == 201


def test_a_bank_is_known_only_while_it_has_a_live_account_or_token(client, member, db, tokens):  # type: ignore[no-untyped-def]
    from ggzy_credit.auth.accounts import create_user, get_user, lock
    from ggzy_credit.auth.roles import Role
    from ggzy_credit.auth.tokens import create_token, revoke_token

    banks = lambda: client.get("/api/v1/financing/banks", headers=member.headers).json()["banks"]  # noqa: E731
    assert banks() == []  # the plain "test-bank" token has no organisation
    with db.session() as s:
        row, _ = create_token(s, Role.BANK, "银行系统", organisation="农行系统对接")
        token_id = row.id
    assert banks() == ["农行系统对接"]
    with db.session() as s:
        revoke_token(s, token_id)
    assert banks() == []
    with db.session() as s:
        user = create_user(
            s,
            username="loan-officer",
            password="Ggzy-test-2026!",
            role=Role.BANK,
            display_name="信贷员",
            organisation="工商银行静安支行",
        )
        user_id = user.id
    assert banks() == ["工商银行静安支行"]
    with db.session() as s:
        lock(s, get_user(s, user_id))
    assert banks() == []


def test_unknown_subject_and_foreign_grants(client, member, account, make_subject, grant, db):  # type: ignore[no-untyped-def]
    from ggzy_credit.auth.caller import Caller
    from ggzy_credit.auth.roles import Role
    from ggzy_credit.errors import NotFound
    from ggzy_credit.financing import service

    g = grant()
    caller = Caller(token_id=None, name="x", role=Role.SUBJECT, subject_id=member.subject_id)
    with db.session() as s, pytest.raises(NotFound):
        service.create_grant(
            s, caller, 999_999, bank=BANK, valid_from=None, valid_until=clock.today(), purpose="审查"
        )
    # Another subject's account may neither see nor revoke nor create on the member's behalf.
    other = account(make_subject("responder"))
    assert client.get(url(member), headers=other).status_code == 403
    assert client.post(f"{url(member)}/{g['id']}/revoke", headers=other).status_code == 403
    assert client.post(url(member), json=_body(), headers=other).status_code == 403
    assert (
        client.post("/api/v1/subjects/999999/financing-grants", json=_body(), headers=other).status_code
        == 403
    )
    # A grant id that is not the member's is not found under the member.
    assert client.post(f"{url(member)}/{g['id'] + 1000}/revoke", headers=member.headers).status_code == 404
    assert count(db) == 1


def test_only_the_subject_gives_and_revokes_grants(client, member, grant, auth, bank):  # type: ignore[no-untyped-def]
    g = grant()
    for headers in [*(auth(role) for role in ("admin", "recorder", "reviewer", "regulator", "bank")), bank()]:
        assert client.post(url(member), json=_body(), headers=headers).status_code == 403
        assert client.get(url(member), headers=headers).status_code == 403
        assert client.post(f"{url(member)}/{g['id']}/revoke", headers=headers).status_code == 403
    assert client.get(url(member), headers=member.headers).json()["items"][0]["state"] == "active"


def test_grant_listing_is_for_banks_and_the_centre(client, auth, member):  # type: ignore[no-untyped-def]
    for role in ("recorder", "reviewer", "regulator"):
        assert client.get("/api/v1/financing/grants", headers=auth(role)).status_code == 403
    assert client.get("/api/v1/financing/grants", headers=member.headers).status_code == 403
    assert client.get("/api/v1/financing/banks", headers=auth("bank")).status_code == 403


def test_a_bank_account_without_organisation_sees_no_grants(client, auth, grant):  # type: ignore[no-untyped-def]
    grant()
    r = client.get("/api/v1/financing/grants", headers=auth("bank"))
    assert r.status_code == 403 and "所属单位" in r.json()["detail"]
    assert client.get("/api/v1/financing/grants").status_code == 401
