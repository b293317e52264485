"""Workflow state shown beside a credit record wherever it is shown (record pages, subject pages, portal).

* ``objection_status``: "异议处理中" while an objection against the record is open (上海办法第十九条
  / DESIGN "While open, the record shows 异议处理中");
* ``hidden_from_public``: repaired under a standard that takes repaired records off public display.

One query per page of records (plus one tiny query over the standards), never one per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ggzy_credit.records.models import CreditRecord
from ggzy_credit.workflows.models import Objection
from ggzy_credit.workflows.objections import OPEN, RECORD_LABEL
from ggzy_credit.workflows.repair import hidden_from_public_clause


def record_flags(
    session: Session, record_ids: Sequence[int], on: date | None = None
) -> dict[int, tuple[str | None, bool]]:
    """``{record_id: (objection_status, hidden_from_public)}`` for every id given."""
    ids = list(dict.fromkeys(record_ids))
    out: dict[int, tuple[str | None, bool]] = {}
    if not ids:
        return out
    open_objection = exists().where(Objection.record_id == CreditRecord.id, Objection.status.in_(OPEN))
    hidden = hidden_from_public_clause(session, on)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(CreditRecord.id, open_objection.label("open"), hidden.label("hidden")).where(
                CreditRecord.id.in_(ids[start : start + 500])
            )
        )
        for rid, is_open, is_hidden in rows:
            out[rid] = (RECORD_LABEL if is_open else None, bool(is_hidden))
    return out
