"""The date each deduction stops counting (不再计分之日), from the scoring rule itself.

A deduction counts until its evaluation cycle ends — the day after the 12 months that follow the last
deduction of that cycle (上海办法第十二条), computed by ``scoring.rule.cycles`` — or, when a credit
repair under a standard that stops counting took effect earlier, until that day. Revoked and
corrected records never count; zero-point items are never counted. The cycle end can move later when
a new deduction arrives inside the cycle, so the date shown is the one known today.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.records.events import REMOVING, EventKind, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring.rule import Deduction, cycles


def stop_dates(session: Session, subject_id: int, today: date) -> dict[int, date | None]:
    """``{record_id: first day it no longer counts}`` for each record of the subject (None: never counted)."""
    records = session.execute(
        select(
            CreditRecord.id, CreditRecord.platform_id, CreditRecord.deducted_on, CreditRecord.points
        ).where(CreditRecord.subject_id == subject_id)
    ).all()
    ids = [r.id for r in records]
    removed: set[int] = set()
    until: dict[int, date] = {}
    for start in range(0, len(ids), 500):
        for rid, kind, on, stops in session.execute(
            select(
                RecordEvent.record_id, RecordEvent.kind, RecordEvent.effective_on, RecordEvent.stops_counting
            ).where(RecordEvent.record_id.in_(ids[start : start + 500]))
        ):
            if kind in REMOVING:
                removed.add(rid)
            elif kind == EventKind.REPAIRED.value and stops:
                until[rid] = min(on, until.get(rid, on))
    by_platform: dict[int, list[Deduction]] = defaultdict(list)
    out: dict[int, date | None] = {}
    for r in records:
        out[r.id] = None
        if r.id in removed or r.points <= 0:
            continue
        by_platform[r.platform_id].append(Deduction(r.id, r.deducted_on, r.points, until=until.get(r.id)))
    for deductions in by_platform.values():
        # The cycles as known today: later deductions are not known yet, repairs in effect are applied.
        for cycle in cycles(deductions, today):
            for d in cycle.deductions:
                out[d.record_id] = cycle.end
        for d in deductions:  # a repair ends counting on its day, if that comes first
            if d.until is not None:
                known = out[d.record_id]
                out[d.record_id] = d.until if known is None else min(known, d.until)
    return out
