"""The audit trail (安全审计): append-only, hash-chained log of reads and writes of credit data.

``audit_log`` rows are never updated or deleted (database triggers refuse it); each row's ``hash`` is
SHA-256(prev_hash ‖ canonical JSON of the row), so changing, removing or reordering any row breaks the
chain from there on (``ggzy-credit audit verify``). ``audit_head`` holds the last sequence number and
hash; appending updates it first, which serialises appends (a row lock on PostgreSQL, the write lock
on SQLite). ``audit_targets`` indexes the subject and record ids each row names (enquiry lists, search).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base

SEQ = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_principal", "principal", "seq"),
    )

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # read | write | denied | login | login_failed | cli
    action: Mapped[str] = mapped_column(
        String(200)
    )  # "GET /api/v1/subjects/{subject_id}/pii", "cli user create"
    actor: Mapped[str] = mapped_column(String(120))  # role:name
    principal: Mapped[str] = mapped_column(String(40))  # user:7 | token:3 | cli:root | anonymous
    role: Mapped[str | None] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(200))
    subject_ids: Mapped[list[int]] = mapped_column(JSON)
    record_ids: Mapped[list[int]] = mapped_column(JSON)
    purpose: Mapped[str | None] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(64))
    grant_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditTarget(Base):
    __tablename__ = "audit_targets"
    __table_args__ = (Index("ix_audit_targets_target", "target_type", "target_id", "seq"),)

    seq: Mapped[int] = mapped_column(SEQ, ForeignKey("audit_log.seq"), primary_key=True)
    target_type: Mapped[str] = mapped_column(String(8), primary_key=True)  # subject | record
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(SEQ)
    hash: Mapped[str] = mapped_column(String(64))
