"""Walk the access matrix: every declared route × every role (and no credentials).

A caller outside a route's policy must get 401 (no credentials) or 403 (wrong role, or a market-entity
account on an own-data route for a subject it does not act for) — never past the guard. Callers inside
the policy must get past it: whatever the handler then answers for minimal parameters (404, 422, …),
it is not the guard's refusal. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ggzy_credit.auth.policy import FRAMEWORK_PUBLIC, api_routes, policy_of
from ggzy_credit.auth.roles import Role

GUARD_REFUSALS = {
    "当前角色无权执行此操作",
    "只能查看或办理本账号所代表经营主体的信息",
    "该信用记录未公开，只有记录所涉经营主体可以查看",
}


@pytest.fixture
def world(db, make_subject, item_for, auth, account, tokens):  # type: ignore[no-untyped-def]
    """Someone else's subject with a published record, and one caller per role."""
    from ggzy_credit.pii.keys import pii_cipher
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.schemas import RecordIn

    own = make_subject("responder")
    other = make_subject("responder")
    code, _ = item_for("gov_procurement")
    with db.session() as session:
        [outcome] = ingest(
            session,
            pii_cipher(db.settings.secrets_dir),
            [
                RecordIn(
                    platform="gov_procurement",
                    external_id="MATRIX-1",
                    subject_id=other,
                    item_code=code,
                    occurred_on="2026-01-05",
                    deducted_on="2026-01-06",
                    description="矩阵测试",
                    source="manual",
                )
            ],
            "test",
        )
    callers = {role: auth(role) for role in Role if role is not Role.SUBJECT}
    callers[Role.SUBJECT] = account(own)
    return {"subject_id": other, "record_id": outcome.id, "callers": callers}


def concrete(path: str, route, world) -> str:  # type: ignore[no-untyped-def]
    params = {p.name: p for p in route.dependant.path_params}

    def value(match: re.Match) -> str:  # type: ignore[type-arg]
        name = match.group(1).split(":")[0]
        if name in ("subject_id", "record_id"):
            return str(world[name])
        if name == "sha256":
            return "0" * 64
        if name == "platform":
            return "gov_procurement"
        field = params.get(name)
        annotation = getattr(getattr(field, "field_info", None), "annotation", None)
        return "999999" if annotation is int else "x"

    return re.sub(r"\{([^}]+)\}", value, path)


def test_every_route_refuses_every_role_outside_its_policy(db, world):  # type: ignore[no-untyped-def]
    from ggzy_credit.web.app import create_app

    settings = db.settings.model_copy(
        update={"rate_login_per_minute": 0, "rate_public_per_minute": 0, "rate_search_per_minute": 0}
    )
    app = create_app(settings, db.engine)
    client = TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False
    )
    checked = 0
    for method, path, route in api_routes(app):
        if path in FRAMEWORK_PUBLIC:
            continue
        policy = policy_of(route)
        assert policy is not None, f"{method} {path} declares no policy"
        url = concrete(path, route, world)
        portal = not path.startswith("/api/")

        r = client.request(method, url)
        if not policy.public:
            if portal:
                assert r.status_code in (401, 303), (method, path, r.status_code)
                if r.status_code == 303:
                    assert r.headers["location"].startswith("/login"), (method, path)
            else:
                assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
                assert r.json()["code"] == "unauthenticated"
        inside_checked = False
        for role, headers in world["callers"].items():
            inside = policy.admits(role) and role not in policy.own
            if inside and inside_checked:
                continue  # one admitted role per route shows the guard lets it through; keeps the walk fast
            r = client.request(method, url, headers=headers)
            assert r.status_code != 401, (method, path, role.value, r.text[:200])
            if inside:
                assert not (r.status_code == 403 and _detail(r) in GUARD_REFUSALS), (method, path, role.value)
                inside_checked = True
            else:  # outside the policy, or an own-data role on someone else's subject
                assert r.status_code == 403, (method, path, role.value, r.status_code, r.text[:200])
            checked += 1
    assert checked > 150


def _detail(response) -> str:  # type: ignore[no-untyped-def]
    try:
        body = response.json()
    except ValueError:
        return next((m for m in GUARD_REFUSALS if m in response.text), "")
    return body.get("detail") if isinstance(body, dict) and isinstance(body.get("detail"), str) else ""
