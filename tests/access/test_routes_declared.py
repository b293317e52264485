"""Every route of the application declares who may call it (allow(...) or public())."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggzy_credit.auth.matrix import build_app, render
from ggzy_credit.auth.policy import FRAMEWORK_PUBLIC, Policy, api_routes, combine, policies_of, policy_of
from ggzy_credit.auth.roles import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


@pytest.fixture(scope="module")
def whole_app():  # type: ignore[no-untyped-def]
    return build_app()


def test_every_route_declares_a_policy(whole_app):  # type: ignore[no-untyped-def]
    routes = list(api_routes(whole_app))
    assert len(routes) > 30
    missing = [f"{m} {p}" for m, p, r in routes if policy_of(r) is None and p not in FRAMEWORK_PUBLIC]
    assert not missing, (
        "routes without a declared policy — add Depends(allow(...)) or Depends(public()) from web.deps: "
        + ", ".join(missing)
    )


def test_framework_routes_are_the_only_undeclared_ones(whole_app):  # type: ignore[no-untyped-def]
    undeclared = {p for _, p, r in api_routes(whole_app) if not policies_of(r)}
    assert undeclared <= FRAMEWORK_PUBLIC


def test_the_access_matrix_document_is_current(whole_app):  # type: ignore[no-untyped-def]
    assert DOC.read_text(encoding="utf-8") == render(whole_app), (
        "docs/access.md is out of date: run "
        "`.venv/bin/python -m ggzy_credit.auth.matrix --write docs/access.md`"
    )


def test_a_route_without_policy_is_reported(whole_app):  # type: ignore[no-untyped-def]
    from fastapi import APIRouter, FastAPI

    app = FastAPI()
    router = APIRouter()

    @router.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(router)
    assert [p for _, p, r in api_routes(app) if policy_of(r) is None and p not in FRAMEWORK_PUBLIC] == [
        "/api/v1/forgotten"
    ]
    assert "**NO POLICY**" in render(app)


def test_policies_combine_by_intersection() -> None:
    a = Policy.of([Role.ADMIN, Role.SUBJECT, Role.BANK])
    b = Policy.of([Role.ADMIN, Role.SUBJECT], own=Role.SUBJECT, nonpublic=False)
    both = combine([a, b])
    assert both is not None and both.roles == {Role.ADMIN, Role.SUBJECT} and both.own == {Role.SUBJECT}
    assert both.nonpublic
    with pytest.raises(ValueError):
        Policy.of([Role.ADMIN], own=Role.SUBJECT)
    with pytest.raises(ValueError):
        Policy.of([])
