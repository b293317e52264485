"""Import runs, the external entries they brought in, and per-project bid-submission metadata."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class ImportRun(Base):
    """One file processed for one source, with its full report (matched, created, duplicate, rejected)."""

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_source", "source", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))  # succeeded | failed
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    run_by: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    subjects_created: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ExternalEntry(Base):
    """An entry of an external list (penalty, commendation, joint punishment, city record).

    The credit record holds what happened; this row holds where it came from and its publicity state,
    so a later file can retire it and the daily sweep can retire entries past their publicity period.
    """

    __tablename__ = "external_entries"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_external_entries_publicity", "status", "publicity_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    authority: Mapped[str | None] = mapped_column(String(200))
    document_no: Mapped[str | None] = mapped_column(String(100))
    publicity_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | retired | revoked
    retired_at: Mapped[datetime | None]
    retire_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class BidSubmission(Base):
    """One bidder's submission in one project: the input of the collusion warnings.

    Prices are integer fen (分) so comparisons are exact on every database. Contact phone and e-mail
    given in the bid are personal data: encrypted, blind-indexed (the phone under the same index
    column as subjects' phones, so the two compare), masked for display.
    """

    __tablename__ = "bid_submissions"
    __table_args__ = (
        UniqueConstraint("platform_id", "project_code", "bidder_id"),
        Index("ix_bid_submissions_bidder", "bidder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    project_code: Mapped[str] = mapped_column(String(100))
    project_name: Mapped[str | None] = mapped_column(String(300))
    bidder_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime]
    file_hash: Mapped[str | None] = mapped_column(String(128))
    machine_fingerprint: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(45))
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_index: Mapped[str | None] = mapped_column(String(64))
    contact_phone_masked: Mapped[str | None] = mapped_column(String(32))
    contact_email_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_email_index: Mapped[str | None] = mapped_column(String(64))
    contact_email_masked: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(40))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    payload_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
