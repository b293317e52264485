"""Live rows against their latest leaves: one id window of one table per job (see ``verify``).

Each live row, recomputed, must equal the data of its latest leaf; rows without a leaf were inserted
behind the application's back, leaves without a row were deleted. Tables whose source renders its
payload in SQL (``sql_members``) are compared inside the database
(:mod:`ggzy_credit.ledger.sql_compare`) and only the differing rows come back to be re-checked in
Python; the others are compared in Python. The tree half of verify is
:mod:`ggzy_credit.ledger.tree_check`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.ledger import sql_compare
from ggzy_credit.ledger.encoding import event_bytes_reference, event_bytes_unchecked
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.registry import EntitySource, IdFilter, LiveRow, source


@dataclass
class Problem:
    """One finding, in Chinese for the operator; ``entity``/``entity_id`` name the affected row."""

    code: str
    message: str
    entity: str | None = None
    entity_id: int | None = None
    leaf_index: int | None = None


@dataclass
class EntityResult:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)


# -- live rows against their latest leaves ----------------------------------------------------------


def check_entities(session: Session, entity: str, after: int | None, upto: int | None) -> EntityResult:
    src = source(entity)
    window = IdFilter(after=after, upto=upto)
    if src.sql_members is not None:
        result = _check_in_sql(session, src, window)
    else:
        latest = _latest_leaves(session, entity, window.on(LedgerLeaf.entity_id))
        rows = src.load(session, window)
        result = _compare(src, rows, latest, EntityResult(rows=len(rows)))
    if result.problems:
        # The application may be writing while verify reads: a row and its leaf commit together,
        # but the two reads above are separate statements. Look at the suspects once more.
        ids = sorted({p.entity_id for p in result.problems if p.entity_id is not None})
        recheck = _recheck(session, src, ids)
        result.problems = [p for p in result.problems if p.entity_id is None] + recheck.problems
    return result


def _recheck(session: Session, src: EntitySource, ids: list[int]) -> EntityResult:
    result = EntityResult()
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        latest = _latest_leaves(session, src.entity, LedgerLeaf.entity_id.in_(part))
        _compare(src, src.load(session, IdFilter(ids=part)), latest, result)
    return result


def _latest_leaves(session: Session, entity: str, where: Any) -> dict[int, tuple[int, str, bytes]]:
    """entity id → (leaf index, kind, data) of its latest leaf."""
    latest: dict[int, tuple[int, str, bytes]] = {}
    rows = (
        session.connection()
        .execute(
            select(LedgerLeaf.entity_id, LedgerLeaf.leaf_index, LedgerLeaf.kind, LedgerLeaf.data)
            .where(LedgerLeaf.entity == entity, where)
            .order_by(LedgerLeaf.entity_id, LedgerLeaf.leaf_index)
        )
        .all()
    )  # fetchall: iterating a result fetches row by row, several times slower
    for entity_id, leaf_index, kind, data in rows:
        latest[entity_id] = (leaf_index, kind, bytes(data))
    return latest


def _compare(
    src: EntitySource, rows: list[LiveRow], latest: dict[int, tuple[int, str, bytes]], result: EntityResult
) -> EntityResult:
    entity = src.entity
    encode = src.fast_encode or (lambda kind, i, payload: event_bytes_unchecked(kind, entity, i, payload))
    for row in rows:
        found = latest.pop(row.id, None)
        if found is None:
            message = f"{src.name_of(row.id)}：账本中没有对应条目（疑似绕过系统直接插入）"
            result.problems.append(Problem("unlogged", message, entity, row.id))
            continue
        leaf_index, kind, data = found
        try:
            if encode(kind, row.id, row.payload) == data:
                continue
        except (TypeError, ValueError, AttributeError, KeyError):
            pass
        if event_bytes_reference(kind, entity, row.id, row.payload) == data:
            continue
        message = (
            f"{src.name_of(row.id)}：数据库中的行与账本条目 {leaf_index} 不符（疑似被直接修改）"
            f"{_changed_fields(data, row.payload)}"
        )
        result.problems.append(Problem("changed", message, entity, row.id, leaf_index))
    for entity_id, (leaf_index, _kind, _data) in sorted(latest.items()):
        message = f"{src.name_of(entity_id)}：账本条目 {leaf_index} 记载的行已不存在（疑似被直接删除）"
        result.problems.append(Problem("deleted", message, entity, entity_id, leaf_index))
    return result


def _check_in_sql(session: Session, src: EntitySource, window: IdFilter) -> EntityResult:
    """Let the database render and compare every row; re-check in Python only what differs."""
    suspects, rows = sql_compare.suspects(session, src.entity, window.after, window.upto)
    result = _recheck(session, src, sorted(suspects))
    result.rows = rows
    return result


def _changed_fields(data: bytes, payload: dict[str, object]) -> str:
    """``：points 3 → 30`` — what differs between the logged payload and the live row."""
    try:
        logged = json.loads(data.decode("utf-8"))["payload"]
    except (ValueError, KeyError, TypeError):
        return ""
    diffs = [
        f"{name} {_short(logged.get(name))} → {_short(payload.get(name))}"
        for name in sorted(set(logged) | set(payload))
        if logged.get(name) != payload.get(name)
    ]
    return "：" + "；".join(diffs[:8]) if diffs else ""


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"
