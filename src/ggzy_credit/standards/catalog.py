"""A read-only snapshot of platforms, filed standard versions and their items, cached across requests.

Batch ingestion resolves (platform, date) → standard in force → item for every row. Loading the
standards through the ORM per batch cost more than validating the batch, so :func:`catalog` keeps a
snapshot per engine and reuses it while one cheap query — row count and largest id of
``platforms``, ``standards`` and ``standard_items`` — still matches the snapshot. Standards are
insert-only (a filed version is never edited; a change is a new version, DESIGN §2), so any change
another process or request makes shows as a new largest id or count and the next batch reloads.
The token is computed from the rows loaded, so a snapshot read while another transaction committed
half-way is simply reloaded at the next check.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit.db.kept import KeptPerEngine
from ggzy_credit.standards.models import Platform, Standard, StandardItem
from ggzy_credit.standards.service import in_force


@dataclass(frozen=True)
class ItemInfo:
    id: int
    standard_id: int
    code: str
    name: str
    applies_to: tuple[str, ...]
    points: int
    public: bool


class VersionInfo(NamedTuple):
    """The columns :func:`~ggzy_credit.standards.service.in_force` reads, plus the version label."""

    id: int
    version: str
    status: str
    filed_on: date | None
    effective_from: date | None


@dataclass(frozen=True)
class PlatformInfo:
    id: int
    code: str
    name: str
    starts: tuple[date, ...] = ()
    versions: tuple[VersionInfo, ...] = ()  # the version in force from each start date
    items: dict[int, dict[str, ItemInfo]] = field(default_factory=dict)  # standard id → code → item


Token = tuple[int, ...]


@dataclass(frozen=True)
class Catalog:
    token: Token
    platforms: dict[str, PlatformInfo]

    def platform(self, code: str) -> PlatformInfo | None:
        return self.platforms.get(code)

    def resolve(self, code: str, on: date) -> tuple[VersionInfo, dict[str, ItemInfo]] | None:
        """The standard version in force for ``code`` on ``on`` and its items by code."""
        entry = self.platforms.get(code)
        position = -1 if entry is None else bisect.bisect_right(entry.starts, on) - 1
        if entry is None or position < 0:
            return None
        version = entry.versions[position]
        return version, entry.items[version.id]


_KEPT: KeptPerEngine[Catalog] = KeptPerEngine()


def catalog(session: Session) -> Catalog:
    """The current snapshot for the session's database (one small query when nothing changed)."""
    return _KEPT.get(session, _token(session), lambda: _load(session))


def _token(session: Session) -> Token:
    parts = []
    for column in (Platform.id, Standard.id, StandardItem.id):
        parts += [
            select(func.count(column)).scalar_subquery(),
            select(func.coalesce(func.max(column), 0)).scalar_subquery(),
        ]
    return tuple(int(v) for v in session.execute(select(*parts)).one())


def _load(session: Session) -> Catalog:
    platforms = session.execute(select(Platform.id, Platform.code, Platform.name)).all()
    versions = session.execute(
        select(
            Standard.platform_id,
            Standard.id,
            Standard.version,
            Standard.status,
            Standard.filed_on,
            Standard.effective_from,
        )
    ).all()
    items = session.execute(
        select(
            StandardItem.id,
            StandardItem.standard_id,
            StandardItem.code,
            StandardItem.name,
            StandardItem.applies_to,
            StandardItem.points,
            StandardItem.public,
        )
    ).all()
    by_standard: dict[int, dict[str, ItemInfo]] = {}
    for i in items:
        by_standard.setdefault(i.standard_id, {})[i.code] = ItemInfo(
            i.id, i.standard_id, i.code, i.name, tuple(i.applies_to), i.points, bool(i.public)
        )
    by_platform: dict[int, list[VersionInfo]] = {}
    for platform_id, *rest in versions:
        by_platform.setdefault(platform_id, []).append(VersionInfo(*rest))
    out: dict[str, PlatformInfo] = {}
    for pid, code, name in platforms:
        known = by_platform.get(pid, [])
        # One version per start date: the one in_force() chooses on that date.
        starts = sorted({v.effective_from for v in known if v.status == "filed" and v.effective_from})
        chosen = [in_force(known, start) for start in starts]  # type: ignore[arg-type]
        out[code] = PlatformInfo(
            pid,
            code,
            name,
            tuple(starts),
            tuple(chosen),  # type: ignore[arg-type]
            {v.id: by_standard.get(v.id, {}) for v in chosen},  # type: ignore[union-attr]
        )
    token = (
        len(platforms),
        max((p.id for p in platforms), default=0),
        len(versions),
        max((v.id for v in versions), default=0),
        len(items),
        max((i.id for i in items), default=0),
    )
    return Catalog(token, out)
