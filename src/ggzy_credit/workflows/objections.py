"""Objections (异议): a subject disputes a credit record or an evaluation result.

上海办法第十九条: the subject files in writing with supporting evidence; the platform answers within
20 working days of receipt; a wrong record or result is corrected and the subject told why. 山东方案
（十）: "谁申请、谁举证", records shown to be wrong are corrected promptly.

States: ``submitted`` → ``accepted`` → ``decided`` (upheld / partly upheld / rejected), or
``withdrawn`` by the subject while open. Each transition is made by the right role with a written
reason and logged in ``workflow_transitions``. An upheld objection corrects or revokes the record
through ``records.events`` (which re-evaluates the score history) and only with an approved
``credit_change`` grant (``workflows.grants``); the decision is a ledger event and the subject is
notified of the outcome and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.exchange import outbox
from ggzy_credit.ledger import service as ledger
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.events import REMOVING, RecordEvent, correct_record, revoke_record
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import Platform
from ggzy_credit.workdays.calendar import WorkCalendar
from ggzy_credit.workflows import evidence as files
from ggzy_credit.workflows.calendar_store import objection_due_on
from ggzy_credit.workflows.common import (
    DECIDERS,
    default_subject,
    locked,
    log_transition,
    log_transitions,
    require_acts_for,
    require_role,
    require_state,
    written_reason,
)
from ggzy_credit.workflows.models import Objection
from ggzy_credit.workflows.notifications import OBJECTION_DECIDED, Notice, notify

CASE = "objection"
LEDGER_ENTITY = "objections"
LEDGER_DECIDED = "objection.decided"
DECIDED_EVENT = "objection.decided"  # exchange outbox (webhooks)
ESCALATED_EVENT = "notification.objection_escalated"

SUBMITTED, ACCEPTED, DECIDED, WITHDRAWN = "submitted", "accepted", "decided", "withdrawn"
OPEN = (SUBMITTED, ACCEPTED)
UPHELD, PARTLY_UPHELD, REJECTED = "upheld", "partly_upheld", "rejected"
OUTCOMES = (UPHELD, PARTLY_UPHELD, REJECTED)
STATUS_LABELS = {SUBMITTED: "已提交", ACCEPTED: "已受理", DECIDED: "已办结", WITHDRAWN: "已撤回"}
OUTCOME_LABELS = {UPHELD: "异议成立", PARTLY_UPHELD: "异议部分成立", REJECTED: "异议不成立"}
RECORD_LABEL = "异议处理中"  # shown on a record wherever it appears while an objection is open


@dataclass(frozen=True)
class Remedy:
    """What an upheld objection does to a record: revoke it, or replace it by a corrected copy."""

    action: str  # revoke | correct
    record_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def submit(
    session: Session,
    calendar: WorkCalendar,
    caller: Any,
    *,
    target: str,
    reason: str,
    uploads: Sequence[files.Upload],
    evidence_root: Any,
    max_bytes: int,
    record_id: int | None = None,
    platform: str | None = None,
    subject_id: int | None = None,
    evaluation_on: date | None = None,
) -> Objection:
    """File an objection; receipt and due date are fixed at once (receipt day not counted)."""
    require_role(caller, {Role.SUBJECT}, "提出异议（须由经营主体账号提交）")
    reason = written_reason(reason)
    checked = files.check_uploads(uploads, max_bytes)
    today = clock.today()
    if target == "record":
        if record_id is None:
            raise InvalidInput.field("record_id", "请指明有异议的信用记录", "missing")
        record = session.get(CreditRecord, record_id)
        if record is None:
            raise InvalidInput.field("record_id", f"信用记录 {record_id} 不存在", "not_found")
        require_acts_for(caller, record.subject_id)
        if subject_id is not None and subject_id != record.subject_id:
            raise InvalidInput.field("subject_id", "该信用记录不属于所指经营主体")
        require_live(session, record_id, "提出异议")
        _require_no_open(session, Objection.record_id == record_id, "该信用记录已有处理中的异议")
        subject, platform_id, evaluation_on = record.subject_id, record.platform_id, None
    elif target == "evaluation":
        if record_id is not None:
            raise InvalidInput.field("record_id", "对评估结果的异议不指定单条记录", "extra_forbidden")
        if not platform:
            raise InvalidInput.field("platform", "请指明对哪个平台的信用评估结果有异议", "missing")
        platform_id = session.scalar(select(Platform.id).where(Platform.code == platform))
        if platform_id is None:
            raise InvalidInput.field("platform", f"平台代码 {platform} 不存在", "unknown_code")
        subject = default_subject(caller, subject_id)
        evaluation_on = evaluation_on or today
        if evaluation_on > today:
            raise InvalidInput.field("evaluation_on", f"评估日期 {evaluation_on} 晚于当日", "future_date")
        _require_no_open(
            session,
            (Objection.subject_id == subject)
            & (Objection.platform_id == platform_id)
            & (Objection.target == "evaluation"),
            "对该平台评估结果已有处理中的异议",
        )
    else:
        raise InvalidInput.field("target", "target 应为 record（信用记录）或 evaluation（评估结果）", "enum")
    objection = Objection(
        subject_id=subject,
        target=target,
        record_id=record_id,
        platform_id=platform_id,
        evaluation_on=evaluation_on,
        reason=reason,
        status=SUBMITTED,
        received_on=today,
        due_on=objection_due_on(calendar, today),
        submitted_by=caller.label,
        submitted_at=clock.now(),
    )
    session.add(objection)
    session.flush()
    files.attach(session, evidence_root, CASE, objection.id, checked, caller.label)
    log_transition(session, CASE, objection.id, None, SUBMITTED, caller.label, caller.role, reason)
    session.flush()
    return objection


def add_evidence(
    session: Session,
    caller: Any,
    objection_id: int,
    uploads: Sequence[files.Upload],
    evidence_root: Any,
    max_bytes: int,
) -> list[Any]:
    """More evidence from the objecting subject while the objection is open."""
    require_role(caller, {Role.SUBJECT}, "补充异议材料")
    checked = files.check_uploads(uploads, max_bytes)
    objection = locked(session, Objection, objection_id, "异议")
    require_acts_for(caller, objection.subject_id)
    require_state(objection.status, OPEN, "补充材料", STATUS_LABELS)
    return files.attach(session, evidence_root, CASE, objection.id, checked, caller.label)


def accept(session: Session, caller: Any, objection_id: int, reason: str) -> Objection:
    """受理: a reviewer takes the objection up (the due date does not move)."""
    require_role(caller, DECIDERS, "受理异议")
    reason = written_reason(reason)
    objection = locked(session, Objection, objection_id, "异议")
    require_state(objection.status, {SUBMITTED}, "受理", STATUS_LABELS)
    objection.status, objection.accepted_by, objection.accepted_at = ACCEPTED, caller.label, clock.now()
    log_transition(session, CASE, objection.id, SUBMITTED, ACCEPTED, caller.label, caller.role, reason)
    session.flush()
    return objection


def withdraw(session: Session, caller: Any, objection_id: int, reason: str) -> Objection:
    require_role(caller, {Role.SUBJECT}, "撤回异议（仅提出异议的经营主体可以撤回）")
    reason = written_reason(reason)
    objection = locked(session, Objection, objection_id, "异议")
    require_acts_for(caller, objection.subject_id)
    before = objection.status
    require_state(before, OPEN, "撤回", STATUS_LABELS)
    objection.status, objection.withdrawn_at = WITHDRAWN, clock.now()
    log_transition(session, CASE, objection.id, before, WITHDRAWN, caller.label, caller.role, reason)
    session.flush()
    return objection


def decide(
    session: Session,
    cipher: PiiCipher,
    caller: Any,
    objection_id: int,
    outcome: str,
    reason: str,
    remedy: Remedy | None = None,
) -> Objection:
    """Decide an accepted objection; upheld ones correct or revoke the record (with a grant)."""
    require_role(caller, DECIDERS, "作出异议处理决定")
    reason = written_reason(reason)
    if outcome not in OUTCOMES:
        raise InvalidInput.field("outcome", "outcome 应为 upheld、partly_upheld 或 rejected", "enum")
    objection = locked(session, Objection, objection_id, "异议")
    require_state(
        objection.status, {ACCEPTED}, "作出处理决定（须先受理，且每件异议只能决定一次）", STATUS_LABELS
    )
    if outcome == REJECTED and remedy is not None:
        raise InvalidInput.field("remedy", "异议不成立时不更正、不撤销记录", "extra_forbidden")
    if outcome != REJECTED:
        _apply_remedy(session, cipher, caller, objection, outcome, reason, remedy)
    objection.status, objection.outcome = DECIDED, outcome
    objection.decided_by, objection.decided_at, objection.decision_reason = caller.label, clock.now(), reason
    log_transition(
        session,
        CASE,
        objection.id,
        ACCEPTED,
        DECIDED,
        caller.label,
        caller.role,
        f"{OUTCOME_LABELS[outcome]}：{reason}",
    )
    session.flush()
    ledger.log_rows(session, LEDGER_DECIDED, LEDGER_ENTITY, [objection.id])
    outbox.enqueue(session, DECIDED_EVENT, _decided_payload(objection), public=False)
    what = f"信用记录 {objection.record_id}" if objection.target == "record" else "信用评估结果"
    done = {
        "revoke": "该记录已撤销，信用记分已重新评估。",
        "correct": "该记录已更正，信用记分已重新评估。",
        "reevaluate": "信用记分已重新评估。",
    }.get(objection.remedy or "", "")
    notify(
        session,
        [
            Notice(
                objection.subject_id,
                OBJECTION_DECIDED,
                f"异议处理结果：{OUTCOME_LABELS[outcome]}",
                f"您于 {objection.received_on} 对{what}提出的异议（编号 {objection.id}）已处理完毕，"
                f"结果：{OUTCOME_LABELS[outcome]}。理由：{reason}{'' if not done else ' ' + done}",
                f"/api/v1/objections/{objection.id}",
            )
        ],
    )
    return objection


def _decided_payload(objection: Objection) -> dict[str, Any]:
    return {
        "objection_id": objection.id,
        "subject_id": objection.subject_id,
        "target": objection.target,
        "record_id": objection.record_id,
        "outcome": objection.outcome,
        "reason": objection.decision_reason,
        "remedy": objection.remedy,
        "replacement_record_id": objection.replacement_record_id,
        "received_on": objection.received_on,
        "due_on": objection.due_on,
        "decided_at": objection.decided_at,
    }


def _apply_remedy(
    session: Session,
    cipher: PiiCipher,
    caller: Any,
    objection: Objection,
    outcome: str,
    reason: str,
    remedy: Remedy | None,
) -> None:
    from ggzy_credit.workflows.grants import use_credit_change_grant

    if remedy is None:
        if objection.target == "record":
            raise InvalidInput.field("remedy", "异议成立时须更正（correct）或撤销（revoke）该记录", "missing")
        _reevaluate(session, {(objection.subject_id, objection.platform_id)})
        objection.remedy = "reevaluate"
        return
    if remedy.action not in ("revoke", "correct"):
        raise InvalidInput.field("remedy.action", "action 应为 revoke（撤销）或 correct（更正）", "enum")
    record_id = remedy.record_id or objection.record_id
    if record_id is None:
        raise InvalidInput.field("remedy.record_id", "请指明要更正或撤销的信用记录", "missing")
    if objection.target == "record" and record_id != objection.record_id:
        raise InvalidInput.field("remedy.record_id", "只能更正或撤销异议所针对的记录")
    record = session.get(CreditRecord, record_id)
    if record is None or (record.subject_id, record.platform_id) != (
        objection.subject_id,
        objection.platform_id,
    ):
        raise InvalidInput.field("remedy.record_id", "该记录不属于提出异议的经营主体在该平台的记录")
    if remedy.action == "correct" and not remedy.changes:
        raise InvalidInput.field("remedy.changes", "更正须给出要更正的字段", "missing")
    grant = use_credit_change_grant(
        session, caller, record_id, f"异议 {objection.id} {OUTCOME_LABELS[outcome]}"
    )
    because = f"异议 {objection.id} {OUTCOME_LABELS[outcome]}：{reason}"
    if remedy.action == "revoke":
        event = revoke_record(session, record_id, because, caller.label)
    else:
        event = correct_record(session, cipher, record_id, dict(remedy.changes), because, caller.label)
    objection.remedy, objection.remedy_record_id, objection.grant_ref = remedy.action, record_id, grant
    objection.record_event_id, objection.replacement_record_id = event.id, event.replacement_record_id


def _reevaluate(session: Session, pairs: set[tuple[int, int]]) -> None:
    from ggzy_credit.scoring.evaluation import reevaluate_pairs

    reevaluate_pairs(session, pairs, started_by="objection")


def escalate_overdue(session: Session, today: date | None = None, by: str = "system:escalation") -> list[int]:
    """Mark open objections past their due date as escalated (督办), once each; a daily job.

    Set-based: one SELECT, one UPDATE per 500 ids, one bulk insert of transition rows and one of outbox
    events (``notification.objection_escalated``, for the supervision system).
    """
    today = today or clock.today()
    rows = session.execute(
        select(Objection.id, Objection.status, Objection.due_on, Objection.subject_id)
        .where(Objection.status.in_(OPEN), Objection.due_on < today, Objection.escalated_at.is_(None))
        .order_by(Objection.id)
    ).all()
    now = clock.now()
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 500):
        session.execute(
            update(Objection)
            .where(Objection.id.in_(ids[start : start + 500]), Objection.escalated_at.is_(None))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
    log_transitions(
        session,
        CASE,
        [(r.id, r.status, r.status) for r in rows],
        by,
        "逾期未办结（超过答复期限），已升级督办",
    )
    payloads = [
        {"objection_id": r.id, "subject_id": r.subject_id, "due_on": r.due_on, "escalated_at": now}
        for r in rows
    ]
    outbox.enqueue_many(session, ESCALATED_EVENT, payloads, public=[False] * len(payloads))
    session.flush()
    return ids


def open_labels(session: Session, record_ids: Sequence[int]) -> dict[int, str]:
    """``{record_id: "异议处理中"}`` for the records among ``record_ids`` with an open objection."""
    out: dict[int, str] = {}
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        for rid in session.scalars(
            select(Objection.record_id)
            .where(Objection.record_id.in_(ids[start : start + 500]), Objection.status.in_(OPEN))
            .distinct()
        ):
            out[rid] = RECORD_LABEL
    return out


def require_live(session: Session, record_id: int, action: str) -> None:
    """409 when the record was revoked or corrected (it no longer stands): nothing more to ``action``."""
    done = session.scalar(
        select(RecordEvent.kind)
        .where(RecordEvent.record_id == record_id, RecordEvent.kind.in_(REMOVING))
        .limit(1)
    )
    if done is not None:
        raise Conflict(f"信用记录 {record_id} 已{'撤销' if done == 'revoked' else '更正'}，不能再{action}")


def _require_no_open(session: Session, where: Any, message: str) -> None:
    existing = session.scalar(select(Objection.id).where(where, Objection.status.in_(OPEN)).limit(1))
    if existing is not None:
        raise Conflict(message, existing_id=existing)
