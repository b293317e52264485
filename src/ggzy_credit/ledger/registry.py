"""Which tables the ledger covers, and how to recompute a leaf's payload from a live row.

Each feature that logs events registers an :class:`EntitySource` for the table (the *entity*) its
events are about. The same ``load`` function builds the payload when the event is appended (from
the row just written, read back in the same transaction) and when ``ggzy-credit ledger verify``
recomputes it from the live table, so the two can only differ if the row was changed behind the
application's back.

Rule for sources: the *latest* leaf of an entity row describes that row's current state. Events
that do not (a revocation, an objection's decision) get their own entity — the table holding the
event row — rather than logging a second payload shape against someone else's table.

Providers: modules that call :func:`register` at import. Add yours to ``PROVIDERS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

PROVIDERS: list[str] = [
    "ggzy_credit.ledger.sources",
    "ggzy_credit.records.ledger_source",
    "ggzy_credit.workflows.ledger_sources",
]


class LiveRow(NamedTuple):
    id: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class IdFilter:
    """Rows by explicit ids, or by the id range ``after < id <= upto`` (either bound optional)."""

    ids: Sequence[int] | None = None
    after: int | None = None
    upto: int | None = None

    def on(self, column: Any) -> ColumnElement[bool]:
        if self.ids is not None:
            return column.in_(list(self.ids))  # type: ignore[no-any-return]
        parts = []
        if self.after is not None:
            parts.append(column > self.after)
        if self.upto is not None:
            parts.append(column <= self.upto)
        return and_(*parts) if parts else true()


@dataclass(frozen=True)
class EntitySource:
    """How the ledger reads one table.

    ``load(session, filter)`` returns the selected rows' payloads ordered by id, in a fixed number
    of queries (set-based: verify streams every row of the table through it). Payload values must be
    ``None``, booleans, integers within ±(2^53 − 1), strings, or lists/dicts of them; dates as ISO
    strings. ``public(session, rows)`` says which of the loaded rows' leaf data anyone may read
    (default: all).
    """

    entity: str
    id_column: Any  # the table's integer primary key, e.g. ``CreditRecord.id``
    load: Callable[[Session, IdFilter], list[LiveRow]]
    public: Callable[[Session, list[LiveRow]], dict[int, bool]] | None = None
    label: str = ""
    # Optional: ``event_bytes`` specialised to this payload (``sources.encode_record``): the same bytes,
    # raising as it does on values canonical JSON cannot hold. Appends and verify use it when set.
    fast_encode: Callable[[str, int, dict[str, Any]], bytes] | None = None
    # Optional: the payload's members as ``(key, column, kind)`` (``sources.record_members``), for the
    # database to render as canonical JSON so verify compares rows inside it; see ``ledger.sqljson``.
    sql_members: Callable[[], Sequence[tuple[str, Any, str]]] | None = None

    def name_of(self, entity_id: int) -> str:
        return f"{self.label or self.entity} #{entity_id}"

    def id_bounds(self, session: Session) -> tuple[int, int] | None:
        """Smallest and largest id in the live table (``None`` when empty)."""
        low, high = session.execute(select(func.min(self.id_column), func.max(self.id_column))).one()
        return None if low is None else (int(low), int(high))


_SOURCES: dict[str, EntitySource] = {}


def register(source: EntitySource) -> EntitySource:
    _SOURCES[source.entity] = source
    return source


def sources() -> dict[str, EntitySource]:
    """Every registered source (importing the providers first)."""
    for module in PROVIDERS:
        importlib.import_module(module)
    return dict(_SOURCES)


def source(entity: str) -> EntitySource:
    found = sources().get(entity)
    if found is None:
        raise LookupError(f"no ledger source registered for entity {entity!r}")
    return found
