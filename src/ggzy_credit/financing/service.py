"""Authorisations: known banks, create, list, revoke, and the live grant a bank's report needs.

A bank is identified by its registered organisation (``users.organisation`` of a bank account, or
``api_tokens.organisation`` of a stand-alone bank system token): every account and token of that
institution shares its grants, and no other institution's caller can use them. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.models import ApiToken, User
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from ggzy_credit.financing import rules
from ggzy_credit.financing.models import FinancingGrant
from ggzy_credit.financing.rules import GrantState
from ggzy_credit.subjects.models import Subject


class NoGrant(Forbidden):
    """403 for a bank without a live authorisation for the subject."""

    code = "no_financing_grant"


def known_banks(session: Session) -> list[str]:
    """Organisations of bank accounts that are not locked and of live stand-alone bank tokens."""
    now = clock.now()
    users = select(User.organisation).where(
        User.role == Role.BANK.value, User.locked_at.is_(None), User.organisation.is_not(None)
    )
    tokens = select(ApiToken.organisation).where(
        ApiToken.role == Role.BANK.value,
        ApiToken.user_id.is_(None),
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        ApiToken.organisation.is_not(None),
    )
    names = set(session.scalars(users)) | set(session.scalars(tokens))
    return sorted(n for n in names if n)


def bank_of(caller: Caller) -> str:
    """The institution a bank caller acts for; a bank account without one can use no grant."""
    organisation = (caller.organisation or "").strip()
    if not organisation:
        raise NoGrant("本金融机构账号未登记所属单位，不能使用信用查询授权")
    return organisation


def create_grant(
    session: Session,
    caller: Caller,
    subject_id: int,
    *,
    bank: str,
    valid_from: date | None,
    valid_until: date,
    purpose: str,
) -> FinancingGrant:
    if session.get(Subject, subject_id) is None:
        raise NotFound(f"经营主体 {subject_id} 不存在")
    today = clock.today()
    start = valid_from or today
    bank = bank.strip()
    purpose = purpose.strip()
    problems = [
        FieldProblem(("body", p.field), p.message, p.type)
        for p in rules.period_problems(start, valid_until, today)
    ]
    if not bank:
        problems.insert(0, FieldProblem(("body", "bank"), "请填写金融机构名称", "missing"))
    elif bank not in known_banks(session):
        problems.insert(
            0,
            FieldProblem(
                ("body", "bank"),
                f"金融机构“{bank}”未在本平台登记（GET /api/v1/financing/banks）",
                "unknown_bank",
            ),
        )
    if not rules.MIN_PURPOSE <= len(purpose) <= rules.MAX_PURPOSE:
        problems.append(
            FieldProblem(
                ("body", "purpose"), f"授权用途应为 {rules.MIN_PURPOSE}–{rules.MAX_PURPOSE} 字", "length"
            )
        )
    if problems:
        raise InvalidInput(problems)
    for other in session.scalars(
        select(FinancingGrant).where(
            FinancingGrant.subject_id == subject_id,
            FinancingGrant.bank == bank,
            FinancingGrant.revoked_at.is_(None),
            FinancingGrant.valid_until >= today,
        )
    ):
        if rules.overlaps(start, valid_until, other.valid_from, other.valid_until):
            raise Conflict(
                f"已有对“{bank}”的授权（编号 {other.id}，{other.valid_from} 至 {other.valid_until}）"
                "与此期间重叠；如需变更请先撤销",
                existing_id=other.id,
            )
    grant = FinancingGrant(
        subject_id=subject_id,
        bank=bank,
        valid_from=start,
        valid_until=valid_until,
        purpose=purpose,
        created_by=caller.label[:120],
        created_by_principal=caller.principal,
        created_at=clock.now(),
    )
    session.add(grant)
    session.flush()
    return grant


def grant_of_subject(session: Session, subject_id: int, grant_id: int) -> FinancingGrant:
    grant = session.get(FinancingGrant, grant_id)
    if grant is None or grant.subject_id != subject_id:
        raise NotFound(f"授权 {grant_id} 不存在")
    return grant


def revoke_grant(session: Session, caller: Caller, subject_id: int, grant_id: int) -> FinancingGrant:
    """Revoke at once (idempotent: a second call changes nothing)."""
    grant = grant_of_subject(session, subject_id, grant_id)
    if grant.revoked_at is None:
        grant.revoked_at = clock.now()
        grant.revoked_by = caller.label[:120]
        session.flush()
    return grant


def state_of(grant: FinancingGrant, today: date | None = None) -> GrantState:
    return rules.state(grant.valid_from, grant.valid_until, grant.revoked_at, today or clock.today())


def listing(
    session: Session,
    *,
    subject_id: int | None = None,
    bank: str | None = None,
    state: GrantState | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, Sequence[FinancingGrant]]:
    """Grants, newest first, filtered by subject, bank and state on today."""
    query = select(FinancingGrant)
    if subject_id is not None:
        query = query.where(FinancingGrant.subject_id == subject_id)
    if bank is not None:
        query = query.where(FinancingGrant.bank == bank)
    if state is not None:
        query = query.where(*_state_clause(state, clock.today()))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(FinancingGrant.id.desc()).limit(limit).offset(offset)).all()
    return total, rows


def _state_clause(state: GrantState, today: date) -> list:  # type: ignore[type-arg]
    live = FinancingGrant.revoked_at.is_(None)
    if state is GrantState.REVOKED:
        return [FinancingGrant.revoked_at.is_not(None)]
    if state is GrantState.PENDING:
        return [live, FinancingGrant.valid_from > today]
    if state is GrantState.EXPIRED:
        return [live, FinancingGrant.valid_until < today]
    return [live, FinancingGrant.valid_from <= today, FinancingGrant.valid_until >= today]


def subject_names(session: Session, subject_ids: Sequence[int]) -> dict[int, str]:
    ids = sorted(set(subject_ids))
    if not ids:
        return {}
    rows = session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(ids)))
    return {subject_id: name for subject_id, name in rows}


def live_grant(session: Session, caller: Caller, subject_id: int) -> FinancingGrant:
    """The bank caller's grant from ``subject_id`` that is live today, or :class:`NoGrant` saying why.

    When none is live, the reason comes from the bank's most relevant grant for the subject (the
    latest revoked, expired or pending one); another bank's grants are never considered.
    """
    bank = bank_of(caller)
    today = clock.today()
    grants = session.scalars(
        select(FinancingGrant)
        .where(FinancingGrant.subject_id == subject_id, FinancingGrant.bank == bank)
        .order_by(FinancingGrant.id.desc())
    ).all()
    for grant in grants:
        if state_of(grant, today) is GrantState.ACTIVE:
            return grant
    latest = grants[0] if grants else None
    reason = rules.refusal(
        state_of(latest, today) if latest else None,
        latest.valid_from if latest else None,
        latest.valid_until if latest else None,
    )
    raise NoGrant(reason)
