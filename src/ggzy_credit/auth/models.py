"""Who may call: API tokens for system clients, user accounts for people, portal sessions.

A token may belong to a user (a personal token: it acts with the user's role, organisation, subjects
and platform scope) or stand alone (a system client: role and scope on the token itself).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Added by 0004 (access): owner, organisation, scopes, platform scope, rotation lineage.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[str | None] = mapped_column(String(200))
    scopes: Mapped[list[str] | None] = mapped_column(JSON)
    platforms: Mapped[list[str] | None] = mapped_column(JSON)
    rotated_from_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))


class User(Base):
    """A person: staff (admin, recorder, reviewer), regulator, market-entity account or bank."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    password_changed_at: Mapped[datetime]
    # Second factor (RFC 6238): the shared secret, encrypted like personal data; the last accepted
    # time step, so one code cannot be replayed.
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Regulators (and optionally recorders): platform codes they may see; NULL = every platform.
    platforms: Mapped[list[str] | None] = mapped_column(JSON)
    locked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class UserSubject(Base):
    """A market-entity account acts for one or more subjects."""

    __tablename__ = "user_subjects"
    __table_args__ = (Index("ix_user_subjects_subject", "subject_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)


class LoginThrottle(Base):
    """Failed logins per user name — kept for names that do not exist too, so lockout leaks nothing."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class PortalSession(Base):
    """A logged-in browser: the cookie carries a random id, the table only its hash."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
