"""Live rows compared with their leaves inside the database, for sources with an ``sql_payload``.

One statement per id window names every suspect: a leaf whose data differs from its row rendered
as canonical JSON (:mod:`ggzy_credit.ledger.sqljson`), a leaf without a row, a row without a leaf.
PostgreSQL does it in one ``FULL JOIN`` of the window's rows and leaves (hash or merge join, no
probe per row); SQLite in a join plus an anti-join (``FULL JOIN`` needs SQLite 3.39). Only suspects
come back; :mod:`ggzy_credit.ledger.checks` re-checks them in Python before reporting anything.

Every leaf of a row is compared, not only its latest: a superseded leaf differs and comes back,
and the re-check then looks at the latest leaf only (rows rarely have more than one leaf).

The statements are compiled once per process and run with the window's bounds as parameters: the
payload expression alone has hundreds of nodes, too many to rebuild for every window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Dialect, bindparam, exists, func, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import ClauseAdapter

from ggzy_credit.ledger import sqljson
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.registry import source

_NO_LOW, _NO_HIGH = -(2**62), 2**62


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: dict[str, Any]
    order: tuple[str, ...] | None  # parameter names in order, for positional drivers (SQLite)

    def run(self, session: Session, low: int, high: int) -> Any:
        values = {**self.params, "low": low, "high": high}
        args: Any = tuple(values[n] for n in self.order) if self.order else values
        return session.connection().exec_driver_sql(self.sql, args)


def suspects(session: Session, entity: str, after: int | None, upto: int | None) -> tuple[set[int], int]:
    """Ids to re-check in the window ``after < id <= upto``, and the number of live rows there."""
    find, count = _statements(entity, session.get_bind().dialect)
    low = _NO_LOW if after is None else after
    high = _NO_HIGH if upto is None else upto
    ids = {entity_id for (entity_id,) in find.run(session, low, high)}
    return ids, int(count.run(session, low, high).scalar() or 0)


def prepare(session: Session, entities: list[str]) -> None:
    """Compile the statements now, in the process that forks the workers: they inherit them."""
    for entity in entities:
        _statements(entity, session.get_bind().dialect)


@lru_cache(maxsize=64)
def _statements(entity: str, dialect: Dialect) -> tuple[_Compiled, _Compiled]:
    src = source(entity)
    key = src.id_column
    low, high = bindparam("low", type_=BigInteger), bindparam("high", type_=BigInteger)
    finder = _full_join if dialect.name == "postgresql" else _join_and_anti_join
    find = finder(entity, low, high, dialect.name)
    count = select(func.count()).select_from(key.table).where(key > low, key <= high)
    return _compile(find, dialect), _compile(count, dialect)


def _compile(query: Select[Any], dialect: Dialect) -> _Compiled:
    compiled = query.compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positiontup else None
    return _Compiled(str(compiled), dict(compiled.params), order)


def _full_join(entity: str, low: Any, high: Any, dialect: str) -> Select[Any]:
    src = source(entity)
    assert src.sql_payload is not None
    key = src.id_column
    leaves = (
        select(LedgerLeaf.entity_id, LedgerLeaf.kind, LedgerLeaf.data)
        .where(LedgerLeaf.entity == entity, LedgerLeaf.entity_id > low, LedgerLeaf.entity_id <= high)
        .subquery("l")
    )
    rows = select(key.table).where(key > low, key <= high).subquery("r")
    # The payload expression names the table's columns; point it at the window's subquery instead.
    payload = ClauseAdapter(rows).traverse(src.sql_payload(dialect))
    row_key = rows.c[key.name]
    rendered = sqljson.event(entity, leaves.c.entity_id, leaves.c.kind, payload, dialect)
    return (
        select(func.coalesce(leaves.c.entity_id, row_key))
        .select_from(leaves.join(rows, row_key == leaves.c.entity_id, full=True))
        .where(
            or_(
                leaves.c.entity_id.is_(None),
                row_key.is_(None),
                sqljson.data_equals(leaves.c.data, rendered, dialect).is_not(True),
            )
        )
    )


def _join_and_anti_join(entity: str, low: Any, high: Any, dialect: str) -> Select[Any]:
    src = source(entity)
    assert src.sql_payload is not None
    key = src.id_column
    rendered = sqljson.event(entity, LedgerLeaf.entity_id, LedgerLeaf.kind, src.sql_payload(dialect), dialect)
    changed = (
        select(LedgerLeaf.entity_id)
        .select_from(LedgerLeaf)
        .outerjoin(key.table, key == LedgerLeaf.entity_id)
        .where(
            LedgerLeaf.entity == entity,
            LedgerLeaf.entity_id > low,
            LedgerLeaf.entity_id <= high,
            or_(key.is_(None), sqljson.data_equals(LedgerLeaf.data, rendered, dialect).is_not(True)),
        )
    )
    unlogged = select(key).where(
        key > low, key <= high, ~exists().where(LedgerLeaf.entity == entity, LedgerLeaf.entity_id == key)
    )
    return union_all(changed, unlogged)  # type: ignore[return-value]
