"""Set-based helpers for batch writers: membership filters and bulk inserts that stay cheap on both databases.

PostgreSQL gets one array parameter (``= ANY(:values)``) instead of an ``IN`` list with one bind
per value, which SQLAlchemy and psycopg must render and parse afresh for every batch size, and
``COPY`` instead of an executemany. SQLite keeps ``IN`` lists (in chunks) and executemany.
Everything runs on the session's own connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, String, Table, any_, bindparam, insert
from sqlalchemy.orm import Session

SQLITE_CHUNK = 500  # values per IN list on SQLite


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def member_filters(session: Session, column: Any, values: Iterable[Any]) -> Iterator[ColumnElement[bool]]:
    """Filters that together select ``column`` ∈ ``values``: one on PostgreSQL, one per chunk on SQLite.

    Run the query once per filter and merge the results. No values, no filters.
    """
    wanted = list(values)
    if not wanted:
        return
    if is_postgresql(session):
        item_type = Integer() if isinstance(column.type, Integer) else String()
        yield column == any_(bindparam(None, wanted, type_=ARRAY(item_type)))
        return
    for start in range(0, len(wanted), SQLITE_CHUNK):
        yield column.in_(wanted[start : start + SQLITE_CHUNK])


def insert_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, copy_above: int = 50
) -> None:
    """Insert ``rows`` (same keys each): ``COPY`` for more than ``copy_above`` rows on PostgreSQL, else
    an executemany.

    ``COPY`` skips SQLAlchemy's type processing: values must already be what the driver stores
    (aware datetimes, dates, str, int, bytes), and column defaults are not applied.
    """
    if not rows:
        return
    if len(rows) <= copy_above or not is_postgresql(session):
        session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([row[c] for c in columns])


def next_ids(session: Session, table: Table, count: int, column: str = "id") -> list[int]:
    """Reserve ``count`` values of a PostgreSQL serial/identity column's sequence, ascending (one query).

    Other transactions may take values in between: the ids are unique, not necessarily contiguous.
    """
    if count <= 0:
        return []
    rows = session.connection().exec_driver_sql(
        "SELECT nextval(s.seq)"
        " FROM (SELECT pg_get_serial_sequence(%(table)s, %(column)s)::regclass AS seq) s,"
        " generate_series(1, %(count)s) ORDER BY 1",
        {"table": table.name, "column": column, "count": count},
    )
    return [int(i) for (i,) in rows]
