"""Credit repair (信用修复, 山东方案（十一）): a subject that corrected its behaviour applies with evidence.

States: ``submitted`` → ``reviewed`` (a reviewer checks the evidence and recommends) → ``approved`` /
``rejected`` by a second person (not the reviewer: 四眼原则), or ``withdrawn`` by the subject while
open. Applications open only after the waiting period the record's standard sets for the item's
severity (``rules.repair.min_wait_days``), counted in calendar days from the deduction date.

Approval records a ``repaired`` event (``records.events.repair_record``) effective on the approval
date: the deduction stops counting from that day if the standard says ``stop_counting``, and the
record leaves public display if it says ``hide_from_public``. The history is re-evaluated, the
approval is a ledger event and the subject is told the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, Forbidden, InvalidInput
from ggzy_credit.ledger import service as ledger
from ggzy_credit.records.events import REMOVING, EventKind, RecordEvent, repair_record
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import Standard, StandardItem
from ggzy_credit.workflows import evidence as files
from ggzy_credit.workflows.common import (
    DECIDERS,
    locked,
    log_transition,
    principal,
    require_acts_for,
    require_role,
    require_state,
    written_reason,
)
from ggzy_credit.workflows.models import RepairApplication
from ggzy_credit.workflows.notifications import REPAIR_DECIDED, Notice, notify

CASE = "repair"
LEDGER_ENTITY = "repair_applications"
LEDGER_APPROVED = "repair.approved"

SUBMITTED, REVIEWED, APPROVED, REJECTED, WITHDRAWN = (
    "submitted",
    "reviewed",
    "approved",
    "rejected",
    "withdrawn",
)
OPEN = (SUBMITTED, REVIEWED)
STATUS_LABELS = {
    SUBMITTED: "已提交",
    REVIEWED: "已审核",
    APPROVED: "已批准",
    REJECTED: "未批准",
    WITHDRAWN: "已撤回",
}
SEVERITY_LABELS = {"minor": "轻微", "general": "一般", "serious": "严重"}


def repair_rules(standard: Standard | None) -> dict[str, Any]:
    return dict(((standard.rules or {}).get("repair") or {}) if standard is not None else {})


def eligible_from(session: Session, record: CreditRecord) -> tuple[date, int, str]:
    """(first day an application is accepted, waiting days, severity) for ``record``."""
    standard = session.get(Standard, record.standard_id)
    item = session.get(StandardItem, record.item_id)
    severity = item.severity if item is not None else "serious"
    waits = repair_rules(standard).get("min_wait_days") or {}
    days = int(waits.get(severity, 0))
    return record.deducted_on + timedelta(days=days), days, severity


def apply(
    session: Session,
    caller: Any,
    *,
    record_id: int,
    reason: str,
    uploads: Sequence[files.Upload],
    evidence_root: Any,
    max_bytes: int,
) -> RepairApplication:
    require_role(caller, {Role.SUBJECT}, "申请信用修复（须由经营主体账号提交）")
    reason = written_reason(reason)
    checked = files.check_uploads(uploads, max_bytes)
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise InvalidInput.field("record_id", f"信用记录 {record_id} 不存在", "not_found")
    require_acts_for(caller, record.subject_id)
    item = session.get(StandardItem, record.item_id)
    if item is not None and item.kind == "commendation":
        raise InvalidInput.field("record_id", "表彰信息无需修复", "not_repairable")
    kinds = set(session.scalars(select(RecordEvent.kind).where(RecordEvent.record_id == record_id)))
    if kinds & set(REMOVING):
        raise Conflict(f"信用记录 {record_id} 已撤销或更正，无需修复")
    if EventKind.REPAIRED.value in kinds:
        raise Conflict(f"信用记录 {record_id} 已修复")
    existing = session.scalar(
        select(RepairApplication.id)
        .where(RepairApplication.record_id == record_id, RepairApplication.status.in_(OPEN))
        .limit(1)
    )
    if existing is not None:
        raise Conflict("该信用记录已有处理中的修复申请", existing_id=existing)
    start, days, severity = eligible_from(session, record)
    today = clock.today()
    if today < start:
        raise InvalidInput.field(
            "record_id",
            f"{SEVERITY_LABELS.get(severity, severity)}失信行为自扣分之日起满 {days} 日方可申请修复，"
            f"最早可于 {start} 申请",
            "too_early",
        )
    application = RepairApplication(
        subject_id=record.subject_id,
        record_id=record_id,
        platform_id=record.platform_id,
        reason=reason,
        status=SUBMITTED,
        eligible_from=start,
        submitted_by=caller.label,
        submitted_at=clock.now(),
    )
    session.add(application)
    session.flush()
    files.attach(session, evidence_root, CASE, application.id, checked, caller.label)
    log_transition(session, CASE, application.id, None, SUBMITTED, caller.label, caller.role, reason)
    session.flush()
    return application


def review(
    session: Session, caller: Any, application_id: int, recommendation: str, reason: str
) -> RepairApplication:
    """First pair of eyes: check the evidence and recommend approval or rejection."""
    require_role(caller, DECIDERS, "审核信用修复申请")
    reason = written_reason(reason)
    if recommendation not in ("approve", "reject"):
        raise InvalidInput.field("recommendation", "recommendation 应为 approve 或 reject", "enum")
    application = locked(session, RepairApplication, application_id, "信用修复申请")
    require_state(application.status, {SUBMITTED}, "审核", STATUS_LABELS)
    application.status = REVIEWED
    application.reviewed_by, application.reviewed_principal = caller.label, principal(caller)
    application.reviewed_at, application.recommendation, application.review_opinion = (
        clock.now(),
        recommendation,
        reason,
    )
    log_transition(
        session,
        CASE,
        application.id,
        SUBMITTED,
        REVIEWED,
        caller.label,
        caller.role,
        f"{'建议批准' if recommendation == 'approve' else '建议不予批准'}：{reason}",
    )
    session.flush()
    return application


def decide(
    session: Session, caller: Any, application_id: int, approve: bool, reason: str
) -> RepairApplication:
    """Second pair of eyes: approve (the repair takes effect today) or reject."""
    require_role(caller, DECIDERS, "批准信用修复")
    reason = written_reason(reason)
    application = locked(session, RepairApplication, application_id, "信用修复申请")
    require_state(
        application.status, {REVIEWED}, "作出决定（须先审核，且每件申请只能决定一次）", STATUS_LABELS
    )
    if application.reviewed_principal == principal(caller):
        raise Forbidden("审核人不能批准自己审核的修复申请（四眼原则）")
    now = clock.now()
    if approve:
        record = session.get(CreditRecord, application.record_id)
        assert record is not None
        # The approval date; a same-day approval of a record deducted today starts the next day.
        effective = max(now.date(), record.deducted_on + timedelta(days=1))
        event = repair_record(
            session, record.id, effective, f"信用修复申请 {application.id} 批准：{reason}", caller.label
        )
        rules = repair_rules(session.get(Standard, record.standard_id))
        application.effective_on, application.record_event_id = effective, event.id
        application.hide_from_public = bool(rules.get("hide_from_public"))
        application.stop_counting = bool(event.stops_counting)
    application.status = APPROVED if approve else REJECTED
    application.decided_by, application.decided_at, application.decision_reason = caller.label, now, reason
    log_transition(
        session, CASE, application.id, REVIEWED, application.status, caller.label, caller.role, reason
    )
    session.flush()
    if approve:
        ledger.log_rows(session, LEDGER_APPROVED, LEDGER_ENTITY, [application.id])
    notify(
        session,
        [
            Notice(
                application.subject_id,
                REPAIR_DECIDED,
                _title(application),
                _body(application),
                f"/api/v1/repairs/{application.id}",
            )
        ],
    )
    return application


def withdraw(session: Session, caller: Any, application_id: int, reason: str) -> RepairApplication:
    require_role(caller, {Role.SUBJECT}, "撤回信用修复申请（仅申请主体可以撤回）")
    reason = written_reason(reason)
    application = locked(session, RepairApplication, application_id, "信用修复申请")
    require_acts_for(caller, application.subject_id)
    before = application.status
    require_state(before, OPEN, "撤回", STATUS_LABELS)
    application.status, application.withdrawn_at = WITHDRAWN, clock.now()
    log_transition(session, CASE, application.id, before, WITHDRAWN, caller.label, caller.role, reason)
    session.flush()
    return application


def _title(application: RepairApplication) -> str:
    return "信用修复申请已批准" if application.status == APPROVED else "信用修复申请未获批准"


def _body(application: RepairApplication) -> str:
    head = f"您对信用记录 {application.record_id} 提出的信用修复申请（编号 {application.id}）"
    if application.status != APPROVED:
        return f"{head}未获批准。理由：{application.decision_reason}"
    effects = []
    if application.hide_from_public:
        effects.append("该记录不再公开展示")
    if application.stop_counting:
        effects.append("其扣分不再计入信用记分")
    effect = "，".join(effects) or "修复已登记"
    return f"{head}已批准，自 {application.effective_on} 起{effect}。理由：{application.decision_reason}"


# -- public display -------------------------------------------------------------------------------


def hiding_standard_ids(session: Session) -> list[int]:
    """Standards whose repair rules take a repaired record off public display (a handful of rows)."""
    return [
        sid
        for sid, rules in session.execute(select(Standard.id, Standard.rules))
        if ((rules or {}).get("repair") or {}).get("hide_from_public")
    ]


def hidden_from_public_clause(session: Session, on: date | None = None) -> Any:
    """SQL condition, true for credit records repaired (in effect on ``on``) under a hiding standard.

    Public views add ``~hidden_from_public_clause(session)`` to their WHERE clause.
    """
    on = on or clock.today()
    return and_(
        CreditRecord.standard_id.in_(hiding_standard_ids(session)),
        exists().where(
            RecordEvent.record_id == CreditRecord.id,
            RecordEvent.kind == EventKind.REPAIRED.value,
            RecordEvent.effective_on <= on,
        ),
    )


def hidden_from_public(session: Session, record_ids: Sequence[int], on: date | None = None) -> set[int]:
    """The records among ``record_ids`` that have left public display through repair."""
    ids = list(record_ids)
    if not ids:
        return set()
    clause = hidden_from_public_clause(session, on)
    out: set[int] = set()
    for start in range(0, len(ids), 500):
        out.update(
            session.scalars(
                select(CreditRecord.id).where(CreditRecord.id.in_(ids[start : start + 500]), clause)
            )
        )
    return out
