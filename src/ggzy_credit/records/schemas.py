"""API shapes for credit records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ggzy_credit.web.params import DbId


class Source(StrEnum):
    SYSTEM_PUSH = "system_push"  # 系统推送
    MANUAL = "manual"  # 人工录入
    EXTERNAL = "external"  # 外部平台
    COMPLAINT = "complaint"  # 质疑投诉查实
    COMMITMENT_BREACH = "commitment_breach"  # 信用承诺不实


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    platform: str = Field(min_length=1, max_length=40, description="平台代码，如 gov_procurement")
    external_id: str | None = Field(
        default=None, min_length=1, max_length=100, description="来源系统中的记录编号；(平台, 编号) 幂等"
    )
    subject_id: DbId | None = Field(default=None, description="经营主体 ID（三选一）")
    subject_uscc: str | None = Field(default=None, max_length=40, description="统一社会信用代码（三选一）")
    subject_id_number: str | None = Field(default=None, max_length=40, description="居民身份证号码（三选一）")
    item_code: str = Field(min_length=1, max_length=40, description="评估标准中的信用事项代码")
    occurred_on: date = Field(description="行为发生日期")
    deducted_on: date | None = Field(
        default=None, description="扣分日期，缺省为当日（北京时间），不得晚于当日"
    )
    project_code: str | None = Field(default=None, max_length=100, description="项目（交易）编号")
    project_name: str | None = Field(default=None, max_length=300, description="项目名称")
    description: str | None = Field(default=None, max_length=4000, description="事实描述")
    source: Source = Field(default=Source.MANUAL, description="信息来源")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """PostgreSQL cannot store NUL in text; refuse it here rather than fail at the database."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("包含不允许的空字符（NUL）")
        return value


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[RecordIn] = Field(min_length=1, description="至多 1000 条，全部成功或全部不写入")


class RecordEventOut(BaseModel):
    """A revocation, correction or credit repair of the record (the reason stays with its workflow)."""

    id: int
    kind: str = Field(description="revoked 撤销；corrected 更正；repaired 信用修复")
    effective_on: date
    replacement_record_id: int | None = Field(description="更正：替代本记录的新记录")
    created_at: datetime | None
    ledger_index: int | None = Field(description="该变更在防篡改账本中的条目序号")


class RecordOut(BaseModel):
    id: int
    platform: str
    external_id: str
    subject_id: int
    item_code: str
    item_name: str
    category: str
    points: int = Field(description="本条记录适用的扣分分值")
    standard_version: str
    occurred_on: date
    deducted_on: date
    project_code: str | None
    project_name: str | None
    description: str | None
    source: Source
    recorded_by: str
    recorded_at: datetime | None
    ledger_index: int | None = Field(
        default=None,
        description="该记录在防篡改账本中的条目序号（GET /api/v1/ledger/proof/inclusion?index=）",
    )
    objection_status: str | None = Field(default=None, description="“异议处理中”：该记录有尚未办结的异议")
    hidden_from_public: bool = Field(default=False, description="已信用修复，按评估标准不再公开展示")
    events: list[RecordEventOut] = Field(
        default_factory=list, description="撤销、更正、信用修复（按时间先后）"
    )


class BatchRowOut(BaseModel):
    index: int
    id: int
    points: int
    status: str = Field(description="created（新写入）或 existing（幂等重放，已存在）")


class BatchOut(BaseModel):
    created: int
    existing: int
    results: list[BatchRowOut]


class RecordPage(BaseModel):
    total: int
    items: list[RecordOut]


class EvidenceOut(BaseModel):
    id: int
    record_id: int
    sha256: str
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime | None
