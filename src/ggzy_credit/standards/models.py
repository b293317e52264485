"""Platforms, their versioned scoring standards (评估标准) and the credit items they list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ggzy_credit.db.base import Base


class Platform(Base):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # centre | sub
    sector: Mapped[str] = mapped_column(String(100), default="")
    regulator: Mapped[str] = mapped_column(String(100), default="")
    commitment_templates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    standards: Mapped[list[Standard]] = relationship(back_populates="platform", order_by="Standard.id")


class Standard(Base):
    """One version of a platform's scoring standard. Applies once filed (备案) and effective."""

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("platform_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # draft | filed
    filed_on: Mapped[date | None]
    filed_with: Mapped[str | None] = mapped_column(String(100))
    effective_from: Mapped[date | None]
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bands → labels, labels → measures, repair settings, false-commitment item: published with it.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    platform: Mapped[Platform] = relationship(back_populates="standards")
    items: Mapped[list[StandardItem]] = relationship(
        back_populates="standard", order_by="StandardItem.code", lazy="selectin"
    )


class StandardItem(Base):
    __tablename__ = "standard_items"
    __table_args__ = (UniqueConstraint("standard_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(100))
    applies_to: Mapped[list[str]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))  # deduction | record_only | commendation
    points: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    standard: Mapped[Standard] = relationship(back_populates="items")
