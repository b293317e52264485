"""Login and logout pages, the session cookie, CSRF on forms, and who may open which area."""

from __future__ import annotations

import re

PASSWORD = "Portal-test-2026!"


def _token(page: str) -> str:
    found = re.search(r'name="login_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_login_keeps_username_and_shows_error_next_to_password(portal, world):
    form = portal.get("/login")
    assert form.status_code == 200 and 'autocomplete="current-password"' in form.text
    bad = portal.post(
        "/login",
        data={"username": "recorder1", "password": "wrong-Password-1", "login_token": _token(form.text)},
    )
    assert bad.status_code == 401
    assert 'value="recorder1"' in bad.text
    assert re.search(r'id="f-password-error"[^>]*>[^<]*错误', bad.text)
    assert "ggzy_session" not in portal.cookies


def test_empty_fields_are_reported_per_field(portal, world):
    form = portal.get("/login")
    response = portal.post("/login", data={"username": "", "password": "", "login_token": _token(form.text)})
    assert response.status_code == 422
    assert re.search(r'id="f-username-error"[^>]*>请输入用户名', response.text)
    assert re.search(r'id="f-password-error"[^>]*>请输入密码', response.text)


def test_login_form_needs_its_own_token(portal, world):
    response = portal.post("/login", data={"username": "recorder1", "password": PASSWORD, "login_token": "x"})
    assert response.status_code == 403
    assert "ggzy_session" not in portal.cookies


def test_login_lands_on_the_role_home_and_logout_ends_the_session(portal, world, signed_in):
    csrf = signed_in("recorder")
    home = portal.get("/staff")
    assert home.status_code == 200 and "录入信用记录" in home.text
    assert "recorder1" in home.text and "退出登录" in home.text
    assert portal.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert portal.get("/staff").status_code == 200
    out = portal.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    assert portal.get("/staff").status_code == 303


def test_protected_pages_redirect_to_login_and_come_back(portal, world):
    response = portal.get("/staff/records/new")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fstaff%2Frecords%2Fnew"
    form = portal.get(response.headers["location"])
    assert 'name="next" value="/staff/records/new"' in form.text
    done = portal.post(
        "/login",
        data={
            "username": "recorder1",
            "password": PASSWORD,
            "next": "/staff/records/new",
            "login_token": _token(form.text),
        },
    )
    assert done.headers["location"] == "/staff/records/new"


def test_next_never_leaves_the_site(portal, world):
    form = portal.get("/login")
    done = portal.post(
        "/login",
        data={
            "username": "recorder1",
            "password": PASSWORD,
            "next": "//evil.example",
            "login_token": _token(form.text),
        },
    )
    assert done.headers["location"] == "/staff"


def test_roles_reach_only_their_areas(portal, world, signed_in):
    signed_in("subject")
    assert portal.get("/staff").status_code == 403
    assert portal.get("/regulator").status_code == 403
    assert portal.get("/my").headers["location"] == f"/my/subjects/{world.company}"
    assert portal.get(f"/my/subjects/{world.company}").status_code == 200
    other = portal.get(f"/my/subjects/{world.clean}")
    assert other.status_code == 403 and "本账号所代表" in other.text


def test_form_post_without_csrf_is_refused(portal, world, signed_in):
    signed_in("recorder")
    response = portal.post("/staff/records/new", data={"platform": "gov_procurement"})
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_every_portal_route_declares_its_callers(app):
    from ggzy_credit.auth.policy import api_routes, policies_of

    portal = (
        "/my",
        "/staff",
        "/regulator",
        "/login",
        "/logout",
        "/search",
        "/subjects/",
        "/standards",
        "/data-list",
        "/records/",
    )
    pages = [(m, p, r) for m, p, r in api_routes(app) if p == "/" or p.startswith(portal)]
    assert len(pages) > 30
    assert [f"{m} {p}" for m, p, r in pages if not policies_of(r)] == []
    assert all(
        getattr(r, "summary", None) for m, p, r in pages if p.startswith(("/my", "/staff", "/regulator"))
    )
