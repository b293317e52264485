"""Appending to and verifying the hash-chained audit log.

``hash(n) = SHA-256(bytes(prev_hash) ‖ canonical_json(payload(n)))`` with the RFC 8785 canonical JSON
of ``ggzy_credit.ledger.canonical``; the first row's ``prev_hash`` is 64 zeros. Times enter the payload
as UTC ISO-8601 with microseconds, so the same row hashes the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ggzy_credit.audit.models import AuditEntry, AuditHead, AuditTarget
from ggzy_credit.ledger.canonical import canonical_json

GENESIS = "0" * 64
HEAD_ID = 1
FIELDS = (
    "seq",
    "at",
    "kind",
    "action",
    "actor",
    "principal",
    "role",
    "organisation",
    "subject_ids",
    "record_ids",
    "purpose",
    "ip",
    "grant_id",
    "detail",
)
_log = AuditEntry.__table__
_targets = AuditTarget.__table__
_head = AuditHead.__table__


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload(row: dict[str, Any]) -> dict[str, Any]:
    """The hashed form of a row: every field but the hashes, times as UTC strings."""
    out = {name: row.get(name) for name in FIELDS}
    out["at"] = timestamp(row["at"])
    out["subject_ids"] = list(row.get("subject_ids") or [])
    out["record_ids"] = list(row.get("record_ids") or [])
    return out


def link(prev_hash: str, row: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(payload(row))).hexdigest()


def _reserve(session: Session, count: int) -> tuple[int, str]:
    """Lock the head and claim ``count`` sequence numbers: (last seq before them, its hash)."""
    stmt = (
        update(_head)
        .where(_head.c.id == HEAD_ID)
        .values(seq=_head.c.seq + count)
        .returning(_head.c.seq, _head.c.hash)
    )
    row = session.execute(stmt).first()
    if row is None:  # fresh (or truncated) database: create the head, then claim again
        dialect = session.get_bind().dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        last = session.execute(select(_log.c.seq, _log.c.hash).order_by(_log.c.seq.desc()).limit(1)).first()
        start = (last.seq, last.hash) if last else (0, GENESIS)
        session.execute(maker(_head).values(id=HEAD_ID, seq=start[0], hash=start[1]).on_conflict_do_nothing())
        row = session.execute(stmt).first()
        assert row is not None
    return row.seq - count, row.hash


def append(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Append rows (dicts with ``FIELDS`` but ``seq``) in order; returns their sequence numbers.

    The head stays locked from the reservation to the commit, so everything that does not need the
    head is done before it, and on PostgreSQL the rows, their targets and the new head hash go in one
    statement: the lock is held for two round trips and the commit (issue #9: audited reads of every
    worker queue on it).
    """
    if not rows:
        return []
    prepared = []
    for row in rows:
        full = dict(row)
        full["subject_ids"] = sorted(set(full.get("subject_ids") or []))
        full["record_ids"] = sorted(set(full.get("record_ids") or []))
        prepared.append(full)
    last_seq, prev = _reserve(session, len(rows))
    values, targets = [], []
    for i, full in enumerate(prepared, start=1):
        full["seq"] = last_seq + i
        digest = link(prev, full)
        values.append({**{name: full.get(name) for name in FIELDS}, "prev_hash": prev, "hash": digest})
        targets += [
            {"seq": full["seq"], "target_type": "subject", "target_id": s} for s in full["subject_ids"]
        ]
        targets += [{"seq": full["seq"], "target_type": "record", "target_id": r} for r in full["record_ids"]]
        prev = digest
    head = update(_head).where(_head.c.id == HEAD_ID).values(hash=prev)
    if session.get_bind().dialect.name == "postgresql":
        # One statement: WITH lines AS (INSERT …), targets AS (INSERT …) UPDATE audit_head …; the
        # targets' foreign keys are checked at its end, when the lines are there.
        head = head.add_cte(insert(_log).values(values).returning(_log.c.seq).cte("audit_lines"))
        if targets:
            head = head.add_cte(
                insert(_targets).values(targets).returning(_targets.c.seq).cte("lines_targets")
            )
        session.execute(head)
    else:  # SQLite: in process, no round trips to save
        session.execute(insert(_log), values)
        if targets:
            session.execute(insert(_targets), targets)
        session.execute(head)
    return [v["seq"] for v in values]


@dataclass
class Verification:
    rows: int = 0
    ok: bool = True
    bad_seq: int | None = None
    problem: str | None = None

    def fail(self, seq: int | None, problem: str) -> Verification:
        self.ok, self.bad_seq, self.problem = False, seq, problem
        return self


def verify(session: Session, batch: int = 5000) -> Verification:
    """Recompute the chain from the first row; report the first row that does not fit."""
    report = Verification()
    prev, expected = GENESIS, 1
    while True:
        rows = (
            session.execute(select(_log).where(_log.c.seq >= expected).order_by(_log.c.seq).limit(batch))
            .mappings()
            .all()
        )
        if not rows:
            break
        index: dict[int, set[tuple[str, int]]] = {}
        for t in session.execute(
            select(_targets).where(_targets.c.seq.between(rows[0]["seq"], rows[-1]["seq"]))
        ):
            index.setdefault(t.seq, set()).add((t.target_type, t.target_id))
        for row in rows:
            seq = row["seq"]
            if seq != expected:
                return report.fail(expected, f"缺少第 {expected} 条（下一条为第 {seq} 条）")
            if row["prev_hash"] != prev:
                return report.fail(seq, "前序哈希不符（此前的记录被删除或篡改）")
            if link(prev, dict(row)) != row["hash"]:
                return report.fail(seq, "内容与哈希不符（记录被篡改）")
            wanted = {("subject", s) for s in row["subject_ids"]} | {("record", r) for r in row["record_ids"]}
            if index.get(seq, set()) != wanted:
                return report.fail(seq, "检索索引与记录内容不符")
            prev, expected = row["hash"], seq + 1
            report.rows += 1
    head = session.execute(select(_head).where(_head.c.id == HEAD_ID)).first()
    if head is not None and (head.seq != expected - 1 or head.hash != prev):
        return report.fail(
            head.seq, f"链头（第 {head.seq} 条）与日志末尾（第 {expected - 1} 条）不符：有记录被删除"
        )
    extra = session.scalar(select(func.count()).select_from(_targets).where(_targets.c.seq >= expected))
    if extra:
        return report.fail(expected, "检索索引含有不存在的记录")
    return report
