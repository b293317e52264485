"""Early warnings (预警) raised by the monitoring rules, and the subjects each one concerns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class EarlyWarning(Base):
    """A finding of one rule. ``fingerprint`` identifies the finding, so re-running rules never
    duplicates it; status goes new → confirmed | dismissed (with reason), once."""

    __tablename__ = "early_warnings"
    __table_args__ = (Index("ix_early_warnings_status", "status", "rule", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(8))  # high | medium | low
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    project_code: Mapped[str | None] = mapped_column(String(100), index=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="new")  # new | confirmed | dismissed
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    raised_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class EarlyWarningSubject(Base):
    __tablename__ = "early_warning_subjects"

    warning_id: Mapped[int] = mapped_column(
        ForeignKey("early_warnings.id", ondelete="CASCADE"), primary_key=True
    )
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True, index=True)
