"""The web portal (门户): server-rendered pages for the public, market entities, staff and regulators.

``router`` holds every page and the static assets; ``web/app.py`` includes it beside the JSON API.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from ggzy_credit.portal import (
    approvals_inbox,
    entity,
    entity_cases,
    entity_objections,
    login,
    pii,
    public,
    record_entry,
    regulator,
    staff,
    staff_cases,
    staff_commitments,
    staff_objections,
    staff_records,
    warnings,
)
from ggzy_credit.portal.render import STATIC_PREFIX

router = APIRouter(include_in_schema=False)
router.include_router(public.router)
router.include_router(login.router)
router.include_router(pii.router)
router.include_router(staff.router)
router.include_router(record_entry.router)
router.include_router(staff_records.router)
router.include_router(entity.router)
router.include_router(entity_cases.router)
router.include_router(entity_objections.router)
router.include_router(staff_objections.router)
router.include_router(staff_cases.router)
router.include_router(staff_commitments.router)
router.include_router(approvals_inbox.router)
router.include_router(regulator.router)
router.include_router(warnings.router)
router.mount(
    STATIC_PREFIX,
    StaticFiles(directory=str(resources.files("ggzy_credit.portal") / "static")),
    name="portal-static",
)
