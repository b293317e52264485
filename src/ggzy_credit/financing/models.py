"""Authorisations (授权) a subject gives a bank to see its credit for a period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class FinancingGrant(Base):
    """One authorisation: ``bank`` (the bank's registered organisation) may pull the subject's credit
    report on every Asia/Shanghai calendar day from ``valid_from`` to ``valid_until`` inclusive, until
    ``revoked_at``. Rows are never deleted; revocation only sets ``revoked_at``/``revoked_by``."""

    __tablename__ = "financing_grants"
    __table_args__ = (
        CheckConstraint("valid_until >= valid_from", name="period_order"),
        Index("ix_financing_grants_subject", "subject_id", "bank"),
        Index("ix_financing_grants_bank", "bank", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    bank: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    purpose: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(120))
    created_by_principal: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(120))
