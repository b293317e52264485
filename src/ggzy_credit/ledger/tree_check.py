"""The tree half of ``ledger verify``: one aligned block of ``2^level`` leaves per job.

Every leaf's data must hash to its stored leaf hash (PostgreSQL hashes in SQL, ``sha256`` is built
in; SQLite hands the data to Python), the block's perfect subtrees are rebuilt from the leaf hashes
one level at a time and compared with the stored nodes level by level, and the block's root and its
partial roots at head sizes go back to the caller, which joins the blocks (see
:mod:`ggzy_credit.ledger.verify`).

Level by level rather than leaf by leaf: each level is one list comprehension of ``sha256`` calls and
one list comparison with the stored level (both run at C speed); only a level that differs is
looked at node by node to name what is wrong. On PostgreSQL the leaf hashes and each stored level
come back packed into one value (one row per query instead of one per leaf or node); anything
unexpected there sends that part to the row-by-row queries, which name the leaf or node.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.ledger.checks import Problem
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.registry import source

_LEAF_PREFIX, _NODE_PREFIX = b"\x00", b"\x01"
_FETCH = 16_384
_MISSING = bytes(32)


@dataclass
class BlockResult:
    start: int
    leaves: int = 0
    root: bytes | None = None  # the block's perfect-subtree hash, when the block is full
    partial: dict[int, list[bytes]] = field(default_factory=dict)  # size → local stack at that size
    problems: list[Problem] = field(default_factory=list)


def check_block(
    session: Session, start: int, end: int, level: int, head_sizes: list[int], packed: bool = True
) -> BlockResult:
    """Leaves ``[start, end)``, ``start`` a multiple of ``2^level`` and ``end - start <= 2^level``.

    ``packed``: the fast reading of the leaf level (PostgreSQL: the hashes packed into one value;
    SQLite: no leaf indexes, hashes checked without naming anything); when anything in the block
    then looks wrong, the block is checked again row by row, which names exactly what is.
    """
    # This touches every leaf and node of the log: plain SQL through the driver's own cursor
    # (integers inlined), no result row objects.
    driver = session.connection().connection.driver_connection
    in_sql = session.get_bind().dialect.name == "postgresql"
    cursor = driver.cursor(binary=True) if in_sql else driver.cursor()  # type: ignore[union-attr]
    try:
        result = BlockResult(start, leaves=end - start)
        hashes = None
        if packed:
            fast = _packed_leaf_hashes if in_sql else _streamed_leaf_hashes
            hashes = fast(cursor, start, end)
        if hashes is None:
            hashes = _leaf_level(session, cursor, start, end, in_sql, result)
        levels = _upper_levels(cursor, hashes, start, level, in_sql and packed, result)
        for size in head_sizes:
            result.partial[size] = _stack_at(levels, size - start)
        if end - start == 1 << level:
            result.root = levels[level][0]
    finally:
        cursor.close()
    if result.problems and packed:
        return check_block(session, start, end, level, head_sizes, packed=False)
    return result


def _leaf_level(
    session: Session, cursor: Any, start: int, end: int, in_sql: bool, result: BlockResult
) -> list[bytes]:
    """The block's leaf hashes in order (a missing leaf counts as 32 zero bytes and is reported)."""
    checked = "sha256('\\x00'::bytea || data) = leaf_hash" if in_sql else "data"
    sha = hashlib.sha256
    hashes: list[bytes] = []
    for low in range(start, end, _FETCH):
        high = min(low + _FETCH, end)
        cursor.execute(
            f"SELECT leaf_index, leaf_hash, {checked} FROM ledger_leaves"
            f" WHERE leaf_index >= {int(low)} AND leaf_index < {int(high)} ORDER BY leaf_index"
        )
        rows = cursor.fetchall()
        if in_sql:
            bad = [index for index, _hash, ok in rows if not ok]
        else:
            bad = [index for index, leaf_hash, data in rows if sha(_LEAF_PREFIX + data).digest() != leaf_hash]
        result.problems += [_bad_data(session, index) for index in bad]
        if len(rows) == high - low:  # the primary key is unique: no gap
            hashes += [bytes(leaf_hash) for _index, leaf_hash, _ in rows]
            continue
        found = {index: bytes(leaf_hash) for index, leaf_hash, _ in rows}
        for index in range(low, high):
            if index not in found:
                message = f"账本条目 {index} 缺失（日志表被改动）"
                result.problems.append(Problem("leaf_missing", message, leaf_index=index))
            hashes.append(found.get(index, _MISSING))
    return hashes


