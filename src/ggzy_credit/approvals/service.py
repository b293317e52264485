"""Approvals (四眼原则, Shandong (12) 未经批准不得擅自调阅、更改): request, decide, use.

Viewing unmasked personal data (``unmask_pii``), bulk export of non-public data (``bulk_export``) and
any change to credit data (``credit_change``: correction, revocation, deletion of evidence) need a
request stating a purpose and naming exactly which subjects or records it covers, approved by a
second person — an administrator or reviewer who is not the requester. The grant belongs to the
requester, covers only the named targets, expires (``valid_hours`` from approval) and is used up
after ``max_uses`` uses. Pending requests lapse after ``PENDING_DAYS``.

Other features call ``require_grant`` before the guarded operation and ``use_grant`` as part of it,
in the same transaction, so a failed operation does not consume the grant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.approvals.models import ApprovalRequest, ApprovalTarget
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, Forbidden, InvalidInput, NotFound
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.subjects.models import Subject

PENDING_DAYS = 7
DEFAULT_VALID_HOURS = 24
MAX_VALID_HOURS = 24 * 7
MAX_USES = 100
MAX_TARGETS = 5000


class Kind(StrEnum):
    UNMASK_PII = "unmask_pii"  # 查看未脱敏个人信息
    BULK_EXPORT = "bulk_export"  # 批量导出非公开信息
    CREDIT_CHANGE = "credit_change"  # 更正、撤销信用记录，删除证据


class State(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    USED = "used"
    EXPIRED = "expired"  # derived: approved past expires_at, or pending past pending_until


KIND_LABELS = {
    Kind.UNMASK_PII: "查看未脱敏个人信息",
    Kind.BULK_EXPORT: "批量导出非公开信息",
    Kind.CREDIT_CHANGE: "变更信用信息",
}
# Who may ask for what; the approvers are always administrators and reviewers.
REQUESTERS = {
    Kind.UNMASK_PII: frozenset({Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR}),
    Kind.BULK_EXPORT: frozenset({Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR}),
    Kind.CREDIT_CHANGE: frozenset({Role.ADMIN, Role.RECORDER, Role.REVIEWER}),
}
APPROVERS = frozenset({Role.ADMIN, Role.REVIEWER})
TARGET_TYPES = {Kind.UNMASK_PII: "subject", Kind.BULK_EXPORT: "subject", Kind.CREDIT_CHANGE: "record"}


@dataclass(frozen=True)
class Target:
    type: str  # subject | record
    id: int

    @classmethod
    def subject(cls, subject_id: int) -> Target:
        return cls("subject", subject_id)

    @classmethod
    def record(cls, record_id: int) -> Target:
        return cls("record", record_id)


Grant = ApprovalRequest


def state_of(req: ApprovalRequest) -> State:
    now = clock.now()
    if req.state == State.APPROVED and req.expires_at is not None and req.expires_at <= now:
        return State.EXPIRED
    if req.state == State.PENDING and req.pending_until <= now:
        return State.EXPIRED
    return State(req.state)


def request(
    session: Session,
    caller: Caller,
    kind: Kind,
    purpose: str,
    *,
    subject_ids: Sequence[int] = (),
    record_ids: Sequence[int] = (),
    max_uses: int = 1,
) -> ApprovalRequest:
    kind = Kind(kind)
    if caller.role not in REQUESTERS[kind]:
        raise Forbidden(f"当前角色不能申请“{KIND_LABELS[kind]}”")
    purpose = (purpose or "").strip()
    if len(purpose) < 4:
        raise InvalidInput.field("purpose", "请说明申请目的（至少 4 个字）")
    wanted = TARGET_TYPES[kind]
    if wanted == "subject" and record_ids:
        raise InvalidInput.field("record_ids", f"“{KIND_LABELS[kind]}”应指定经营主体（subject_ids）")
    if wanted == "record" and subject_ids:
        raise InvalidInput.field("subject_ids", f"“{KIND_LABELS[kind]}”应指定信用记录（record_ids）")
    ids = sorted(set(subject_ids if wanted == "subject" else record_ids))
    field = "subject_ids" if wanted == "subject" else "record_ids"
    if not ids:
        raise InvalidInput.field(field, "请指定申请涉及的对象")
    if len(ids) > MAX_TARGETS:
        raise InvalidInput.field(field, f"一次申请至多涉及 {MAX_TARGETS} 个对象", "too_long")
    model = Subject if wanted == "subject" else CreditRecord
    found = set(session.scalars(select(model.id).where(model.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput.field(
            field, f"{'经营主体' if wanted == 'subject' else '信用记录'} {missing[0]} 不存在"
        )
    if not 1 <= max_uses <= MAX_USES:
        raise InvalidInput.field("max_uses", f"使用次数应在 1 至 {MAX_USES} 之间")
    now = clock.now()
    req = ApprovalRequest(
        kind=kind.value,
        purpose=purpose[:500],
        state=State.PENDING.value,
        requested_by_principal=caller.principal,
        requested_by=caller.label,
        requester_role=caller.role.value,
        requester_organisation=caller.organisation,
        created_at=now,
        pending_until=now + timedelta(days=PENDING_DAYS),
        max_uses=max_uses,
        uses=0,
        valid_hours=DEFAULT_VALID_HOURS,
    )
    session.add(req)
    session.flush()
    session.add_all(ApprovalTarget(request_id=req.id, target_type=wanted, target_id=i) for i in ids)
    session.flush()
    return req


def get(session: Session, request_id: int) -> ApprovalRequest:
    req = session.get(ApprovalRequest, request_id)
    if req is None:
        raise NotFound(f"审批申请 {request_id} 不存在")
    return req


def decide(
    session: Session,
    caller: Caller,
    request_id: int,
    *,
    approve: bool,
    note: str | None = None,
    valid_hours: int = DEFAULT_VALID_HOURS,
) -> ApprovalRequest:
    if caller.role not in APPROVERS:
        raise Forbidden("只有管理员和复核员可以审批")
    if caller.user_id is None:
        raise Forbidden("审批须由本人账号办理（门户登录或个人令牌），系统令牌不能审批")
    req = get(session, request_id)
    if req.requested_by_principal == caller.principal:
        raise Forbidden("不能审批本人提出的申请（四眼原则）")
    if state_of(req) is not State.PENDING:
        raise Conflict(f"申请当前状态为 {state_of(req).value}，不能再审批")
    note = (note or "").strip() or None
    if not approve and not note:
        raise InvalidInput.field("note", "驳回须说明理由")
    if not 1 <= valid_hours <= MAX_VALID_HOURS:
        raise InvalidInput.field("valid_hours", f"有效期应在 1 至 {MAX_VALID_HOURS} 小时之间")
    now = clock.now()
    # Conditional update: two reviewers deciding at once cannot both succeed.
    changed = session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.id == req.id, ApprovalRequest.state == State.PENDING.value)
        .values(
            state=(State.APPROVED if approve else State.REJECTED).value,
            decided_by_principal=caller.principal,
            decided_by=caller.label,
            decided_at=now,
            decision_note=note and note[:500],
            valid_hours=valid_hours,
            expires_at=now + timedelta(hours=valid_hours) if approve else None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict("申请已被他人审批")
    session.refresh(req)
    return req


def targets_of(session: Session, request_ids: Iterable[int]) -> dict[int, list[Target]]:
    out: dict[int, list[Target]] = {}
    ids = list(request_ids)
    for start in range(0, len(ids), 500):
        for t in session.scalars(
            select(ApprovalTarget)
            .where(ApprovalTarget.request_id.in_(ids[start : start + 500]))
            .order_by(ApprovalTarget.target_type, ApprovalTarget.target_id)
        ):
            out.setdefault(t.request_id, []).append(Target(t.target_type, t.target_id))
    return out


def require_grant(
    session: Session, caller: Caller, kind: Kind | str, target: Target | Iterable[Target]
) -> Grant:
    """The caller's approved, unexpired, not used-up grant of ``kind`` covering every ``target``.

    Raises ``Forbidden`` (code ``approval_required``) when there is none.
    """
    kind = Kind(kind)
    wanted = {target} if isinstance(target, Target) else set(target)
    now = clock.now()
    candidates = session.scalars(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.kind == kind.value,
            ApprovalRequest.state == State.APPROVED.value,
            ApprovalRequest.requested_by_principal == caller.principal,
            ApprovalRequest.expires_at > now,
            ApprovalRequest.uses < ApprovalRequest.max_uses,
        )
        .order_by(ApprovalRequest.expires_at)
    ).all()
    if candidates and wanted:
        covered = _covering(session, [c.id for c in candidates], wanted)
        for grant in candidates:
            if grant.id in covered:
                return grant
    raise ApprovalRequired(
        f"需要经批准的“{KIND_LABELS[kind]}”申请：请先提交申请（POST /api/v1/approvals），"
        "经管理员或复核员批准后在有效期内办理"
    )


def _covering(session: Session, request_ids: list[int], wanted: set[Target]) -> set[int]:
    match = or_(
        *(and_(ApprovalTarget.target_type == t.type, ApprovalTarget.target_id == t.id) for t in wanted)
    )
    rows = session.execute(
        select(ApprovalTarget.request_id)
        .where(ApprovalTarget.request_id.in_(request_ids), match)
        .group_by(ApprovalTarget.request_id)
        .having(func.count() == len(wanted))
    )
    return {r.request_id for r in rows}


def use_grant(session: Session, grant: Grant) -> Grant:
    """Consume one use (atomically: concurrent uses of a single-use grant cannot both succeed)."""
    now = clock.now()
    changed = session.execute(
        update(ApprovalRequest)
        .where(
            ApprovalRequest.id == grant.id,
            ApprovalRequest.state == State.APPROVED.value,
            ApprovalRequest.uses < ApprovalRequest.max_uses,
            ApprovalRequest.expires_at > now,
        )
        .values(uses=ApprovalRequest.uses + 1, last_used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ApprovalRequired("审批授权已用完或已过期，请重新申请")
    session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.id == grant.id, ApprovalRequest.uses >= ApprovalRequest.max_uses)
        .values(state=State.USED.value)
        .execution_options(synchronize_session=False)
    )
    session.refresh(grant)
    return grant


def listing(
    session: Session,
    caller: Caller,
    *,
    state: State | None = None,
    kind: Kind | None = None,
    mine: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, Sequence[ApprovalRequest]]:
    """Administrators and reviewers see every request; everyone else their own."""
    query = select(ApprovalRequest)
    if mine or caller.role not in APPROVERS:
        query = query.where(ApprovalRequest.requested_by_principal == caller.principal)
    if kind is not None:
        query = query.where(ApprovalRequest.kind == kind.value)
    if state is not None:
        query = query.where(_state_condition(state))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ApprovalRequest.id.desc()).limit(limit).offset(offset)).all()
    return total, rows


def _state_condition(state: State):  # type: ignore[no-untyped-def]
    now = clock.now()
    r = ApprovalRequest
    if state is State.PENDING:
        return and_(r.state == State.PENDING.value, r.pending_until > now)
    if state is State.APPROVED:
        return and_(r.state == State.APPROVED.value, r.expires_at > now)
    if state is State.EXPIRED:
        return or_(
            and_(r.state == State.PENDING.value, r.pending_until <= now),
            and_(r.state == State.APPROVED.value, r.expires_at <= now),
        )
    return r.state == state.value


class ApprovalRequired(Forbidden):
    code = "approval_required"
