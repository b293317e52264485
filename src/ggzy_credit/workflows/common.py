"""What every workflow shares: who may act, written reasons, guarded state transitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from ggzy_credit.workflows.models import WorkflowTransition

DECIDERS = frozenset({Role.ADMIN, Role.REVIEWER})  # accept, review, decide, verify complaints
STAFF = frozenset({Role.ADMIN, Role.REVIEWER, Role.RECORDER})
CASE_READERS = frozenset({Role.ADMIN, Role.REVIEWER, Role.RECORDER, Role.REGULATOR, Role.SUBJECT})
REASON_MAX = 4000

T = TypeVar("T")


class Actor(Protocol):
    """The caller as the workflows see it (``auth`` callers satisfy this)."""

    @property
    def role(self) -> Role: ...

    @property
    def label(self) -> str: ...


class CalendarYearMissing(DomainError):
    """503: a deadline reaches a year whose holiday arrangement nobody has loaded."""

    status = 503
    code = "calendar_year_missing"


def subjects_of(caller: Any) -> frozenset[int]:
    """Subjects the caller acts for: a subject token's subject, or every subject of an account."""
    ids = set(getattr(caller, "subject_ids", None) or ())
    if getattr(caller, "subject_id", None) is not None:
        ids.add(caller.subject_id)
    return frozenset(ids)


def principal(caller: Any) -> str:
    """The person or system behind the call, for the four-eyes rule (``user:7`` / ``token:3``)."""
    value = getattr(caller, "principal", None)
    if isinstance(value, str) and value:
        return value
    return f"token:{getattr(caller, 'token_id', None)}"


def require_role(caller: Any, roles: Iterable[Role], action: str) -> None:
    if Role(caller.role) not in set(roles):
        raise Forbidden(f"当前角色无权{action}")


def require_acts_for(caller: Any, subject_id: int) -> None:
    if subject_id not in subjects_of(caller):
        raise Forbidden("只能为本账号所代表的经营主体办理")


def can_read_subject_case(caller: Any, subject_id: int) -> bool:
    role = Role(caller.role)
    if role is Role.SUBJECT:
        return subject_id in subjects_of(caller)
    return role in CASE_READERS


def default_subject(caller: Any, subject_id: int | None) -> int:
    """The subject a subject account files for: given, or its only subject."""
    if subject_id is not None:
        require_acts_for(caller, subject_id)
        return subject_id
    mine = subjects_of(caller)
    if len(mine) != 1:
        raise InvalidInput.field("subject_id", "请指明为哪个经营主体办理")
    return next(iter(mine))


def written_reason(value: str | None, field: str = "reason") -> str:
    text = (value or "").strip()
    if len(text) < 2:
        raise InvalidInput.field(field, "请填写书面理由", "missing_reason")
    if len(text) > REASON_MAX:
        raise InvalidInput.field(field, f"理由不超过 {REASON_MAX} 字", "too_long")
    return text


def locked(session: Session, model: type[T], case_id: int, what: str) -> T:
    """The case row, locked for this transaction (PostgreSQL row lock; SQLite locks on write)."""
    row = session.get(model, case_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"{what} {case_id} 不存在")
    return row


def require_state(current: str, allowed: Iterable[str], action: str, labels: dict[str, str]) -> None:
    allowed = set(allowed)
    if current not in allowed:
        raise Conflict(f"当前状态为“{labels.get(current, current)}”，不能{action}", status=current)


def log_transition(
    session: Session,
    case_kind: str,
    case_id: int,
    from_status: str | None,
    to_status: str,
    actor: str,
    actor_role: str,
    reason: str,
) -> None:
    session.add(
        WorkflowTransition(
            case_kind=case_kind,
            case_id=case_id,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            actor_role=actor_role,
            reason=reason,
            at=clock.now(),
        )
    )


def log_transitions(
    session: Session, case_kind: str, rows: list[tuple[int, str, str]], actor: str, reason: str
) -> None:
    """Many cases, one step each ``(case_id, from, to)``, same actor and reason: one bulk INSERT."""
    if not rows:
        return
    now = clock.now()
    session.execute(
        insert(WorkflowTransition),
        [
            {
                "case_kind": case_kind,
                "case_id": case_id,
                "from_status": before,
                "to_status": after,
                "actor": actor,
                "actor_role": "system",
                "reason": reason,
                "at": now,
            }
            for case_id, before, after in rows
        ],
    )


def history(session: Session, case_kind: str, case_id: int) -> list[WorkflowTransition]:
    return list(
        session.scalars(
            select(WorkflowTransition)
            .where(WorkflowTransition.case_kind == case_kind, WorkflowTransition.case_id == case_id)
            .order_by(WorkflowTransition.id)
        )
    )
