"""Live rows compared with their leaves inside the database, for sources with ``sql_members``.

One statement per id window names every suspect: a leaf whose data differs from its row rendered
as canonical JSON (:mod:`ggzy_credit.ledger.sqljson`), a leaf without a row, a row without a leaf.
PostgreSQL does it in one ``FULL JOIN`` of the window's rows and leaves (hash or merge join, no
probe per row); SQLite in a join plus two counts, and an anti-join only when the counts show a row
without a leaf (``FULL JOIN`` needs SQLite 3.39). Only suspects
come back; :mod:`ggzy_credit.ledger.checks` re-checks them in Python before reporting anything.

Every leaf of a row is compared, not only its latest: a superseded leaf differs and comes back,
and the re-check then looks at the latest leaf only (rows rarely have more than one leaf).

PostgreSQL compares the *plain* rendering first (no ``replace()`` escapes) when the row's strings
hold no ``"`` and no ``\\`` (:func:`~ggzy_credit.ledger.sqljson.plain_is_exact`), and the escaped
rendering only when that fails: most rows cost one rendering without escapes. The plain rendering
and the strings are computed once per row in a subquery fenced with ``OFFSET 0`` (referenced twice,
an inlined expression would be evaluated twice).

The statements are compiled once per process and run with the window's bounds as parameters: the
payload expression alone has hundreds of nodes, too many to rebuild for every window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Dialect, and_, bindparam, exists, func, null, or_, select, union_all
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
    statements = _statements(entity, session.get_bind().dialect, _client_utf8(session))
    low = _NO_LOW if after is None else after
    high = _NO_HIGH if upto is None else upto
    if statements.count is not None:  # PostgreSQL: the full join names every suspect
        ids = {entity_id for (entity_id,) in statements.find.run(session, low, high)}
        return ids, int(statements.count.run(session, low, high).scalar() or 0)
    ids, without_row, rows, leaf_ids = set(), set(), 0, 0
    for entity_id, first, second in statements.find.run(session, low, high):
        if entity_id is None:  # the counts row
            rows, leaf_ids = int(first), int(second)
            continue
        ids.add(entity_id)
        if first:
            without_row.add(entity_id)
    if rows > leaf_ids - len(without_row):  # more rows than rows with a leaf: some were never logged
        assert statements.unlogged is not None
        ids |= {entity_id for (entity_id,) in statements.unlogged.run(session, low, high)}
    return ids, rows


def prepare(session: Session, entities: list[str]) -> None:
    """Compile the statements now, in the process that forks the workers: they inherit them."""
    for entity in entities:
        _statements(entity, session.get_bind().dialect, _client_utf8(session))


def _client_utf8(session: Session) -> bool:
    """PostgreSQL: does the connection receive text as UTF-8 (``textsend()`` then gives UTF-8)?"""
    driver = session.connection().connection.driver_connection
    info = getattr(driver, "info", None)
    return getattr(info, "encoding", None) == "utf-8"


@dataclass(frozen=True)
class _Statements:
    find: _Compiled  # PostgreSQL: every suspect; SQLite: see ``_changed_and_counts``
    count: _Compiled | None  # PostgreSQL: live rows in the window
    unlogged: _Compiled | None  # SQLite: rows without a leaf, run only when the counts say so


@lru_cache(maxsize=64)
def _statements(entity: str, dialect: Dialect, client_utf8: bool) -> _Statements:
    src = source(entity)
    key = src.id_column
    low, high = bindparam("low", type_=BigInteger), bindparam("high", type_=BigInteger)
    if dialect.name == "postgresql":
        count = select(func.count()).select_from(key.table).where(key > low, key <= high)
        find = _full_join(entity, low, high, client_utf8)
        return _Statements(_compile(find, dialect), _compile(count, dialect), None)
    unlogged = select(key).where(
        key > low, key <= high, ~exists().where(LedgerLeaf.entity == entity, LedgerLeaf.entity_id == key)
    )
    find = _changed_and_counts(entity, low, high, dialect.name)
    return _Statements(_compile(find, dialect), None, _compile(unlogged, dialect))


def _compile(query: Select[Any], dialect: Dialect) -> _Compiled:
    compiled = query.compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positiontup else None
    return _Compiled(str(compiled), dict(compiled.params), order)


def _full_join(entity: str, low: Any, high: Any, client_utf8: bool) -> Select[Any]:
    """PostgreSQL: one ``FULL JOIN`` of the window's leaves and rows; plain rendering first."""
    src = source(entity)
    assert src.sql_members is not None
    members = src.sql_members()
    key = src.id_column
    leaves = (
        select(LedgerLeaf.entity_id, LedgerLeaf.kind, LedgerLeaf.data)
        .where(LedgerLeaf.entity == entity, LedgerLeaf.entity_id > low, LedgerLeaf.entity_id <= high)
        .subquery("l")
    )
    rows = select(key.table).where(key > low, key <= high).subquery("r")
    # The payload expressions name the table's columns; point them at the window's subquery instead.
    to_rows = ClauseAdapter(rows).traverse
    plain_payload = to_rows(sqljson.obj(members, "postgresql", plain=True))
    plain = sqljson.event(entity, leaves.c.entity_id, leaves.c.kind, plain_payload, "postgresql", plain=True)
    joined = (
        select(
            leaves.c.entity_id.label("leaf_entity_id"),
            leaves.c.kind.label("leaf_kind"),
            leaves.c.data.label("leaf_data"),
            plain.label("rendered_plain"),
            to_rows(sqljson.strings(leaves.c.kind, members)).label("rendered_strings"),
            *rows.c,
        )
        .select_from(leaves.join(rows, rows.c[key.name] == leaves.c.entity_id, full=True))
        .offset(0)
        .subquery("j")
    )
    j = joined.c
    escaped = sqljson.event(
        entity,
        j.leaf_entity_id,
        j.leaf_kind,
        ClauseAdapter(joined).traverse(sqljson.obj(members, "postgresql")),
        "postgresql",
    )
    row_key = j[key.name]
    plain_equal = and_(
        sqljson.plain_is_exact(j.rendered_strings),
        sqljson.data_equals(j.leaf_data, j.rendered_plain, "postgresql", client_utf8=client_utf8),
    )
    return select(func.coalesce(j.leaf_entity_id, row_key)).where(
        or_(
            j.leaf_entity_id.is_(None),
            row_key.is_(None),
            or_(plain_equal, sqljson.data_equals(j.leaf_data, escaped, "postgresql")).is_not(True),
        )
    )


