"""Retiring external entries: the source withdrew them, or their publicity period is over.

Retirement is a record event (``records.events``), never an edit:

* the source says the decision was revoked (``status: revoked``) → ``revoke_record``: the record
  never counts;
* the source stopped publishing it (``status: retired``), or — for sources whose publicity setting
  is ``expire`` — its ``publicity_until`` has passed → ``repair_record``: from the day after the
  publicity period the record leaves public display (the effect of 信用修复, without an application).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import Conflict
from ggzy_credit.exchange.models import ExternalEntry
from ggzy_credit.exchange.sources import Registry
from ggzy_credit.records.models import CreditRecord


@dataclass
class Retirement:
    status: str  # retired | revoked | already (another process had removed the record)
    message: str


def retire_entry(
    session: Session, entry: ExternalEntry, *, revoke: bool, publicity_until: date | None, by: str
) -> Retirement:
    """Write the record event for one entry and mark the entry; a domain error leaves nothing behind."""
    from ggzy_credit.records.events import repair_record, revoke_record

    today = clock.today()
    if revoke:
        reason = f"来源平台撤销该信息（{by}）"
    elif publicity_until is not None and publicity_until < today:
        reason = f"公示期满（公示截止 {publicity_until}），来源平台停止公示（{by}）"
    else:
        reason = f"来源平台停止公示（{by}）"
    try:
        with session.begin_nested():
            if revoke:
                revoke_record(session, entry.record_id, reason, by)
            else:
                record = session.get(CreditRecord, entry.record_id)
                assert record is not None
                start = (publicity_until + timedelta(days=1)) if publicity_until else today
                effective_on = max(start, record.deducted_on + timedelta(days=1))
                repair_record(session, entry.record_id, effective_on, reason, by)
    except Conflict as exc:
        # Already revoked, corrected or repaired by another process: it is off public display already.
        entry.status = "revoked" if revoke else "retired"
        entry.retired_at, entry.retire_reason = clock.now(), f"{reason}；{exc.message}"
        return Retirement("already", exc.message)
    entry.status = "revoked" if revoke else "retired"
    entry.retired_at, entry.retire_reason = clock.now(), reason
    session.flush()
    return Retirement(entry.status, reason)


def retire_expired(session: Session, registry: Registry, *, by: str = "exchange:publicity-sweep") -> int:
    """Retire every active entry past its publicity period, for sources whose setting is ``expire``.

    Selecting the entries is one query; each retirement is a record event of its own.
    """
    expiring = [s.name for s in registry.sources if s.publicity == "expire"]
    if not expiring:
        return 0
    today = clock.today()
    entries = session.scalars(
        select(ExternalEntry)
        .where(
            ExternalEntry.status == "active",
            ExternalEntry.publicity_until < today,
            ExternalEntry.source.in_(expiring),
        )
        .order_by(ExternalEntry.id)
    ).all()
    for entry in entries:
        retire_entry(
            session, entry, revoke=False, publicity_until=entry.publicity_until, by=f"{by}:{entry.source}"
        )
    return len(entries)
