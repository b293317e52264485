"""Complaints and reports (质疑/举报, 山东方案（十八）: "因失信被质疑、举报的，一经查实记入信用信息记录").

Anyone may report a subject's behaviour, with evidence and without logging in. A reviewer checks it:
``verified`` creates a credit record with source ``complaint`` (external id ``CPL-<id>``) under the
item the reviewer names; ``unfounded`` closes it with the reason. The reporter's phone is personal
data: stored encrypted, shown masked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput
from ggzy_credit.identifiers import valid_uscc
from ggzy_credit.pii.cipher import PiiCipher, mask_phone
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn, Source
from ggzy_credit.standards.models import Platform
from ggzy_credit.subjects.models import Subject
from ggzy_credit.subjects.phones import valid_phone
from ggzy_credit.workflows.common import (
    DECIDERS,
    locked,
    log_transition,
    require_role,
    require_state,
    written_reason,
)
from ggzy_credit.workflows.models import Complaint

CASE = "complaint"
CONTACT_COLUMN = "complaints.reporter_contact"
SUBMITTED, VERIFIED, UNFOUNDED = "submitted", "verified", "unfounded"
STATUS_LABELS = {SUBMITTED: "待核查", VERIFIED: "经查属实", UNFOUNDED: "查无实据"}
RECORD_PREFIX = "CPL-"
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 4000


def submit(
    session: Session,
    cipher: PiiCipher,
    *,
    platform: str,
    description: str,
    subject_id: int | None = None,
    subject_uscc: str | None = None,
    project_code: str | None = None,
    project_name: str | None = None,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    submitted_by: str = "public",
) -> Complaint:
    """Register a report (validated hard: it comes from anyone). Evidence is attached by the caller."""
    subject = _subject(session, subject_id, subject_uscc)
    platform_id = session.scalar(select(Platform.id).where(Platform.code == (platform or "").strip()))
    if platform_id is None:
        raise InvalidInput.field("platform", f"平台代码 {platform} 不存在", "unknown_code")
    text = (description or "").strip()
    if not DESCRIPTION_MIN <= len(text) <= DESCRIPTION_MAX:
        raise InvalidInput.field(
            "description", f"请如实描述被举报的行为（{DESCRIPTION_MIN}–{DESCRIPTION_MAX} 字）", "length"
        )
    complaint = Complaint(
        subject_id=subject,
        platform_id=platform_id,
        project_code=_short(project_code, "project_code", 100),
        project_name=_short(project_name, "project_name", 300),
        description=text,
        reporter_name=_short(reporter_name, "reporter_name", 100),
        status=SUBMITTED,
        submitted_at=clock.now(),
    )
    if reporter_phone and reporter_phone.strip():
        phone = valid_phone(reporter_phone, "reporter_phone")
        complaint.reporter_contact_enc = cipher.encrypt(phone, CONTACT_COLUMN)
        complaint.reporter_contact_masked = mask_phone(phone)
    session.add(complaint)
    session.flush()
    log_transition(session, CASE, complaint.id, None, SUBMITTED, submitted_by, "public", "提交质疑/举报")
    session.flush()
    return complaint


def decide(
    session: Session,
    cipher: PiiCipher,
    caller: Any,
    complaint_id: int,
    *,
    verified: bool,
    reason: str,
    item_code: str | None = None,
    occurred_on: date | None = None,
) -> Complaint:
    """Verified: a ``complaint`` record under ``item_code``; unfounded: closed with the reason."""
    require_role(caller, DECIDERS, "核查质疑/举报")
    reason = written_reason(reason)
    complaint = locked(session, Complaint, complaint_id, "质疑/举报")
    require_state(complaint.status, {SUBMITTED}, "核查（每件只能办结一次）", STATUS_LABELS)
    if verified:
        if not item_code:
            raise InvalidInput.field("item_code", "查实后须指明适用的信用事项", "missing")
        if occurred_on is None:
            raise InvalidInput.field("occurred_on", "查实后须填写行为发生日期", "missing")
        platform = session.get(Platform, complaint.platform_id)
        assert platform is not None
        data = RecordIn(
            platform=platform.code,
            external_id=f"{RECORD_PREFIX}{complaint.id}",
            subject_id=complaint.subject_id,
            item_code=item_code,
            occurred_on=occurred_on,
            project_code=complaint.project_code,
            project_name=complaint.project_name,
            source=Source.COMPLAINT,
            description=f"质疑/举报经查属实（举报 {complaint.id}）：{reason}"[:4000],
        )
        [outcome] = ingest(session, cipher, [data], caller.label, loc_prefix=("body",), with_index=False)
        complaint.record_id = outcome.id
    complaint.status = VERIFIED if verified else UNFOUNDED
    complaint.decided_by, complaint.decided_at, complaint.decision_reason = caller.label, clock.now(), reason
    log_transition(
        session, CASE, complaint.id, SUBMITTED, complaint.status, caller.label, caller.role, reason
    )
    session.flush()
    return complaint


def _subject(session: Session, subject_id: int | None, subject_uscc: str | None) -> int:
    given = [
        n for n, v in (("subject_id", subject_id), ("subject_uscc", subject_uscc)) if v not in (None, "")
    ]
    if len(given) != 1:
        raise InvalidInput.field(
            "subject_id", "须且只能提供 subject_id 或 subject_uscc 之一", "subject_reference"
        )
    if subject_id is not None:
        found = session.scalar(select(Subject.id).where(Subject.id == subject_id))
        field = "subject_id"
    else:
        uscc = valid_uscc(str(subject_uscc), "subject_uscc")
        found = session.scalar(select(Subject.id).where(Subject.uscc == uscc))
        field = "subject_uscc"
    if found is None:
        raise InvalidInput.field(field, "未找到被举报的经营主体", "unknown_subject")
    return found


def _short(value: str | None, field: str, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput.field(field, f"不超过 {limit} 字", "too_long")
    return text or None
