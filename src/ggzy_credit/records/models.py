"""Credit records (市场信用信息记录) and their evidence. Rows are written once, never updated."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class CreditRecord(Base):
    __tablename__ = "credit_records"
    __table_args__ = (
        UniqueConstraint("platform_id", "external_id"),
        Index("ix_credit_records_subject", "subject_id", "platform_id", "deducted_on"),
        Index("ix_credit_records_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    external_id: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("standard_items.id"))
    item_code: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date]
    deducted_on: Mapped[date]
    project_code: Mapped[str | None] = mapped_column(String(100))
    project_name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    payload_hash: Mapped[str] = mapped_column(String(64))


class Evidence(Base):
    """A file attached to a record, stored content-addressed by SHA-256 under the evidence dir."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("record_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now())
