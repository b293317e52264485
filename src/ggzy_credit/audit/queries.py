"""Reading the audit trail: a subject's enquiry list and the administrators' search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ggzy_credit.audit.models import AuditEntry, AuditTarget
from ggzy_credit.auth.models import ApiToken, UserSubject


def own_principals(session: Session, subject_id: int) -> list[str]:
    """The subject's own accounts and tokens: their reads are not enquiries by others."""
    users = session.scalars(select(UserSubject.user_id).where(UserSubject.subject_id == subject_id))
    tokens = session.scalars(
        select(ApiToken.id).where(ApiToken.subject_id == subject_id, ApiToken.user_id.is_(None))
    )
    return [f"user:{u}" for u in users] + [f"token:{t}" for t in tokens]


def _about(kind: str, target_id: int) -> Select:  # type: ignore[type-arg]
    return select(AuditEntry).join(
        AuditTarget,
        and_(
            AuditTarget.seq == AuditEntry.seq,
            AuditTarget.target_type == kind,
            AuditTarget.target_id == target_id,
        ),
    )


def _page(session: Session, query: Select, limit: int, offset: int) -> tuple[int, Sequence[AuditEntry]]:  # type: ignore[type-arg]
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)).all()
    return total, rows


def enquiries(
    session: Session, subject_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[int, Sequence[AuditEntry]]:
    """Reads of the subject's data by anyone but its own accounts, newest first (like a credit report)."""
    query = _about("subject", subject_id).where(AuditEntry.kind == "read")
    own = own_principals(session, subject_id)
    if own:
        query = query.where(AuditEntry.principal.not_in(own))
    return _page(session, query, limit, offset)


def search(
    session: Session,
    *,
    subject_id: int | None = None,
    record_id: int | None = None,
    principal: str | None = None,
    role: str | None = None,
    kind: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, Sequence[AuditEntry]]:
    query = _about("subject", subject_id) if subject_id is not None else select(AuditEntry)
    if record_id is not None:
        query = query.where(
            AuditEntry.seq.in_(
                select(AuditTarget.seq).where(
                    AuditTarget.target_type == "record", AuditTarget.target_id == record_id
                )
            )
        )
    if principal:
        query = query.where(AuditEntry.principal == principal)
    if role:
        query = query.where(AuditEntry.role == role)
    if kind:
        query = query.where(AuditEntry.kind == kind)
    if action:
        query = query.where(AuditEntry.action.contains(action, autoescape=True))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return _page(session, query, limit, offset)
