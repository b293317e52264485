"""Tables of the tamper-evident ledger: leaves, perfect-subtree nodes, signed tree heads, the size.

Level 0 of the Merkle tree is ``ledger_leaves.leaf_hash``; ``ledger_nodes`` holds the perfect
subtrees of level 1 and above (see ``docs/fragments/ledger-hashing.md``). Rows are written once and
never updated; only ``ledger_state`` (one row) changes, and taking it is what serialises appends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base

# SQLite: INTEGER PRIMARY KEY is the rowid (compact, fast); PostgreSQL: a 64-bit column.
Index64 = BigInteger().with_variant(Integer(), "sqlite")


class LedgerLeaf(Base):
    """One credit event: its canonical JSON (``data``) and RFC 9162 leaf hash, at position ``leaf_index``."""

    __tablename__ = "ledger_leaves"
    __table_args__ = (Index("ix_ledger_leaves_entity", "entity", "entity_id", "leaf_index"),)

    leaf_index: Mapped[int] = mapped_column(Index64, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # Whether anyone may read ``data`` (personal data and unpublished records are withheld).
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LedgerNode(Base):
    """Hash of the perfect subtree over leaves ``[idx·2^level, (idx+1)·2^level)``, level ≥ 1."""

    __tablename__ = "ledger_nodes"
    __table_args__ = ({"sqlite_with_rowid": False},)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerHead(Base):
    """A signed tree head (STH). Every head is kept: old heads are what catch a rewritten history."""

    __tablename__ = "ledger_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LedgerState(Base):
    """The one row (id 1) holding the tree size; appenders update it first, which serialises them."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)
