"""The Merkle log in the database: appending leaves and reading the nodes proofs need.

Every operation is O(log n) rows: an append of ``k`` leaves reads the ``popcount(n)`` frontier
nodes once and writes ``k`` leaves plus the perfect subtrees they complete (about ``k`` nodes); a
root or proof reads at most ``2·⌈log2 n⌉ + 1`` nodes, fetched together in two indexed queries.
The pure algorithms are :mod:`ggzy_credit.ledger.merkle`; this module only feeds them rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.db.bulk import insert_rows
from ggzy_credit.ledger import merkle
from ggzy_credit.ledger.models import LedgerLeaf, LedgerNode, LedgerState

T = TypeVar("T")
Key = tuple[int, int]
_DUMMY = bytes(merkle.HASH_SIZE)
_CHUNK = 500


@dataclass(frozen=True)
class NewLeaf:
    """A leaf to append: its data (canonical JSON bytes) and what it is about."""

    kind: str
    entity: str
    entity_id: int
    data: bytes
    public: bool = True


def reserve(session: Session, count: int) -> int:
    """Take the log for this transaction and reserve ``count`` positions; returns the first one.

    The UPDATE of the single ``ledger_state`` row is the lock: PostgreSQL holds the row lock until
    commit, SQLite takes its database write lock. A rolled-back transaction releases its positions.
    """
    stmt = (
        update(LedgerState)
        .where(LedgerState.id == 1)
        .values(tree_size=LedgerState.tree_size + count)
        .returning(LedgerState.tree_size)  # one round trip: the new size comes back with the lock
    )
    new_size = session.scalar(stmt)
    if new_size is None:
        _create_state(session)
        new_size = session.scalar(stmt)
    assert new_size is not None
    return int(new_size) - count


def _create_state(session: Session) -> None:
    """The state row is made by the migration; rebuild it if it is gone (e.g. after TRUNCATE)."""
    last = session.scalar(select(LedgerLeaf.leaf_index).order_by(LedgerLeaf.leaf_index.desc()).limit(1))
    session.execute(insert(LedgerState).values(id=1, tree_size=0 if last is None else last + 1))


def size(session: Session) -> int:
    """Committed (or, inside an appending transaction, this transaction's) tree size."""
    value = session.scalar(select(LedgerState.tree_size).where(LedgerState.id == 1))
    if value is None:
        last = session.scalar(select(LedgerLeaf.leaf_index).order_by(LedgerLeaf.leaf_index.desc()).limit(1))
        return 0 if last is None else last + 1
    return int(value)


def append_leaves(session: Session, leaves: Sequence[NewLeaf]) -> list[int]:
    """Append ``leaves`` in order, in the caller's transaction; returns their indices."""
    if not leaves:
        return []
    hashes = [merkle.leaf_hash(leaf.data) for leaf in leaves]  # before the lock: it is held until commit
    start = reserve(session, len(leaves))
    known = fetch_nodes(session, frontier_keys(start))
    created_at = clock.now()
    leaf_rows = []
    node_rows = []
    for offset, (leaf, leaf_hash) in enumerate(zip(leaves, hashes, strict=True)):
        for level, idx, value in merkle.append(start + offset, leaf_hash, lambda lv, i: known[(lv, i)]):
            known[(level, idx)] = value
            if level:
                node_rows.append({"level": level, "idx": idx, "hash": value})
        leaf_rows.append(
            {
                "leaf_index": start + offset,
                "kind": leaf.kind,
                "entity": leaf.entity,
                "entity_id": leaf.entity_id,
                "leaf_hash": leaf_hash,
                "data": leaf.data,
                "public": leaf.public,
                "created_at": created_at,
            }
        )
    _bulk_insert(session, LedgerLeaf, leaf_rows)
    _bulk_insert(session, LedgerNode, node_rows)
    return list(range(start, start + len(leaves)))


def _bulk_insert(session: Session, model: type, rows: list[dict[str, object]]) -> None:
    # More than 50 rows on PostgreSQL: COPY on the session's own connection (same transaction).
    insert_rows(session, model.__table__, rows, copy_above=50)  # type: ignore[attr-defined]


def frontier_keys(tree_size: int) -> set[Key]:
    """The perfect subtrees the next append may combine with: one per 1-bit of ``tree_size``."""
    keys = set()
    start = 0
    for level in range(tree_size.bit_length() - 1, -1, -1):
        if tree_size >> level & 1:
            keys.add((level, start >> level))
            start += 1 << level
    return keys


def fetch_nodes(session: Session, keys: Iterable[Key]) -> dict[Key, bytes]:
    """Stored hashes for ``(level, idx)`` keys (level 0 from the leaves); missing keys are absent.

    One round trip per 500 keys, as plain SQL with the integers inlined: proofs are latency-bound,
    and building the statement with SQLAlchemy's expression language costs more than running it.
    ``level = L AND idx IN (…)`` per level lets both databases search the primary key (SQLite
    scans the whole table for a row-value ``(level, idx) IN (…)``).
    """
    found: dict[Key, bytes] = {}
    for part in _chunks(sorted({(int(level), int(i)) for level, i in keys})):
        leaves = [str(i) for level, i in part if level == 0]
        by_level: dict[int, list[str]] = {}
        for level, i in part:
            if level > 0:
                by_level.setdefault(level, []).append(str(i))
        selects = []
        if leaves:
            selects.append(
                f"SELECT 0, leaf_index, leaf_hash FROM ledger_leaves WHERE leaf_index IN ({','.join(leaves)})"
            )
        if by_level:
            where = " OR ".join(
                f"(level = {level} AND idx IN ({','.join(ids)}))" for level, ids in by_level.items()
            )
            selects.append(f"SELECT level, idx, hash FROM ledger_nodes WHERE {where}")
        if selects:
            rows = session.connection().exec_driver_sql(" UNION ALL ".join(selects))
            found.update({(int(level), int(i)): bytes(h) for level, i, h in rows})
    return found


def _chunks(items: list[T]) -> Iterable[list[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class MissingNode(LookupError):
    """A node the tree should have is not stored (the log tables were damaged or edited)."""


def compute(session: Session, algorithm: Callable[[merkle.NodeGetter], T]) -> T:
    """Run a pure algorithm against stored nodes, fetching every node it needs in one round.

    Which nodes ``root``/``inclusion_proof``/``consistency_proof`` read depends only on the sizes,
    never on hash values, so a dry run with dummy hashes names them all.
    """
    wanted: set[Key] = set()

    def record(level: int, idx: int) -> bytes:
        wanted.add((level, idx))
        return _DUMMY

    algorithm(record)
    nodes = fetch_nodes(session, wanted)

    def get(level: int, idx: int) -> bytes:
        try:
            return nodes[(level, idx)]
        except KeyError:
            raise MissingNode(f"账本节点缺失：level={level}, index={idx}") from None

    return algorithm(get)


def root(session: Session, tree_size: int) -> bytes:
    return compute(session, lambda get: merkle.root(tree_size, get))


def inclusion_proof(session: Session, index: int, tree_size: int) -> list[bytes]:
    return compute(session, lambda get: merkle.inclusion_proof(index, tree_size, get))


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    return compute(session, lambda get: merkle.consistency_proof(first, second, get))
