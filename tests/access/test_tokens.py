"""API tokens: hashed, scoped, expiring, revocable, rotatable; the CLI for tokens and users."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.auth.models import ApiToken
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import create_token, hash_token
from ggzy_credit.cli.main import app as cli

runner = CliRunner()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_tokens_are_stored_hashed(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        row, secret = create_token(s, Role.RECORDER, "分平台")
    with db.session() as s:
        stored = s.get(ApiToken, row.id)
        assert stored.token_hash == hash_token(secret) and secret not in (stored.token_hash, stored.prefix)


def test_scopes_limit_what_a_token_may_do(client, db, make_subject):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    with db.session() as s:
        _, read_only = create_token(s, Role.RECORDER, "只读", scopes=["read"])
        _, records_write = create_token(s, Role.RECORDER, "推送", scopes=["records:write"])
    assert client.get(f"/api/v1/subjects/{subject}", headers=bearer(read_only)).status_code == 200
    r = client.post("/api/v1/records", json={}, headers=bearer(read_only))
    assert r.status_code == 403 and r.json()["code"] == "forbidden_scope"
    assert client.post("/api/v1/records", json={}, headers=bearer(records_write)).status_code == 422
    assert client.get(f"/api/v1/subjects/{subject}", headers=bearer(records_write)).status_code == 403
    assert (
        client.patch(f"/api/v1/subjects/{subject}", json={}, headers=bearer(records_write)).status_code == 403
    )


def test_expired_and_revoked_tokens_are_refused(client, db, auth):  # type: ignore[no-untyped-def]
    with db.session() as s:
        row, secret = create_token(s, Role.BANK, "银行", valid_days=30)
    assert client.get("/api/v1/auth/me", headers=bearer(secret)).status_code == 200
    with clock.freeze(clock.now() + timedelta(days=31)):
        r = client.get("/api/v1/auth/me", headers=bearer(secret))
        assert r.status_code == 401 and r.json()["detail"] == "令牌无效、已过期或已吊销"
    assert client.delete(f"/api/v1/tokens/{row.id}", headers=auth("admin")).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(secret)).status_code == 401


def test_rotation_keeps_the_old_token_for_a_grace_period(client, db, auth):  # type: ignore[no-untyped-def]
    with db.session() as s:
        row, old = create_token(
            s,
            Role.RECORDER,
            "推送",
            scopes=["records:write"],
            platforms=["engineering"],
            organisation="工程建设分平台",
            valid_days=90,
        )
    r = client.post("/api/v1/auth/token/rotate", json={"grace_hours": 2}, headers=bearer(old))
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["rotated_from_id"] == row.id and new["scopes"] == ["records:write"]
    assert new["platforms"] == ["engineering"] and new["organisation"] == "工程建设分平台"
    assert client.get("/api/v1/auth/me", headers=bearer(old)).status_code == 200  # /auth is outside scopes
    assert client.get("/api/v1/subjects", headers=bearer(old)).status_code == 403  # scope: records:write only
    with clock.freeze(clock.now() + timedelta(hours=3)):
        assert client.post("/api/v1/records", json={}, headers=bearer(old)).status_code == 401
        assert client.post("/api/v1/records", json={}, headers=bearer(new["token"])).status_code == 422
    listed = client.get("/api/v1/tokens", headers=auth("admin")).json()
    assert {t["id"] for t in listed} >= {row.id, new["id"]} and all("token" not in t for t in listed)


def test_admin_issues_personal_tokens_that_follow_the_user(client, auth, make_subject):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    user = client.post(
        "/api/v1/users",
        headers=auth("admin"),
        json={
            "username": "firm-a",
            "password": "Jia-company-1",
            "role": "subject",
            "display_name": "甲公司",
            "subject_ids": [subject],
        },
    ).json()
    token = client.post(
        "/api/v1/tokens", headers=auth("admin"), json={"name": "甲公司接口", "user_id": user["id"]}
    )
    assert token.status_code == 201 and token.json()["role"] == "subject"
    me = client.get("/api/v1/auth/me", headers=bearer(token.json()["token"])).json()
    assert me["subject_ids"] == [subject] and me["user_id"] == user["id"] and me["via"] == "token"
    client.post(f"/api/v1/users/{user['id']}/lock", headers=auth("admin"))
    assert client.get("/api/v1/auth/me", headers=bearer(token.json()["token"])).status_code == 401


def test_user_creation_validates(client, auth):  # type: ignore[no-untyped-def]
    weak = client.post(
        "/api/v1/users",
        headers=auth("admin"),
        json={
            "username": "reg1",
            "password": "weakpassword",
            "role": "regulator",
            "display_name": "李",
            "organisation": "x",
        },
    )
    assert weak.status_code == 422 and weak.json()["detail"][0]["loc"] == ["body", "password"]
    no_org = client.post(
        "/api/v1/users",
        headers=auth("admin"),
        json={"username": "reg1", "password": "Strong-pass-1", "role": "regulator", "display_name": "李"},
    )
    assert no_org.status_code == 422 and no_org.json()["detail"][0]["loc"] == ["body", "organisation"]
    no_subject = client.post(
        "/api/v1/users",
        headers=auth("admin"),
        json={"username": "firm", "password": "Strong-pass-1", "role": "subject", "display_name": "甲"},
    )
    assert no_subject.json()["detail"][0]["loc"] == ["body", "subject_ids"]
    bad_platform = client.post(
        "/api/v1/users",
        headers=auth("admin"),
        json={
            "username": "reg2",
            "password": "Strong-pass-1",
            "role": "regulator",
            "display_name": "李",
            "organisation": "市财政局",
            "platforms": ["atlantis"],
        },
    )
    assert bad_platform.json()["detail"][0]["loc"] == ["body", "platforms"]
    assert client.post("/api/v1/users", headers=auth("recorder"), json={}).status_code == 403


def test_cli_token_scope_rotate_revoke(cli_env):  # type: ignore[no-untyped-def]
    made = runner.invoke(
        cli,
        [
            "token",
            "create",
            "--role",
            "recorder",
            "--name",
            "推送",
            "--scope",
            "records:write",
            "--platform",
            "engineering",
            "--valid-days",
            "30",
        ],
    )
    assert made.exit_code == 0, made.output
    with cli_env.session() as s:
        row = s.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(made.output.strip().splitlines()[-1]))
        )
        assert (
            row.scopes == ["records:write"]
            and row.platforms == ["engineering"]
            and row.expires_at is not None
        )
    bad = runner.invoke(
        cli, ["token", "create", "--role", "recorder", "--name", "x", "--scope", "everything"]
    )
    assert bad.exit_code == 2 and "scopes" in bad.output
    rotated = runner.invoke(cli, ["token", "rotate", str(row.id), "--grace-hours", "0"])
    assert rotated.exit_code == 0, rotated.output
    new_secret = rotated.output.strip().splitlines()[-1]
    with cli_env.session() as s:
        new = s.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(new_secret)))
        assert new.rotated_from_id == row.id and s.get(ApiToken, row.id).expires_at <= clock.now()
    assert runner.invoke(cli, ["token", "revoke", str(new.id)]).exit_code == 0
    assert runner.invoke(cli, ["token", "revoke", "99999"]).exit_code == 2


def test_cli_users(cli_env, make_subject):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    made = runner.invoke(
        cli,
        [
            "user",
            "create",
            "--username",
            "firm",
            "--role",
            "subject",
            "--display-name",
            "甲公司",
            "--subject",
            str(subject),
            "--password-stdin",
        ],
        input="Jia-company-1\n",
    )
    assert made.exit_code == 0, made.output
    weak = runner.invoke(
        cli,
        [
            "user",
            "create",
            "--username",
            "weak",
            "--role",
            "admin",
            "--display-name",
            "x",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert weak.exit_code == 2 and "password" in weak.output
    assert (
        runner.invoke(cli, ["user", "passwd", "firm", "--password-stdin"], input="Jia-company-2\n").exit_code
        == 0
    )
    assert runner.invoke(cli, ["user", "lock", "firm"]).exit_code == 0
    assert runner.invoke(cli, ["user", "unlock", "firm"]).exit_code == 0
    refused = runner.invoke(cli, ["user", "totp-enable", "firm"])
    assert refused.exit_code == 2
    staff = runner.invoke(
        cli,
        [
            "user",
            "create",
            "--username",
            "rev",
            "--role",
            "reviewer",
            "--display-name",
            "复核",
            "--password-stdin",
        ],
        input="Reviewer-pass-1\n",
    )
    assert staff.exit_code == 0
    totp = runner.invoke(cli, ["user", "totp-enable", "rev"])
    assert totp.exit_code == 0 and totp.output.strip().splitlines()[-1].startswith("otpauth://totp/")
    listed = runner.invoke(cli, ["user", "list"])
    assert "firm" in listed.output and "rev" in listed.output
    made_token = runner.invoke(cli, ["token", "create", "--name", "甲公司接口", "--user", "firm"])
    assert made_token.exit_code == 0, made_token.output
