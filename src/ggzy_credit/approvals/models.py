"""Approval requests (四眼原则): a purpose, narrow targets, a second person's decision, a bounded grant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class ApprovalRequest(Base):
    __tablename__ = "approval_requests"
    __table_args__ = (
        Index("ix_approval_requests_state", "state", "kind"),
        Index("ix_approval_requests_requester", "requested_by_principal", "kind", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # unmask_pii | bulk_export | credit_change
    purpose: Mapped[str] = mapped_column(String(500))
    # Stored state: pending | approved | rejected | used; "expired" is derived from the times.
    state: Mapped[str] = mapped_column(String(16))
    requested_by_principal: Mapped[str] = mapped_column(String(40))
    requested_by: Mapped[str] = mapped_column(String(120))
    requester_role: Mapped[str] = mapped_column(String(16))
    requester_organisation: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    pending_until: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    valid_hours: Mapped[int] = mapped_column(Integer)
    decided_by_principal: Mapped[str | None] = mapped_column(String(40))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class ApprovalTarget(Base):
    """What a request covers: subjects (``subject``) or credit records (``record``)."""

    __tablename__ = "approval_targets"
    __table_args__ = (Index("ix_approval_targets_target", "target_type", "target_id"),)

    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), primary_key=True
    )
    target_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
