"""Ledger use cases: log credit events in the caller's transaction, sign tree heads, read them back.

Services that create a credit event call :func:`log_rows` (or :func:`append`) *after* writing the
event's row and *before* their transaction commits: the leaf then exists exactly when the event
does. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import NotFound
from ggzy_credit.ledger import store
from ggzy_credit.ledger.encoding import event_bytes
from ggzy_credit.ledger.keys import key_id
from ggzy_credit.ledger.models import LedgerHead, LedgerLeaf
from ggzy_credit.ledger.registry import IdFilter, source, sources
from ggzy_credit.ledger.tree_head import TreeHead, sign_head

_CHUNK = 1000


@dataclass(frozen=True)
class Event:
    """One credit event: ``kind`` (e.g. ``record.created``) about row ``entity_id`` of table ``entity``."""

    kind: str
    entity: str
    entity_id: int
    payload: dict[str, Any]
    public: bool = True


def append(
    session: Session, kind: str, entity: str, entity_id: int, payload: dict[str, Any], *, public: bool = True
) -> int:
    """Append one event; returns its leaf index. Prefer :func:`log_rows` for registered entities."""
    return append_many(session, [Event(kind, entity, entity_id, payload, public)])[0]


def append_many(session: Session, events: Sequence[Event]) -> list[int]:
    """Append events in order with one round of inserts; returns their leaf indices."""
    leaves = [
        store.NewLeaf(
            e.kind, e.entity, e.entity_id, event_bytes(e.kind, e.entity, e.entity_id, e.payload), e.public
        )
        for e in events
    ]
    return store.append_leaves(session, leaves)


def log_rows(session: Session, kind: str, entity: str, ids: Sequence[int]) -> list[int]:
    """Append one ``kind`` event per row of ``entity``, payloads read back through its registered source.

    Reading the rows back (in the same transaction) is what makes each leaf recomputable by
    ``verify``: the payload comes from the database exactly as verify will see it later.
    """
    src = source(entity)
    session.flush()  # sources read through the session's connection, past the ORM
    out: list[int] = []
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start : start + _CHUNK]
        keep = set(part)
        loaded = [r for r in src.load(session, _id_filter(part)) if r.id in keep]
        rows = {r.id: r for r in loaded}
        missing = [i for i in part if i not in rows]
        if missing:
            raise LookupError(f"{entity} rows {missing[:5]} are not visible to the ledger")
        public = src.public(session, loaded) if src.public else {}
        if src.fast_encode is None:
            out += append_many(
                session, [Event(kind, entity, i, rows[i].payload, public.get(i, True)) for i in part]
            )
            continue
        # The source's specialised encoder writes the same bytes as ``event_bytes`` for its rows
        # (tested) and raises, like it, on a value canonical JSON cannot hold.
        encode = src.fast_encode
        leaves = [
            store.NewLeaf(kind, entity, i, encode(kind, i, rows[i].payload), public.get(i, True))
            for i in part
        ]
        out += store.append_leaves(session, leaves)
    return out


def _id_filter(ids: list[int]) -> IdFilter:
    """A range when the ids are dense (rows just created together), else the list.

    A range is one small statement; a list of 1,000 ids is 1,000 bind parameters to render and
    parse. Rows of the range that were not asked for are dropped by the caller.
    """
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        return IdFilter(after=low - 1, upto=high)
    return IdFilter(ids=ids)


def backfill_if_empty(session: Session, window: int = 5_000) -> int:
    """Log every existing row once, if the log is empty (a database created before the ledger).

    Only ever on an empty log: backfilling later would bless rows inserted behind the app's back.
    """
    if store.size(session) or session.scalar(select(func.count()).select_from(LedgerLeaf)):
        return 0
    total = 0
    for entity, src in sorted(sources().items()):
        bounds = src.id_bounds(session)
        if bounds is None:
            continue
        for after in range(bounds[0] - 1, bounds[1], window):
            rows = src.load(session, IdFilter(after=after, upto=after + window))
            if not rows:
                continue
            public = src.public(session, rows) if src.public else {}
            kind = f"{entity}.backfilled"
            total += len(
                append_many(
                    session, [Event(kind, entity, r.id, r.payload, public.get(r.id, True)) for r in rows]
                )
            )
    return total


# -- signed tree heads ---------------------------------------------------------------------------


def sign(session: Session, key: Ed25519PrivateKey) -> TreeHead:
    """Sign the current tree (even if unchanged: a fresh timestamp shows the log is alive)."""
    size = store.reserve(session, 0)  # serialise with appenders so heads come in tree order
    root = store.root(session, size)
    timestamp_ms = int(clock.now().timestamp() * 1000)
    head = sign_head(key, size, root, timestamp_ms)
    session.add(
        LedgerHead(
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            timestamp_ms=head.timestamp_ms,
            signature=head.signature,
            key_id=key_id(key),
            created_at=clock.now(),
        )
    )
    session.flush()
    return head


def sign_if_grown(
    session: Session, key: Ed25519PrivateKey, max_age: timedelta = timedelta(days=1)
) -> TreeHead | None:
    """Sign after a batch of events, unless the latest head covers the whole tree and is fresh.

    A head older than ``max_age`` is renewed even when nothing changed ("at least daily").
    """
    latest = latest_head(session)
    if latest is not None and latest.tree_size == store.size(session):
        age_ms = int(clock.now().timestamp() * 1000) - latest.timestamp_ms
        if age_ms < max_age.total_seconds() * 1000:
            return None
    return sign(session, key)


def as_tree_head(row: LedgerHead) -> TreeHead:
    return TreeHead(row.tree_size, bytes(row.root_hash), row.timestamp_ms, bytes(row.signature))


def latest_head(session: Session) -> TreeHead | None:
    row = session.scalar(select(LedgerHead).order_by(LedgerHead.id.desc()).limit(1))
    return None if row is None else as_tree_head(row)


def heads(session: Session, *, offset: int = 0, limit: int | None = None) -> tuple[int, list[TreeHead]]:
    """Signed heads, oldest first."""
    total = session.scalar(select(func.count()).select_from(LedgerHead)) or 0
    query = select(LedgerHead).order_by(LedgerHead.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return total, [as_tree_head(r) for r in session.scalars(query)]


def entry(session: Session, index: int) -> LedgerLeaf:
    row = session.get(LedgerLeaf, index)
    if row is None:
        raise NotFound(f"账本中没有序号为 {index} 的条目")
    return row


def first_index(session: Session, entity: str, ids: Sequence[int]) -> dict[int, int]:
    """The leaf that logged each row's creation (its first leaf), for API representations."""
    out: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        part = list(ids[start : start + _CHUNK])
        rows = session.execute(
            select(LedgerLeaf.entity_id, func.min(LedgerLeaf.leaf_index))
            .where(LedgerLeaf.entity == entity, LedgerLeaf.entity_id.in_(part))
            .group_by(LedgerLeaf.entity_id)
        )
        out.update({eid: idx for eid, idx in rows})
    return out
