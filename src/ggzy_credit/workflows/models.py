"""Tables of the subject-side workflows (issue #6): objections (异议), credit repair (信用修复),
commitments (信用承诺), complaints and reports (质疑/举报), notifications, and the loaded holiday
arrangements the working-day deadlines are computed with.

Every state change of a case is also written to ``workflow_transitions`` (who, which role, from
which state to which, and the written reason), so a case's history never depends on the columns that
hold its current state. ``notifications.user_id`` (an account) is a plain integer, not a foreign
key: notices outlive the accounts they were sent to.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class CalendarYear(Base):
    """An administrator-loaded holiday arrangement (节假日安排) for one year, as published."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    arrangement: Mapped[dict[str, Any]] = mapped_column(JSON)  # YearArrangement.to_mapping()
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime]


class WorkflowEvidence(Base):
    """A file supporting a case (objection, repair application, complaint), stored by SHA-256."""

    __tablename__ = "workflow_evidence"
    __table_args__ = (
        UniqueConstraint("case_kind", "case_id", "sha256"),
        Index("ix_workflow_evidence_case", "case_kind", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(16))  # objection | repair | complaint
    case_id: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime]


class WorkflowTransition(Base):
    """One state change of a case, with the written reason (每一步都有书面理由)."""

    __tablename__ = "workflow_transitions"
    __table_args__ = (Index("ix_workflow_transitions_case", "case_kind", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class Objection(Base):
    """异议: a subject disputes a credit record or an evaluation result (上海办法第十九条)."""

    __tablename__ = "objections"
    __table_args__ = (
        Index("ix_objections_status_due", "status", "due_on"),
        Index("ix_objections_record", "record_id", "status"),
        Index("ix_objections_subject", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    target: Mapped[str] = mapped_column(String(16))  # record | evaluation
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    evaluation_on: Mapped[date | None]  # evaluation objections: the day whose result is disputed
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # submitted | accepted | decided | withdrawn
    outcome: Mapped[str | None] = mapped_column(String(16))  # upheld | partly_upheld | rejected
    received_on: Mapped[date]  # Asia/Shanghai date of receipt (not counted)
    due_on: Mapped[date]  # the 20th working day after receipt
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime]
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    remedy: Mapped[str | None] = mapped_column(String(16))  # revoke | correct | reevaluate
    remedy_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    record_event_id: Mapped[int | None] = mapped_column(ForeignKey("record_events.id"))
    replacement_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    grant_ref: Mapped[str | None] = mapped_column(String(40))  # the credit_change grant used
    withdrawn_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class RepairApplication(Base):
    """信用修复申请: a subject that corrected its behaviour asks for a record to be repaired."""

    __tablename__ = "repair_applications"
    __table_args__ = (
        Index("ix_repair_applications_record", "record_id", "status"),
        Index("ix_repair_applications_status", "status", "id"),
        Index("ix_repair_applications_subject", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    reason: Mapped[str] = mapped_column(Text)  # how the behaviour was corrected
    status: Mapped[str] = mapped_column(String(16))  # submitted | reviewed | approved | rejected | withdrawn
    eligible_from: Mapped[date]  # deduction date + the standard's waiting period for the severity
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime]
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_principal: Mapped[str | None] = mapped_column(String(40))  # four eyes: not the approver
    reviewed_at: Mapped[datetime | None]
    recommendation: Mapped[str | None] = mapped_column(String(16))  # approve | reject
    review_opinion: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    effective_on: Mapped[date | None]  # approved: the first day the repair takes effect
    hide_from_public: Mapped[bool | None]  # approved: what the record's standard configured
    stop_counting: Mapped[bool | None]
    record_event_id: Mapped[int | None] = mapped_column(ForeignKey("record_events.id"))
    withdrawn_at: Mapped[datetime | None]


class Commitment(Base):
    """信用承诺书 signed by a subject for a project, in place of certificates (山东方案（十三）)."""

    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint(
            "subject_id", "platform_id", "template_code", "project_code", name="uq_commitments_signed"
        ),
        Index("ix_commitments_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    template_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))  # the text signed, as it was when signed
    body: Mapped[str] = mapped_column(Text)
    project_code: Mapped[str] = mapped_column(String(100))
    project_name: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # signed | verified_true | verified_false
    signed_by: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime]
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[datetime | None]
    verification_note: Mapped[str | None] = mapped_column(Text)
    breach_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))


class Complaint(Base):
    """质疑/举报: anyone reports a subject's behaviour; verified, it becomes a record (山东方案（十八）)."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    project_code: Mapped[str | None] = mapped_column(String(100))
    project_name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    # The reporter's phone is personal data: encrypted, shown masked.
    reporter_contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_contact_masked: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # submitted | verified | unfounded
    submitted_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))


class Notification(Base):
    """An in-app notice to a subject's accounts (or to one account); delivered later via the outbox."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_subject", "subject_id", "id"),
        Index("ix_notifications_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    user_id: Mapped[int | None] = mapped_column(Integer)  # an account-only notice (users.id)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class RecordReview(Base):
    """复核: a reviewer's check of a credit record — ``verified``, or ``questioned`` with a note.

    Records are never edited (DESIGN §2), so verification is its own append-only table. ``seq`` numbers
    a record's reviews 1, 2, …; two reviewers recording the same step at once collide on the unique
    key and the second is told so.
    """

    __tablename__ = "record_reviews"
    __table_args__ = (UniqueConstraint("record_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # verified | questioned
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(100))
    reviewer_role: Mapped[str] = mapped_column(String(16))
    reviewed_at: Mapped[datetime]
