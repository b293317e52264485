"""Portal login: argon2id passwords, policy, lockout with back-off, TOTP, session cookies and CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ggzy_credit import clock
from ggzy_credit.auth import passwords
from ggzy_credit.auth.login import lock_for
from ggzy_credit.auth.models import User
from ggzy_credit.errors import InvalidInput

PASSWORD = "Ggzy-test-2026!"


def test_login_sets_secure_session_and_csrf_cookies(https, make_user, db, login):  # type: ignore[no-untyped-def]
    make_user("alice", "reviewer", display_name="王审核")
    r = login(https, "Alice")
    assert r.status_code == 200, r.text
    assert r.json()["caller"] == {
        "name": "alice",
        "role": "reviewer",
        "organisation": None,
        "user_id": r.json()["caller"]["user_id"],
        "subject_ids": [],
        "platforms": None,
        "scopes": None,
        "via": "session",
    }
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("ggzy_session="))
    assert "HttpOnly" in session_cookie and "Secure" in session_cookie and "SameSite=lax" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith("ggzy_csrf="))
    assert "HttpOnly" not in csrf_cookie and "Secure" in csrf_cookie
    with db.session() as s:
        stored = s.query(User).filter_by(username="alice").one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert https.get("/api/v1/auth/me").json()["via"] == "session"


def test_unsafe_requests_with_the_cookie_need_the_csrf_token(https, make_user, login):  # type: ignore[no-untyped-def]
    make_user("alice", "reviewer")
    csrf = login(https, "alice").json()["csrf_token"]
    body = {"kind": "unmask_pii", "purpose": "核查身份信息", "subject_ids": [1]}
    r = https.post("/api/v1/approvals", json=body)
    assert r.status_code == 403 and r.json()["code"] == "csrf" and "X-CSRF-Token" in r.json()["detail"]
    r = https.post("/api/v1/approvals", json=body, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    r = https.post("/api/v1/approvals", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422  # past the guard: subject 1 does not exist
    assert https.get("/api/v1/auth/me").status_code == 200  # safe methods need no token


def test_bearer_tokens_need_no_csrf_token(client, auth):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/approvals",
        json={"kind": "unmask_pii", "purpose": "核查身份信息", "subject_ids": [1]},
        headers=auth("admin"),
    )
    assert r.status_code == 422


def test_logout_ends_the_session(https, make_user, login):  # type: ignore[no-untyped-def]
    make_user("alice", "admin")
    csrf = login(https, "alice").json()["csrf_token"]
    cookie = https.cookies.get("ggzy_session")
    assert https.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    r = https.get("/api/v1/auth/me", cookies={"ggzy_session": cookie})
    assert r.status_code == 401 and r.json()["detail"] == "登录已失效，请重新登录"


def test_idle_sessions_expire(https, make_user, login):  # type: ignore[no-untyped-def]
    make_user("alice", "admin")
    login(https, "alice")
    with clock.freeze(clock.now() + timedelta(minutes=31)):
        assert https.get("/api/v1/auth/me").status_code == 401


def test_a_failed_login_is_clear_and_does_not_say_which_part_was_wrong(https, make_user, login):  # type: ignore[no-untyped-def]
    make_user("alice", "reviewer")
    wrong_password = login(https, "alice", "Wrong-password-1")
    unknown_user = login(https, "nobody", "Wrong-password-1")
    for r in (wrong_password, unknown_user):
        assert r.status_code == 401
        assert r.json() == {"detail": "用户名、密码或动态口令错误", "code": "login_failed"}
        assert "ggzy_session" not in r.headers.get("set-cookie", "")


def test_five_failures_lock_the_name_with_back_off(https, make_user, db, login):  # type: ignore[no-untyped-def]
    make_user("alice", "reviewer")
    for _ in range(5):
        assert login(https, "alice", "Wrong-password-1").status_code == 401
    locked = login(https, "alice")  # even the right password waits
    assert locked.status_code == 429 and locked.json()["code"] == "rate_limited"
    assert "登录失败次数过多" in locked.json()["detail"] and 0 < int(locked.headers["Retry-After"]) <= 60
    with clock.freeze(clock.now() + timedelta(seconds=61)):
        assert login(https, "alice", "Wrong-password-1").status_code == 401  # 6th failure: 2 minutes
        assert login(https, "alice").status_code == 429
    with clock.freeze(clock.now() + timedelta(minutes=4)):
        assert login(https, "alice").status_code == 200
    assert [lock_for(n).total_seconds() for n in (4, 5, 6, 7, 20)] == [0, 60, 120, 240, 3600]


def test_unknown_names_lock_the_same_way(https, login):  # type: ignore[no-untyped-def]
    for _ in range(5):
        login(https, "ghost", "Wrong-password-1")
    assert login(https, "ghost", "Wrong-password-1").status_code == 429


def test_unlock_clears_the_back_off(https, make_user, cli_env, login):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from ggzy_credit.cli.main import app

    make_user("alice", "reviewer")
    for _ in range(5):
        login(https, "alice", "Wrong-password-1")
    assert login(https, "alice").status_code == 429
    assert CliRunner().invoke(app, ["user", "unlock", "alice"]).exit_code == 0
    assert login(https, "alice").status_code == 200


def test_a_locked_account_cannot_log_in_and_its_sessions_end(https, make_user, auth, login):  # type: ignore[no-untyped-def]
    user = make_user("alice", "reviewer")
    login(https, "alice")
    assert https.get("/api/v1/auth/me").status_code == 200
    assert https.post(f"/api/v1/users/{user.id}/lock", headers=auth("admin")).json()["locked"] is True
    assert https.get("/api/v1/auth/me").status_code == 401
    assert login(https, "alice").json()["code"] == "login_failed"
    https.post(f"/api/v1/users/{user.id}/unlock", headers=auth("admin"))
    assert login(https, "alice").status_code == 200


def test_totp_second_factor(https, make_user, db, cipher, login):  # type: ignore[no-untyped-def]
    from ggzy_credit.auth import accounts, totp

    make_user("reg", "regulator")
    with db.session() as s:
        secret, uri = accounts.enable_totp(s, cipher, accounts.get_user(s, "reg"))
    assert uri.startswith("otpauth://totp/ggzy-credit:reg?secret=")
    needs = login(https, "reg")
    assert needs.status_code == 401 and needs.json()["code"] == "totp_required"
    assert login(https, "reg", totp="000000").json()["code"] == "login_failed"
    code = totp.code_at(secret, clock.now().timestamp())
    assert login(https, "reg", totp=code).status_code == 200
    assert login(https, "reg", totp=code).status_code == 401  # the same code cannot be replayed


def test_totp_is_for_staff_and_regulators_only(make_user, db, cipher, make_subject):  # type: ignore[no-untyped-def]
    from ggzy_credit.auth import accounts

    make_user("firm", "subject", subject_ids=[make_subject("responder")])
    with db.session() as s, pytest.raises(InvalidInput):
        accounts.enable_totp(s, cipher, accounts.get_user(s, "firm"))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Sh0rt!", "password_too_short"),
        ("alllowercaseletters", "password_too_weak"),
        ("lowercase123456", "password_too_weak"),
        ("Xalice-2026x", "password_contains_username"),
    ],
)
def test_password_policy(password: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as err:
        passwords.check_policy(password, "alice")
    assert err.value.problems[0].type == problem and err.value.problems[0].loc == ("body", "password")
    passwords.check_policy("Correct-Horse-7", "alice")


def test_password_change_ends_sessions(https, make_user, login):  # type: ignore[no-untyped-def]
    make_user("alice", "recorder")
    csrf = login(https, "alice").json()["csrf_token"]
    bad = https.post(
        "/api/v1/auth/password",
        json={"current_password": "nope", "new_password": "Another-pass-9"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "current_password"]
    ok = https.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "Another-pass-9"},
        headers={"X-CSRF-Token": csrf},
    )
    assert ok.status_code == 204
    assert https.get("/api/v1/auth/me").status_code == 401
    assert login(https, "alice", "Another-pass-9").status_code == 200


def test_login_is_rate_limited_per_ip(db, login):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from ggzy_credit.web.app import create_app

    app = create_app(db.settings.model_copy(update={"rate_login_per_minute": 3}), db.engine)
    client = TestClient(app, base_url="https://testserver")
    codes = [login(client, f"user{i}", "Wrong-password-1").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    r = login(client, "user9", "Wrong-password-1")
    assert r.json() == {
        "detail": r.json()["detail"],
        "code": "rate_limited",
        "retry_after": int(r.headers["Retry-After"]),
    }
    assert r.json()["detail"].startswith("请求过于频繁，请") and int(r.headers["Retry-After"]) >= 1
