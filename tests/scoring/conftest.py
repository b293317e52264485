"""Scoring fixtures: direct, fast inserts of subjects, records and events (no ingest validation).

The evaluation only reads ``credit_records`` (subject, platform, points, deduction date, recorded_at)
and ``record_events``, so property tests write those rows directly, many per example.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count, pairwise

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.records.events import RecordEvent
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.scoring.models import EvaluationRun, ScoreHistory
from ggzy_credit.scoring.rule import Deduction, evaluate, score_series
from ggzy_credit.standards.models import Platform, Standard
from ggzy_credit.standards.service import in_force
from ggzy_credit.subjects.models import Subject

_ids = count(1)


@dataclass
class Direct:
    """Write scoring inputs straight into the tables; keep the pure-rule view of them alongside."""

    session: Session
    platforms: dict[str, int] = field(default_factory=dict)
    standards: dict[int, list[Standard]] = field(default_factory=dict)
    deductions: dict[tuple[int, int], dict[int, Deduction]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for p in self.session.scalars(select(Platform)):
            self.platforms[p.code] = p.id
            self.standards[p.id] = list(
                self.session.scalars(select(Standard).where(Standard.platform_id == p.id))
            )

    def subject(self) -> int:
        n = next(_ids)
        s = Subject(type="legal", name=f"测试主体{n}", created_at=clock.now(), updated_at=clock.now())
        self.session.add(s)
        self.session.flush()
        return s.id

    def record(
        self, subject_id: int, platform: str, on: date, points: int, *, recorded_at: datetime | None = None
    ) -> int:
        pid = self.platforms[platform]
        standard = in_force(self.standards[pid], on) or self.standards[pid][0]
        item = standard.items[0]
        rid = self.session.execute(
            insert(CreditRecord)
            .values(
                platform_id=pid,
                external_id=f"T-{next(_ids)}",
                subject_id=subject_id,
                standard_id=standard.id,
                item_id=item.id,
                item_code=item.code,
                points=points,
                occurred_on=on,
                deducted_on=on,
                source="manual",
                recorded_by="test",
                recorded_at=recorded_at or clock.now(),
                payload_hash="-",
            )
            .returning(CreditRecord.id)
        ).scalar_one()
        self.deductions.setdefault((subject_id, pid), {})[rid] = Deduction(rid, on, points)
        return rid

    def event(
        self, record_id: int, kind: str, effective_on: date | None = None, *, stops: bool = True
    ) -> None:
        rec = self.session.get(CreditRecord, record_id)
        assert rec is not None
        self.session.add(
            RecordEvent(
                record_id=record_id,
                kind=kind,
                effective_on=effective_on or rec.deducted_on,
                stops_counting=stops if kind == "repaired" else False,
                reason="测试",
                details={},
                created_by="test",
                created_at=clock.now(),
            )
        )
        self.session.flush()
        pair = self.deductions[(rec.subject_id, rec.platform_id)]
        d = pair[record_id]
        if kind in ("revoked", "corrected"):
            pair[record_id] = Deduction(d.record_id, d.on, d.points, counts=False, until=d.until)
        elif stops:
            pair[record_id] = Deduction(d.record_id, d.on, d.points, d.counts, until=effective_on)

    def deductions_by_record(self, record_id: int) -> Deduction:
        return next(pair[record_id] for pair in self.deductions.values() if record_id in pair)

    def reset(self) -> None:
        """Start an example afresh: drop what the last one wrote (even if it failed half-way)."""
        self.session.rollback()
        for table in (ScoreHistory, EvaluationRun, RecordEvent, CreditRecord, Subject):
            self.session.execute(delete(table))
        self.deductions.clear()

    # --- checks ----------------------------------------------------------------------------------

    def label_on(self, platform_id: int, day: date, score: int) -> str | None:
        standard = in_force(self.standards[platform_id], day)
        if standard is None:
            return None
        return next(b["label"] for b in standard.rules["bands"] if b["min"] <= score <= b["max"])

    def stored(self, subject_id: int, platform_id: int) -> list[ScoreHistory]:
        return list(
            self.session.scalars(
                select(ScoreHistory)
                .where(ScoreHistory.subject_id == subject_id, ScoreHistory.platform_id == platform_id)
                .order_by(ScoreHistory.valid_from)
            )
        )

    def assert_history_matches_rule(self, horizon: date, first: date) -> None:
        """Every day from ``first`` to ``horizon``: stored history == the pure rule, for every pair."""
        pairs = set(self.deductions)
        pairs |= set(self.session.execute(select(ScoreHistory.subject_id, ScoreHistory.platform_id)).tuples())
        for sid, pid in sorted(pairs):
            ded = list(self.deductions.get((sid, pid), {}).values())
            rows = self.stored(sid, pid)
            for a, b in pairwise(rows):
                assert a.valid_to is not None and a.valid_to <= b.valid_from, (a.valid_from, b.valid_from)
            assert all(r.valid_from <= horizon for r in rows)
            assert all(r.valid_to is None or r.valid_to <= horizon for r in rows)
            by_day = {}
            for r in rows:
                day, end = r.valid_from, r.valid_to or horizon + timedelta(days=1)
                while day < end:
                    by_day[day] = r
                    day += timedelta(days=1)
            boundaries = {r.valid_from for r in rows} | {r.valid_to for r in rows if r.valid_to}
            for day, score, cycle_end in score_series(ded, first, horizon):
                row = by_day.get(day)
                got = (row.score, row.cycle_end) if row else (100, None)
                assert got == (score, cycle_end), (sid, pid, day, got, (score, cycle_end), ded, rows)
                if row is not None:
                    assert row.label == self.label_on(pid, day, score), (day, row.label)
                if day in boundaries:
                    ev = evaluate(ded, day)
                    if row is not None:
                        assert (row.cycle_start, row.points) == (ev.cycle_start, ev.points), day


@pytest.fixture
def direct(db) -> Iterator[Direct]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        yield Direct(session)


@pytest.fixture
def record(db, cipher):  # type: ignore[no-untyped-def]
    """Ingest one record (validated, logged, like the API) on ``platform``; returns its id."""
    serial = iter(range(1, 1000))

    def make(subject: int, item: str, on: date, platform: str = "gov_procurement") -> int:
        with db.session() as s:
            [out] = ingest(
                s,
                cipher,
                [
                    RecordIn(
                        platform=platform,
                        external_id=f"E-{next(serial)}",
                        subject_id=subject,
                        item_code=item,
                        occurred_on=on,
                        deducted_on=on,
                    )
                ],
                "test",
            )
            return out.id

    return make


@pytest.fixture
def post(client, auth):  # type: ignore[no-untyped-def]
    """Record a deduction through the records API (as the recorder); its id."""
    serial = iter(range(1, 1000))

    def make(subject: int, item: str, on: date, platform: str = "gov_procurement") -> int:
        r = client.post(
            "/api/v1/records",
            headers=auth("recorder"),
            json={
                "platform": platform,
                "external_id": f"S-{next(serial)}",
                "subject_id": subject,
                "item_code": item,
                "occurred_on": str(on),
                "deducted_on": str(on),
            },
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    return make
