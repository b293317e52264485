"""API shapes for platforms and standards; item fields are named as the standard publishes them."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from ggzy_credit.standards.models import Platform, Standard
from ggzy_credit.standards.service import item_dict


class StandardSummary(BaseModel):
    version: str
    title: str
    status: str
    filed_on: date | None
    filed_with: str | None
    effective_from: date | None


class PlatformOut(BaseModel):
    code: str
    name: str
    kind: str
    sector: str
    regulator: str
    current_version: str | None
    versions: list[StandardSummary]


class ItemOut(BaseModel):
    code: str
    name: str
    category: str
    applies_to: list[str]
    kind: str
    points: int
    severity: str
    legal_basis: str
    public: bool


class StandardOut(StandardSummary):
    platform: str
    platform_name: str
    bands: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    repair: dict[str, Any]
    false_commitment_item: str | None
    items: list[ItemOut]


def summary(s: Standard) -> StandardSummary:
    return StandardSummary(
        version=s.version,
        title=s.title,
        status=s.status,
        filed_on=s.filed_on,
        filed_with=s.filed_with,
        effective_from=s.effective_from,
    )


def standard_out(p: Platform, s: Standard) -> StandardOut:
    rules = s.rules or {}
    return StandardOut(
        **summary(s).model_dump(),
        platform=p.code,
        platform_name=p.name,
        bands=rules.get("bands", []),
        measures=rules.get("measures", []),
        repair=rules.get("repair", {}),
        false_commitment_item=rules.get("false_commitment_item"),
        items=[ItemOut(**item_dict(i)) for i in s.items],
    )