def _changed_and_counts(entity: str, low: Any, high: Any, dialect: str) -> Select[Any]:
    """SQLite: ``(entity id, row missing, NULL)`` per leaf that differs from its row or has none, and
    one last row ``(NULL, live rows, distinct entity ids among the leaves)``.

    One statement, so one snapshot: when there are no more live rows than ids with both a leaf
    and a row, every row has a leaf and the anti-join (a probe per row) is not needed.
    """
    src = source(entity)
    assert src.sql_members is not None
    key = src.id_column
    payload = sqljson.obj(src.sql_members(), dialect)
    rendered = sqljson.event(entity, LedgerLeaf.entity_id, LedgerLeaf.kind, payload, dialect)
    in_window = (LedgerLeaf.entity == entity, LedgerLeaf.entity_id > low, LedgerLeaf.entity_id <= high)
    changed = (
        select(LedgerLeaf.entity_id, key.is_(None), null())
        .select_from(LedgerLeaf)
        .outerjoin(key.table, key == LedgerLeaf.entity_id)
        .where(
            *in_window,
            or_(key.is_(None), sqljson.data_equals(LedgerLeaf.data, rendered, dialect).is_not(True)),
        )
    )
    counts = select(
        null(),
        select(func.count()).select_from(key.table).where(key > low, key <= high).scalar_subquery(),
        select(func.count(LedgerLeaf.entity_id.distinct())).where(*in_window).scalar_subquery(),
    )
    return union_all(changed, counts)  # type: ignore[return-value]
