"""API shapes of the workflows. Dates are Asia/Shanghai calendar dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.web.params import DbId


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Reason = Field(min_length=2, max_length=4000, description="书面理由")


class ReasonIn(_In):
    reason: str = Reason


class EvidenceOut(BaseModel):
    sha256: str
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime | None


class TransitionOut(BaseModel):
    from_status: str | None
    to_status: str
    actor: str
    actor_role: str
    reason: str
    at: datetime


# -- objections ---------------------------------------------------------------------------------


class RemedyIn(_In):
    action: Literal["revoke", "correct"] = Field(description="revoke 撤销记录；correct 以更正后的记录替代")
    record_id: DbId | None = Field(default=None, description="缺省为异议所针对的记录")
    changes: dict[str, Any] = Field(default_factory=dict, description="更正的字段（correct 时必填）")


class ObjectionDecisionIn(_In):
    outcome: Literal["upheld", "partly_upheld", "rejected"] = Field(
        description="upheld 异议成立；partly_upheld 部分成立；rejected 不成立"
    )
    reason: str = Reason
    remedy: RemedyIn | None = Field(
        default=None, description="异议成立时对记录的处理（须持有 credit_change 审批）"
    )


class ObjectionOut(BaseModel):
    id: int
    subject_id: int
    target: Literal["record", "evaluation"]
    record_id: int | None
    platform: str
    evaluation_on: date | None
    reason: str
    status: str
    status_label: str
    outcome: str | None
    outcome_label: str | None
    received_on: date = Field(description="收到异议申请之日（不计入期限）")
    due_on: date = Field(description="答复期限：收到之日后第 20 个工作日")
    overdue: bool
    escalated_at: datetime | None
    submitted_by: str
    submitted_at: datetime
    accepted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    remedy: str | None
    record_event_id: int | None
    replacement_record_id: int | None
    evidence: list[EvidenceOut] = Field(default_factory=list)
    history: list[TransitionOut] = Field(default_factory=list)


class ObjectionPage(BaseModel):
    total: int
    items: list[ObjectionOut]


class EscalationOut(BaseModel):
    escalated: list[int]


# -- repair -------------------------------------------------------------------------------------


class RepairReviewIn(_In):
    recommendation: Literal["approve", "reject"]
    reason: str = Reason


class RepairDecisionIn(_In):
    approve: bool
    reason: str = Reason


class RepairOut(BaseModel):
    id: int
    subject_id: int
    record_id: int
    platform: str
    reason: str
    status: str
    status_label: str
    eligible_from: date = Field(description="可申请修复的最早日期（扣分日期 + 最短等待期）")
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None
    recommendation: str | None
    review_opinion: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    effective_on: date | None
    hide_from_public: bool | None
    stop_counting: bool | None
    evidence: list[EvidenceOut] = Field(default_factory=list)
    history: list[TransitionOut] = Field(default_factory=list)


class RepairPage(BaseModel):
    total: int
    items: list[RepairOut]


# -- commitments --------------------------------------------------------------------------------


class TemplateOut(BaseModel):
    code: str
    title: str
    body: str


class CommitmentIn(_In):
    platform: str = Field(min_length=1, max_length=40)
    template_code: str = Field(min_length=1, max_length=40)
    project_code: str = Field(min_length=1, max_length=100, description="项目（交易）编号")
    project_name: str | None = Field(default=None, max_length=300)
    subject_id: DbId | None = Field(default=None, description="账号代表多个主体时必填")


class VerificationIn(_In):
    truthful: bool = Field(description="true 经核查属实；false 不实（自动记入失信记录）")
    reason: str = Reason


class CommitmentOut(BaseModel):
    id: int
    subject_id: int
    platform: str
    template_code: str
    title: str
    body: str
    project_code: str
    project_name: str | None
    status: str
    status_label: str
    signed_by: str
    signed_at: datetime
    verified_by: str | None
    verified_at: datetime | None
    verification_note: str | None
    breach_record_id: int | None


class CommitmentPage(BaseModel):
    total: int
    items: list[CommitmentOut]


# -- complaints ---------------------------------------------------------------------------------


class ComplaintDecisionIn(_In):
    verified: bool = Field(description="true 经查属实（生成信用记录）；false 查无实据（办结）")
    reason: str = Reason
    item_code: str | None = Field(default=None, max_length=40, description="查实时适用的信用事项")
    occurred_on: date | None = Field(default=None, description="查实时的行为发生日期")


class ComplaintReceipt(BaseModel):
    id: int
    status: str
    submitted_at: datetime


class ComplaintOut(BaseModel):
    id: int
    subject_id: int
    platform: str
    project_code: str | None
    project_name: str | None
    description: str
    reporter_name: str | None
    reporter_phone: str | None = Field(description="脱敏后的联系电话")
    status: str
    status_label: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    record_id: int | None
    evidence: list[EvidenceOut] = Field(default_factory=list)
    history: list[TransitionOut] = Field(default_factory=list)


class ComplaintPage(BaseModel):
    total: int
    items: list[ComplaintOut]


# -- notifications and calendar -----------------------------------------------------------------


class NotificationOut(BaseModel):
    id: int
    subject_id: int | None
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    total: int
    unread: int
    items: list[NotificationOut]


class CalendarYearIn(_In):
    year: int = Field(ge=1900, le=9999)
    holidays: list[str] = Field(description="法定节假日（YYYY-MM-DD）")
    makeup_workdays: list[str] = Field(default_factory=list, description="调休上班日（周六或周日）")


class CalendarYearOut(BaseModel):
    year: int
    holidays: list[str]
    makeup_workdays: list[str]
    loaded_by: str
    loaded_at: datetime
