"""API shapes for approval requests."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.approvals.service import MAX_USES, MAX_VALID_HOURS, Kind, State
from ggzy_credit.web.params import DbId


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind = Field(
        description="unmask_pii 查看未脱敏个人信息；bulk_export 批量导出；credit_change 变更信用信息"
    )
    purpose: str = Field(min_length=1, max_length=500, description="申请目的")
    subject_ids: list[DbId] = Field(default_factory=list, max_length=5000, description="涉及的经营主体")
    record_ids: list[DbId] = Field(default_factory=list, max_length=5000, description="涉及的信用记录")
    max_uses: int = Field(default=1, ge=1, le=MAX_USES, description="批准后可使用的次数")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=500, description="审批意见（驳回时必填）")
    valid_hours: int = Field(default=24, ge=1, le=MAX_VALID_HOURS, description="批准后的有效小时数")


class ApprovalOut(BaseModel):
    id: int
    kind: Kind
    purpose: str
    state: State
    subject_ids: list[int]
    record_ids: list[int]
    requested_by: str
    requester_role: str
    requester_organisation: str | None = None
    created_at: datetime
    pending_until: datetime
    max_uses: int
    uses: int
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    expires_at: datetime | None = None


class ApprovalPage(BaseModel):
    total: int
    items: list[ApprovalOut]


class PiiOut(BaseModel):
    subject_id: int
    id_number: str | None = Field(default=None, description="未脱敏的身份证号码")
    phone: str | None = Field(default=None, description="未脱敏的联系电话")
    grant_id: int
    uses_left: int