def _upper_levels(
    cursor: Any, leaves: list[bytes], start: int, level: int, packed: bool, result: BlockResult
) -> list[list[bytes]]:
    """Levels 0…``level`` of the block rebuilt from the leaf hashes, each checked against the store
    (``packed``: PostgreSQL's stored levels read as one value each)."""
    sha = hashlib.sha256
    levels = [leaves]
    below = leaves
    for lv in range(1, level + 1):
        built = [sha(_NODE_PREFIX + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)]
        if not built:
            break
        low = start >> lv
        where = f"level = {lv} AND idx >= {low} AND idx < {low + len(built)}"
        if packed:
            intact = _packed_nodes(cursor, where) == b"".join(built)
        else:
            cursor.execute(f"SELECT hash FROM ledger_nodes WHERE {where} ORDER BY idx")
            intact = [bytes(stored) for (stored,) in cursor.fetchall()] == built
        if not intact:
            _name_nodes(cursor, where, built, lv, low, result)
        levels.append(built)
        below = built
    return levels


def _name_nodes(cursor: Any, where: str, built: list[bytes], lv: int, low: int, result: BlockResult) -> None:
    """Report each stored node of the range that is missing or differs from the rebuilt one."""
    cursor.execute(f"SELECT idx, hash FROM ledger_nodes WHERE {where} ORDER BY idx")
    found = {idx: bytes(h) for idx, h in cursor.fetchall()}
    for offset, value in enumerate(built):
        if found.get(low + offset) != value:
            message = f"账本节点 (level {lv}, index {low + offset}) 缺失或与重算结果不符（日志表被改动）"
            result.problems.append(Problem("node", message))


def _packed_leaf_hashes(cursor: Any, start: int, end: int) -> list[bytes] | None:
    """PostgreSQL: the leaf hashes of ``[start, end)`` as one value, when nothing is wrong there.

    One row instead of one per leaf (the per-row cost on both sides was most of the block's client
    time). ``None`` — a leaf missing, a hash not 32 bytes, data not matching its hash — sends the
    caller to the row-by-row path, which names what is wrong.
    """
    # Rows from an ordered, fenced subquery (the index order) rather than ``string_agg(… ORDER BY)``,
    # which sorts them again. PostgreSQL documents this order as what "usually" reaches the aggregate:
    # ``check_block`` trusts a packed result only when everything built from it matches the store.
    cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE (sha256('\\x00'::bytea || data) = leaf_hash) IS NOT TRUE),"
        " string_agg(leaf_hash, ''::bytea) FROM (SELECT data, leaf_hash FROM ledger_leaves"
        f" WHERE leaf_index >= {int(start)} AND leaf_index < {int(end)}"
        " ORDER BY leaf_index OFFSET 0) AS block"
    )
    count, bad, packed = cursor.fetchone()
    width = 32 * (end - start)
    if count != end - start or bad or packed is None or len(packed) != width:
        return None
    packed = bytes(packed)
    return [packed[i : i + 32] for i in range(0, width, 32)]


def _streamed_leaf_hashes(cursor: Any, start: int, end: int) -> list[bytes] | None:
    """SQLite: the leaf hashes of ``[start, end)``, each leaf's data hashed here, when nothing is wrong.

    No leaf index is read: a chunk with as many rows as indexes in its range (the primary key is
    unique) has every index once, in order. ``None`` — a leaf missing, data not matching its hash —
    sends the caller to :func:`_leaf_level`, which names what is wrong.
    """
    copy = hashlib.sha256(_LEAF_PREFIX).copy  # cheaper than hashing ``prefix + data`` (no new bytes)
    hashes: list[bytes] = []
    for low in range(start, end, _FETCH):
        high = min(low + _FETCH, end)
        cursor.execute(
            "SELECT leaf_hash, data FROM ledger_leaves"
            f" WHERE leaf_index >= {int(low)} AND leaf_index < {int(high)} ORDER BY leaf_index"
        )
        rows = cursor.fetchall()
        if len(rows) != high - low:
            return None
        for leaf_hash, data in rows:
            digest = copy()
            digest.update(data)
            if digest.digest() != leaf_hash:
                return None
        hashes += [leaf_hash for leaf_hash, _data in rows]
    return hashes


def _packed_nodes(cursor: Any, where: str) -> bytes | None:
    """PostgreSQL: the stored hashes of one level's range, concatenated in index order (one row).

    ``None`` when a stored hash is not 32 bytes: only then could two different levels concatenate
    to the same bytes (a 33-byte hash followed by a 31-byte one), so an equal concatenation of
    32-byte hashes is an equal level, node for node.
    """
    cursor.execute(  # ordered as in ``_packed_leaf_hashes``
        "SELECT count(*) FILTER (WHERE octet_length(hash) IS DISTINCT FROM 32), string_agg(hash, ''::bytea)"
        f" FROM (SELECT hash FROM ledger_nodes WHERE {where} ORDER BY idx OFFSET 0) AS level"
    )
    odd, packed = cursor.fetchone()
    return None if odd or packed is None else bytes(packed)


def _stack_at(levels: list[list[bytes]], offset: int) -> list[bytes]:
    """The perfect subtrees covering the block's first ``offset`` leaves, largest first."""
    stack, position = [], 0
    for lv in range(len(levels) - 1, -1, -1):
        if offset >> lv & 1:
            stack.append(levels[lv][position >> lv])
            position += 1 << lv
    return stack


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
