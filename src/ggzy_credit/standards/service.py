"""Platforms and scoring standards: loading the shipped defaults, finding the version in force."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.errors import NotFound
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.sources import STANDARD_DRAFTED, STANDARD_FILED, STANDARDS
from ggzy_credit.standards import schema
from ggzy_credit.standards.files import load_shipped
from ggzy_credit.standards.models import Platform, Standard, StandardItem


@dataclass
class LoadReport:
    platforms_added: int = 0
    versions_added: int = 0
    items_added: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.platforms_added or self.versions_added)


def load_defaults(session: Session, files: Sequence[schema.PlatformFile] | None = None) -> LoadReport:
    """Insert shipped platforms and standard versions that are not there yet (idempotent).

    A version already in the database is never touched: filed standards are immutable, and a
    change must be a new version (DESIGN §2 "Platforms and standards").
    """
    report = LoadReport()
    for pf in files if files is not None else load_shipped():
        platform = session.scalar(select(Platform).where(Platform.code == pf.platform.code))
        if platform is None:
            platform = Platform(
                code=pf.platform.code,
                name=pf.platform.name,
                kind=pf.platform.kind,
                sector=pf.platform.sector or "",
                regulator=pf.platform.regulator or "",
                commitment_templates=[t.model_dump(mode="json") for t in pf.commitment_templates],
            )
            session.add(platform)
            session.flush()
            report.platforms_added += 1
        known = set(session.scalars(select(Standard.version).where(Standard.platform_id == platform.id)))
        for version in pf.standards:
            if version.version in known:
                continue
            _add_version(session, platform, version)
            report.versions_added += 1
            report.items_added += len(version.items)
    session.flush()
    return report


def _add_version(session: Session, platform: Platform, v: schema.StandardVersion) -> Standard:
    rules = {
        "bands": [b.model_dump(mode="json") for b in v.bands],
        "measures": [m.model_dump(mode="json") for m in v.measures],
        "repair": v.repair.model_dump(mode="json"),
        "false_commitment_item": v.false_commitment_item,
    }
    standard = Standard(
        platform_id=platform.id,
        version=v.version,
        title=v.title,
        status=v.status,
        filed_on=v.filed_on,
        filed_with=v.filed_with,
        effective_from=v.effective_from,
        published=v.published,
        rules=rules,
    )
    session.add(standard)
    session.flush()
    session.add_all(
        StandardItem(
            standard_id=standard.id,
            code=item.code,
            name=item.name,
            category=item.category,
            applies_to=list(item.applies_to),
            kind=item.kind,
            points=item.points,
            severity=item.severity,
            legal_basis=item.legal_basis or "",
            public=item.public,
        )
        for item in v.items
    )
    session.flush()
    kind = STANDARD_FILED if standard.status == "filed" else STANDARD_DRAFTED
    ledger.log_rows(session, kind, STANDARDS, [standard.id])
    return standard


def get_platform(session: Session, code: str) -> Platform:
    platform = session.scalar(select(Platform).where(Platform.code == code))
    if platform is None:
        raise NotFound(f"平台 {code} 不存在")
    return platform


def list_platforms(session: Session) -> Sequence[Platform]:
    return session.scalars(select(Platform).order_by(Platform.kind, Platform.id)).all()


def in_force(versions: Sequence[Standard], on: date) -> Standard | None:
    """The filed version with the latest effective date on or before ``on`` (ties: filed later)."""
    applicable = [
        s for s in versions if s.status == "filed" and s.effective_from is not None and s.effective_from <= on
    ]
    if not applicable:
        return None
    return max(applicable, key=lambda s: (s.effective_from, s.filed_on or date.min, s.id))


def standard_in_force(session: Session, platform: Platform, on: date) -> Standard | None:
    versions = session.scalars(select(Standard).where(Standard.platform_id == platform.id)).all()
    return in_force(versions, on)


@dataclass
class _PlatformVersions:
    platform: Platform
    starts: list[date] = field(default_factory=list)
    standards: list[Standard] = field(default_factory=list)
    items: dict[int, dict[str, StandardItem]] = field(default_factory=dict)


class StandardResolver:
    """Look up (platform, date) → standard in force and its items, loading each platform once.

    Batch ingestion resolves thousands of rows; this keeps it to one query per platform.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._platforms: dict[str, _PlatformVersions | None] = {}

    def platform(self, code: str) -> Platform | None:
        entry = self._load(code)
        return entry.platform if entry else None

    def resolve(self, code: str, on: date) -> tuple[Standard, dict[str, StandardItem]] | None:
        entry = self._load(code)
        if entry is None or not entry.starts:
            return None
        position = bisect.bisect_right(entry.starts, on) - 1
        if position < 0:
            return None
        standard = entry.standards[position]
        return standard, entry.items[standard.id]

    def _load(self, code: str) -> _PlatformVersions | None:
        if code in self._platforms:
            return self._platforms[code]
        platform = self._session.scalar(select(Platform).where(Platform.code == code))
        entry = None
        if platform is not None:
            entry = _PlatformVersions(platform)
            versions = self._session.scalars(
                select(Standard).where(Standard.platform_id == platform.id)
            ).all()
            # One version per start date: the one in_force() would choose on that date.
            starts = sorted({s.effective_from for s in versions if s.status == "filed" and s.effective_from})
            for start in starts:
                chosen = in_force(versions, start)
                assert chosen is not None
                entry.starts.append(start)
                entry.standards.append(chosen)
                entry.items[chosen.id] = {i.code: i for i in chosen.items}
        self._platforms[code] = entry
        return entry


def item_dict(item: StandardItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "applies_to": list(item.applies_to),
        "kind": item.kind,
        "points": item.points,
        "severity": item.severity,
        "legal_basis": item.legal_basis,
        "public": item.public,
    }
