"""The two halves of ``ledger verify``, as independent jobs that can run in parallel processes.

* :func:`check_entities` — one id window of one table: each live row, recomputed, must equal the
  data of its latest leaf; rows without a leaf were inserted behind the application's back,
  leaves without a row were deleted. Tables whose source renders its payload in SQL
  (``sql_payload``) are compared inside the database and only the differing rows come back to be
  re-checked in Python; the others are compared in Python.
* :func:`check_block` — one aligned block of ``2^level`` leaves: every leaf's data hashes to its
  stored leaf hash, the stored perfect-subtree nodes inside the block equal the ones rebuilt from
  the leaf hashes, and the block's root and its partial roots at head sizes go back to the caller,
  which joins the blocks (see :mod:`ggzy_credit.ledger.verify`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from ggzy_credit.ledger import sqljson
from ggzy_credit.ledger.encoding import event_bytes_reference, event_bytes_unchecked
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.registry import EntitySource, IdFilter, LiveRow, source

_LEAF_PREFIX, _NODE_PREFIX = b"\x00", b"\x01"
_FETCH = 16_384
_MISSING = bytes(32)


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


@dataclass
class BlockResult:
    start: int
    leaves: int = 0
    root: bytes | None = None  # the block's perfect-subtree hash, when the block is full
    partial: dict[int, list[bytes]] = field(default_factory=dict)  # size → local stack at that size
    problems: list[Problem] = field(default_factory=list)


# -- live rows against their latest leaves ----------------------------------------------------------


def check_entities(session: Session, entity: str, after: int | None, upto: int | None) -> EntityResult:
    src = source(entity)
    window = IdFilter(after=after, upto=upto)
    if src.sql_payload is not None:
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
    assert src.sql_payload is not None
    dialect = session.get_bind().dialect.name
    entity, key = src.entity, src.id_column
    rendered = sqljson.event(entity, LedgerLeaf.entity_id, LedgerLeaf.kind, src.sql_payload(dialect), dialect)
    suspects = (
        session.connection()
        .execute(
            select(LedgerLeaf.entity_id)
            .select_from(LedgerLeaf)
            .outerjoin(key.class_, key == LedgerLeaf.entity_id)
            .where(
                LedgerLeaf.entity == entity,
                window.on(LedgerLeaf.entity_id),
                # Every leaf of the row is compared, not only its latest: a superseded leaf differs and
                # comes back, and the Python re-check then looks at the latest leaf only.
                or_(key.is_(None), sqljson.data_text(LedgerLeaf.data, dialect) != rendered),
            )
        )
        .scalars()
    )
    unlogged = (
        session.connection()
        .execute(
            select(key).where(
                window.on(key),
                ~exists().where(LedgerLeaf.entity == entity, LedgerLeaf.entity_id == key),
            )
        )
        .scalars()
    )
    result = _recheck(session, src, sorted(set(suspects) | set(unlogged)))
    result.rows = session.scalar(select(func.count()).select_from(key.class_).where(window.on(key))) or 0
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


# -- the tree, block by block -------------------------------------------------------------------------


def check_block(session: Session, start: int, end: int, level: int, head_sizes: list[int]) -> BlockResult:
    """Leaves ``[start, end)``, ``start`` a multiple of ``2^level`` and ``end - start <= 2^level``."""
    # This function touches every leaf and node of the log: it reads through the driver's own
    # cursor (plain SQL, integers inlined) to skip building a result row object per row.
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return _check_block(session, cursor, start, end, level, head_sizes)
    finally:
        cursor.close()


def _check_block(
    session: Session, cursor: Any, start: int, end: int, level: int, head_sizes: list[int]
) -> BlockResult:
    result = BlockResult(start)
    nodes: dict[tuple[int, int], bytes] = {}
    for lv in range(1, level + 1):  # one range per level: far cheaper than one OR-ed query
        low, high = start >> lv, end >> lv
        if low < high:
            cursor.execute(
                f"SELECT idx, hash FROM ledger_nodes WHERE level = {lv} AND idx >= {low} AND idx < {high}"
            )
            nodes.update({(lv, idx): bytes(value) for idx, value in cursor.fetchall()})
    in_sql = session.get_bind().dialect.name == "postgresql"
    # PostgreSQL hashes the data itself (sha256 is built in); SQLite hands the data to Python.
    # Plain SQL with inlined integers: this loop runs once per leaf of the whole log.
    checked = "sha256('\\x00'::bytea || data) = leaf_hash" if in_sql else "data"
    wanted = set(head_sizes)
    sha = hashlib.sha256
    stack: list[bytes] = []
    expected = start
    for low in range(start, end, _FETCH):
        high = min(low + _FETCH, end)
        cursor.execute(
            f"SELECT leaf_index, leaf_hash, {checked} FROM ledger_leaves"
            f" WHERE leaf_index >= {int(low)} AND leaf_index < {int(high)} ORDER BY leaf_index"
        )
        for index, leaf_hash, data_ok in cursor.fetchall():
            if index != expected:
                while expected < index:  # a gap: leaves deleted from the log itself
                    _missing(stack, expected, start, nodes, result, wanted, sha)
                    expected += 1
            if not (data_ok if in_sql else sha(_LEAF_PREFIX + data_ok).digest() == leaf_hash):
                result.problems.append(_bad_data(session, index))
            # Push the leaf onto the block's stack of perfect subtrees, checking each completed node.
            value, local, lv = leaf_hash, index - start, 0
            while local & 1:
                value = sha(_NODE_PREFIX + stack.pop() + value).digest()
                local >>= 1
                lv += 1
                if nodes.pop((lv, index >> lv), None) != value:
                    _bad_node(result, lv, index >> lv)
            stack.append(value)
            if index + 1 in wanted:
                result.partial[index + 1] = list(stack)
            expected = index + 1
    while expected < end:
        _missing(stack, expected, start, nodes, result, wanted, sha)
        expected += 1
    result.leaves = end - start
    if end - start == 1 << level:
        result.root = stack[0]
    return result


def _bad_data(session: Session, index: int) -> Problem:
    entity, entity_id = (
        session.connection()
        .execute(select(LedgerLeaf.entity, LedgerLeaf.entity_id).where(LedgerLeaf.leaf_index == index))
        .one()
    )
    try:
        name = source(entity).name_of(entity_id)
    except LookupError:
        name = f"{entity} #{entity_id}"
    message = f"{name}：账本条目 {index} 的内容与其哈希不符（日志表被改动）"
    return Problem("leaf_data", message, entity, entity_id, index)


def _missing(stack, index, start, nodes, result, wanted, sha) -> None:  # type: ignore[no-untyped-def]
    result.problems.append(
        Problem("leaf_missing", f"账本条目 {index} 缺失（日志表被改动）", leaf_index=index)
    )
    _push(stack, index, start, _MISSING, nodes, result, wanted, sha)


def _bad_node(result: BlockResult, level: int, idx: int) -> None:
    message = f"账本节点 (level {level}, index {idx}) 缺失或与重算结果不符（日志表被改动）"
    result.problems.append(Problem("node", message))


def _push(stack, index, start, value, nodes, result, wanted, sha) -> None:  # type: ignore[no-untyped-def]
    """Add leaf ``index`` to the block's stack of perfect subtrees, checking each completed node."""
    local, lv = index - start, 0
    while local & 1:
        value = sha(_NODE_PREFIX + stack.pop() + value).digest()
        local >>= 1
        lv += 1
        if nodes.pop((lv, index >> lv), None) != value:
            _bad_node(result, lv, index >> lv)
    stack.append(value)
    if index + 1 in wanted:
        result.partial[index + 1] = list(stack)
