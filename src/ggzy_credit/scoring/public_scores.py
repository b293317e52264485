"""A subject's current public score cards in one indexed query: the cheap read behind
``GET /api/v1/public/subjects/{id}/scores`` (issue #9: 300 requests/s with p99 ≤ 20 ms).

The same rule and the same cards as the portal (``portal.scores.cards``), but the subject's records
and their events come in one statement (subject by primary key, records by ``ix_credit_records_subject``,
events by ``ix_record_events_record``), and the platforms with the standard in force on each are kept
per process. Standards and platforms are only ever added (a new version is a new row, never an edit),
so the same statement also returns ``max(id)`` of both tables (primary-key lookups) and the kept copy
is reloaded when either changes or the day turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ggzy_credit.db.kept import KeptPerEngine
from ggzy_credit.errors import NotFound
from ggzy_credit.records.events import RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring.labels import band_for
from ggzy_credit.scoring.rule import Deduction, evaluate
from ggzy_credit.scoring.service import EventEffects, catalogue
from ggzy_credit.standards.models import Platform, Standard
from ggzy_credit.standards.service import in_force
from ggzy_credit.subjects.models import Subject


@dataclass(frozen=True)
class Card:
    """A platform's score card, as the portal shows it (``portal.scores``) and the public API returns it."""

    platform: str
    platform_name: str
    score: int
    points: int
    label: str | None
    label_name: str | None
    cycle_end: date | None


@dataclass(frozen=True)
class _PlatformRules:
    code: str
    name: str
    rules: dict[str, Any] | None  # of the standard in force on the day; None: none in force


_Key = tuple[int | None, int | None, date]
_KEPT: KeptPerEngine[dict[int, _PlatformRules]] = KeptPerEngine()


# Built once (statement construction is a measurable part of a request's CPU); the subject is a parameter.
_QUERY = (
    select(
        Subject.id,
        select(func.max(Standard.id)).scalar_subquery(),
        select(func.max(Platform.id)).scalar_subquery(),
        CreditRecord.id,
        CreditRecord.platform_id,
        CreditRecord.points,
        CreditRecord.deducted_on,
        RecordEvent.kind,
        RecordEvent.effective_on,
        RecordEvent.stops_counting,
    )
    .outerjoin(CreditRecord, CreditRecord.subject_id == Subject.id)
    .outerjoin(RecordEvent, RecordEvent.record_id == CreditRecord.id)
    .where(Subject.id == bindparam("subject_id"))
)


def _platform_rules(session: Session, key: _Key) -> dict[int, _PlatformRules]:
    return _KEPT.get(session, key, lambda: _rules_on(session, key))


def _rules_on(session: Session, key: _Key) -> dict[int, _PlatformRules]:
    """Each platform with the rules of its standard in force on the key's day."""
    platforms, standards = catalogue(session, (key[0], key[1]))
    out = {}
    for pid, p in platforms.items():
        standard = in_force(standards.get(pid, []), key[2])
        out[pid] = _PlatformRules(p.code, p.name, dict(standard.rules) if standard else None)
    return out


def public_cards(session: Session, subject_id: int, today: date) -> list[Card]:
    """The score card of each platform where the subject has a record dated on or before ``today``."""
    rows = session.execute(_QUERY, {"subject_id": subject_id}).all()
    if not rows:
        raise NotFound(f"经营主体 {subject_id} 不存在")
    effects = EventEffects()
    records: dict[int, tuple[int, int, date]] = {}
    for _sid, _std, _pf, rid, pid, points, on, kind, effective_on, stops in rows:
        if rid is None:
            continue
        records[rid] = (pid, points, on)
        if kind is not None:
            effects.add(rid, kind, effective_on, bool(stops))
    deductions: dict[int, list[Deduction]] = {}
    for rid, (pid, points, on) in records.items():
        deductions.setdefault(pid, []).append(effects.deduction(rid, on, points))
    platforms = _platform_rules(session, (rows[0][1], rows[0][2], today))
    out = []
    for pid in sorted(pid for pid, ds in deductions.items() if any(d.on <= today for d in ds)):
        evaluation = evaluate(deductions[pid], today)
        platform = platforms[pid]
        band = band_for(platform.rules, evaluation.score)
        out.append(
            Card(
                platform=platform.code,
                platform_name=platform.name,
                score=evaluation.score,
                points=evaluation.points,
                label=band.label if band else None,
                label_name=band.name if band else None,
                cycle_end=evaluation.cycle_end,
            )
        )
    return out
