"""Scores of one subject: on a date, as a daily series, and eligibility at bid time.

Answers are computed from the subject's records and events with the pure rule on every request, so
they are exact for any date whether or not that day's evaluation run happened, and a revocation or
correction shows at once (docs/fragments/scoring-engine.md, "Queries read records"). One subject has
few records: one query for its records, one for their events, one for the standards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, lazyload

from ggzy_credit import clock
from ggzy_credit.db.kept import KeptPerEngine
from ggzy_credit.errors import FieldProblem, InvalidInput, NotFound
from ggzy_credit.identifiers import valid_id_number, valid_uscc
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.events import REMOVING, EventKind, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring.labels import Band, Measure, band_for, measures_for
from ggzy_credit.scoring.rule import Deduction, Evaluation, evaluate, score_series
from ggzy_credit.standards.models import Platform, Standard, StandardItem
from ggzy_credit.standards.service import in_force
from ggzy_credit.subjects.models import Subject
from ggzy_credit.subjects.service import ID_COLUMN


@dataclass(frozen=True)
class RecordInfo:
    id: int
    item_code: str
    item_name: str
    points: int
    deducted_on: date


@dataclass
class SubjectCredit:
    """Everything needed to score one subject: its records per platform and every standard."""

    subject: Subject
    platforms: dict[int, Platform]
    standards: dict[int, list[Standard]]
    records: dict[int, dict[int, RecordInfo]] = field(default_factory=dict)
    deductions: dict[int, list[Deduction]] = field(default_factory=dict)

    def platforms_with_records(self, until: date) -> list[Platform]:
        """Platforms where the subject has a record dated on or before ``until``; all when none."""
        ids = [
            pid for pid, recs in self.records.items() if any(r.deducted_on <= until for r in recs.values())
        ]
        chosen = [self.platforms[pid] for pid in sorted(ids)]
        return chosen or sorted(self.platforms.values(), key=lambda p: (p.kind, p.id))

    def standard_on(self, platform_id: int, day: date) -> Standard | None:
        return in_force(self.standards.get(platform_id, []), day)


@dataclass
class PlatformScore:
    platform: Platform
    as_of: date
    evaluation: Evaluation
    standard: Standard | None
    band: Band | None
    counted: list[RecordInfo]
    has_records: bool

    @property
    def measures(self) -> list[Measure]:
        if self.standard is None or self.band is None:
            return []
        return measures_for(self.standard.rules, self.band.label)


# Built once (statement construction costs CPU on every request); the subject is a parameter.
_RECORDS = (
    select(
        CreditRecord.id,
        CreditRecord.platform_id,
        CreditRecord.item_code,
        StandardItem.name,
        CreditRecord.points,
        CreditRecord.deducted_on,
    )
    .join(StandardItem, StandardItem.id == CreditRecord.item_id)
    .where(CreditRecord.subject_id == bindparam("subject_id"))
)
# The events of those records, by the subject: no IN list of record ids (rendered literally, so
# compiled again for every length).
_EVENTS = (
    select(RecordEvent.record_id, RecordEvent.kind, RecordEvent.effective_on, RecordEvent.stops_counting)
    .join(CreditRecord, CreditRecord.id == RecordEvent.record_id)
    .where(CreditRecord.subject_id == bindparam("subject_id"))
)
_CATALOGUE_KEY = select(select(func.max(Standard.id)).scalar_subquery(), func.max(Platform.id))


def load(session: Session, subject_id: int) -> SubjectCredit:
    # Its relationships (kinds) only when asked for: scores need the subject to exist, nothing more.
    subject = session.get(Subject, subject_id, options=[lazyload("*")])
    if subject is None:
        raise NotFound(f"经营主体 {subject_id} 不存在")
    platforms, standards = catalogue(session)
    credit = SubjectCredit(subject, platforms, standards)
    rows = session.execute(_RECORDS, {"subject_id": subject_id}).all()
    effects = EventEffects()
    events = session.execute(_EVENTS, {"subject_id": subject_id})
    for record_id, kind, effective_on, stops_counting in events:
        effects.add(record_id, kind, effective_on, bool(stops_counting))
    for rid, pid, code, name, points, on in rows:
        credit.records.setdefault(pid, {})[rid] = RecordInfo(rid, code, name, points, on)
        credit.deductions.setdefault(pid, []).append(effects.deduction(rid, on, points))
    return credit


_Catalogue = tuple[dict[int, Platform], dict[int, list[Standard]]]
_KEPT: KeptPerEngine[_Catalogue] = KeptPerEngine()


def catalogue(session: Session, key: tuple[int | None, int | None] | None = None) -> _Catalogue:
    """Every platform and standard version, kept per process and reloaded when either table grows.

    Standards and platforms are only ever added (a new version is a new row, never an edit), so
    ``max(id)`` of both (one primary-key lookup each; ``key`` when the caller has it already) tells
    whether the kept copy is current. The kept objects are detached and read only (their columns
    are loaded; their items are not needed for scores).
    """
    if key is None:
        first, second = session.execute(_CATALOGUE_KEY).one()
        key = (first, second)
    return _KEPT.get(session, key, lambda: _load_catalogue(session))


def _load_catalogue(session: Session) -> _Catalogue:
    platforms = {p.id: p for p in session.scalars(select(Platform))}
    standards: dict[int, list[Standard]] = {}
    # Scores need each standard's rules, not its items (selectin-loaded by default: ~150 objects).
    for s in session.scalars(select(Standard).options(lazyload(Standard.items))):
        standards.setdefault(s.platform_id, []).append(s)
    # Detached at once: the session's rollback or commit must not expire what other requests read.
    for obj in [*platforms.values(), *(s for versions in standards.values() for s in versions)]:
        session.expunge(obj)
    return platforms, standards


@dataclass
class EventEffects:
    """What a record's events do to its deduction: revoked/corrected records stop counting at all, an
    approved repair that stops counting ends it on its effective date (the earliest such repair)."""

    removed: set[int] = field(default_factory=set)
    until: dict[int, date] = field(default_factory=dict)

    def add(self, record_id: int, kind: str, effective_on: date, stops_counting: bool) -> None:
        if kind in REMOVING:
            self.removed.add(record_id)
        elif kind == EventKind.REPAIRED and stops_counting:
            self.until[record_id] = min(effective_on, self.until.get(record_id, effective_on))

    def deduction(self, record_id: int, on: date, points: int) -> Deduction:
        return Deduction(
            record_id, on, points, counts=record_id not in self.removed, until=self.until.get(record_id)
        )


def score_on(credit: SubjectCredit, platform: Platform, as_of: date) -> PlatformScore:
    evaluation = evaluate(credit.deductions.get(platform.id, []), as_of)
    standard = credit.standard_on(platform.id, as_of)
    band = band_for(standard.rules, evaluation.score) if standard else None
    records = credit.records.get(platform.id, {})
    return PlatformScore(
        platform=platform,
        as_of=as_of,
        evaluation=evaluation,
        standard=standard,
        band=band,
        counted=[records[d.record_id] for d in evaluation.counted],
        has_records=any(r.deducted_on <= as_of for r in records.values()),
    )


def subject_scores(session: Session, subject_id: int, as_of: date | None = None) -> list[PlatformScore]:
    """The score on ``as_of`` on each platform where the subject has records (every platform if none)."""
    as_of = not_future(as_of, "as_of")
    credit = load(session, subject_id)
    return [score_on(credit, p, as_of) for p in credit.platforms_with_records(as_of)]


@dataclass(frozen=True)
class DayScore:
    day: date
    score: int
    label: str | None
    cycle_end: date | None


def subject_history(
    session: Session, subject_id: int, start: date, end: date, platform: str | None = None
) -> list[tuple[Platform, list[DayScore]]]:
    """The daily series from ``start`` to ``end`` per platform (one platform, or as for ``scores``)."""
    credit = load(session, subject_id)
    if platform is not None:
        chosen = [platform_by_code(list(credit.platforms.values()), platform)]
    else:
        chosen = credit.platforms_with_records(end)
    out = []
    for p in chosen:
        days = []
        for day, score, cycle_end in score_series(credit.deductions.get(p.id, []), start, end):
            standard = credit.standard_on(p.id, day)
            band = band_for(standard.rules, score) if standard else None
            days.append(DayScore(day, score, band.label if band else None, cycle_end))
        out.append((p, days))
    return out


def find_subject(session: Session, cipher: PiiCipher, reference: str) -> Subject:
    """A subject by id, unified social credit code, or resident ID number (through its blind index)."""
    ref = reference.strip()
    subject: Subject | None = None
    if ref.isdigit() and len(ref) < 18:
        subject = session.get(Subject, int(ref))
    else:
        try:
            subject = session.scalar(select(Subject).where(Subject.uscc == valid_uscc(ref, "subject")))
        except InvalidInput:
            try:
                index = cipher.blind_index(valid_id_number(ref, "subject"), ID_COLUMN)
            except InvalidInput:
                raise InvalidInput(
                    FieldProblem(
                        ("query", "subject"),
                        "应为经营主体 ID、统一社会信用代码或居民身份证号码",
                        "subject_reference",
                    )
                ) from None
            subject = session.scalar(select(Subject).where(Subject.id_number_index == index))
    if subject is None:
        raise NotFound("未找到该经营主体")
    return subject


def not_future(day: date | None, name: str) -> date:
    today = clock.today()
    if day is None:
        return today
    if day > today:
        raise InvalidInput(FieldProblem(("query", name), f"日期 {day} 晚于当日 {today}", "future_date"))
    return day


def platform_by_code(platforms: Sequence[Platform], code: str) -> Platform:
    for p in platforms:
        if p.code == code:
            return p
    raise InvalidInput(FieldProblem(("query", "platform"), f"平台代码 {code} 不存在", "unknown_code"))
