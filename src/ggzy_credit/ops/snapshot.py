"""What a backup states about its database snapshot: revision, row counts, the latest signed head.

All of it is read through the connection that holds the snapshot being dumped (SQLite: the copy
itself; PostgreSQL: the transaction whose snapshot ``pg_dump --snapshot`` shares), so the manifest
describes exactly the data in the dump.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger import store

# Shown in the restore summary (every table is counted and compared).
KEY_TABLES = ("subjects", "credit_records", "record_events", "evidence", "score_history", "ledger_leaves")


@dataclass(frozen=True)
class Snapshot:
    alembic_revision: str | None
    row_counts: dict[str, int]
    ledger_tree_size: int
    ledger_head: dict[str, Any] | None


def table_names(connection: Connection) -> list[str]:
    """Tables of the connection's schema (PostgreSQL: ``current_schema()``), sorted."""
    return sorted(inspect(connection).get_table_names())


def row_counts(connection: Connection) -> dict[str, int]:
    prep = connection.dialect.identifier_preparer
    return {
        name: int(connection.scalar(text(f"SELECT count(*) FROM {prep.quote(name)}")) or 0)
        for name in table_names(connection)
    }


def alembic_revision(connection: Connection) -> str | None:
    if "alembic_version" not in table_names(connection):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def take(connection: Connection) -> Snapshot:
    counts = row_counts(connection)
    head = size = None
    if "ledger_heads" in counts:
        with Session(bind=connection) as session:
            latest = ledger.latest_head(session)
            head = latest.to_json() if latest else None
            size = store.size(session)
    return Snapshot(alembic_revision(connection), counts, size or 0, head)
