"""Credit commitments (信用承诺, 山东方案（十三）): sign instead of supplying certificates; checked later.

A subject signs one of its platform's templates for a project (the text signed is kept as it was).
Staff later verify it: true closes it; false creates a breach record automatically — the standard in
force's ``false_commitment_item``, source ``commitment_breach``, external id ``CMT-<id>`` linking it
back to the commitment — and the subject is told the outcome either way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn, Source
from ggzy_credit.standards.models import Platform
from ggzy_credit.standards.service import get_platform, standard_in_force
from ggzy_credit.workflows.common import (
    STAFF,
    default_subject,
    locked,
    log_transition,
    require_role,
    require_state,
    written_reason,
)
from ggzy_credit.workflows.models import Commitment
from ggzy_credit.workflows.notifications import COMMITMENT_VERIFIED, Notice, notify

CASE = "commitment"
SIGNED, VERIFIED_TRUE, VERIFIED_FALSE = "signed", "verified_true", "verified_false"
STATUS_LABELS = {SIGNED: "已签署", VERIFIED_TRUE: "经核查属实", VERIFIED_FALSE: "经核查不实"}
BREACH_PREFIX = "CMT-"


def templates(session: Session, platform: str) -> list[dict[str, Any]]:
    return list(get_platform(session, platform).commitment_templates or [])


def sign(
    session: Session,
    caller: Any,
    *,
    platform: str,
    template_code: str,
    project_code: str,
    project_name: str | None = None,
    subject_id: int | None = None,
) -> Commitment:
    require_role(caller, {Role.SUBJECT}, "签署信用承诺书（须由经营主体账号签署）")
    subject = default_subject(caller, subject_id)
    found = session.scalar(select(Platform).where(Platform.code == platform))
    if found is None:
        raise InvalidInput.field("platform", f"平台代码 {platform} 不存在", "unknown_code")
    template = next((t for t in found.commitment_templates or [] if t.get("code") == template_code), None)
    if template is None:
        raise InvalidInput.field(
            "template_code", f"平台 {platform} 没有编号为 {template_code} 的承诺书模板", "unknown_code"
        )
    project_code = (project_code or "").strip()
    if not project_code:
        raise InvalidInput.field("project_code", "请填写项目（交易）编号", "missing")
    existing = session.scalar(
        select(Commitment.id).where(
            Commitment.subject_id == subject,
            Commitment.platform_id == found.id,
            Commitment.template_code == template_code,
            Commitment.project_code == project_code,
        )
    )
    if existing is not None:
        raise Conflict("已就该项目签署过此承诺书", existing_id=existing)
    commitment = Commitment(
        subject_id=subject,
        platform_id=found.id,
        template_code=template_code,
        title=template["title"],
        body=template["body"],
        project_code=project_code,
        project_name=(project_name or "").strip() or None,
        status=SIGNED,
        signed_by=caller.label,
        signed_at=clock.now(),
    )
    session.add(commitment)
    session.flush()
    log_transition(
        session, CASE, commitment.id, None, SIGNED, caller.label, caller.role, f"签署《{commitment.title}》"
    )
    session.flush()
    return commitment


def verify(
    session: Session, cipher: PiiCipher, caller: Any, commitment_id: int, truthful: bool, reason: str
) -> Commitment:
    """Record the check of a commitment; an untrue one becomes a breach record at once."""
    require_role(caller, STAFF, "核查信用承诺")
    reason = written_reason(reason)
    commitment = locked(session, Commitment, commitment_id, "信用承诺")
    require_state(commitment.status, {SIGNED}, "核查（每份承诺只核查一次）", STATUS_LABELS)
    commitment.status = VERIFIED_TRUE if truthful else VERIFIED_FALSE
    commitment.verified_by, commitment.verified_at, commitment.verification_note = (
        caller.label,
        clock.now(),
        reason,
    )
    if not truthful:
        commitment.breach_record_id = _breach_record(session, cipher, caller, commitment, reason)
    log_transition(session, CASE, commitment.id, SIGNED, commitment.status, caller.label, caller.role, reason)
    session.flush()
    if truthful:
        body = f"您就项目 {commitment.project_code} 签署的《{commitment.title}》经核查属实。"
    else:
        body = (
            f"您就项目 {commitment.project_code} 签署的《{commitment.title}》经核查不实，"
            f"已记入信用记录（记录 {commitment.breach_record_id}）。核查意见：{reason}"
        )
    notify(
        session,
        [
            Notice(
                commitment.subject_id,
                COMMITMENT_VERIFIED,
                f"信用承诺核查结果：{STATUS_LABELS[commitment.status]}",
                body,
                f"/api/v1/commitments/{commitment.id}",
            )
        ],
    )
    return commitment


def _breach_record(
    session: Session, cipher: PiiCipher, caller: Any, commitment: Commitment, reason: str
) -> int:
    platform = session.get(Platform, commitment.platform_id)
    assert platform is not None
    today = clock.today()
    standard = standard_in_force(session, platform, today)
    item_code = (standard.rules or {}).get("false_commitment_item") if standard is not None else None
    if not item_code:
        raise Conflict(f"平台 {platform.code} 现行评估标准未规定承诺不实对应的信用事项，无法记录失信行为")
    signed_on = commitment.signed_at.astimezone(clock.CHINA).date()
    data = RecordIn(
        platform=platform.code,
        external_id=f"{BREACH_PREFIX}{commitment.id}",
        subject_id=commitment.subject_id,
        item_code=item_code,
        occurred_on=signed_on,
        deducted_on=today,
        project_code=commitment.project_code,
        project_name=commitment.project_name,
        source=Source.COMMITMENT_BREACH,
        description=f"信用承诺不实：《{commitment.title}》（承诺书 {commitment.id}）。核查意见：{reason}"[
            :4000
        ],
    )
    [outcome] = ingest(session, cipher, [data], caller.label, loc_prefix=("body", "breach"), with_index=False)
    return outcome.id


def get(session: Session, commitment_id: int) -> Commitment:
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise NotFound(f"信用承诺 {commitment_id} 不存在")
    return row
