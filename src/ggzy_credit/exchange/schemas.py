"""API shapes for data exchange: sources, import runs, webhook subscriptions, outbox, deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SourceOut(BaseModel):
    name: str
    title: str
    kind: str
    platform: str | None
    item: str | None
    item_map: dict[str, str]
    publicity: str
    register_unknown: bool


class ImportRunOut(BaseModel):
    id: int
    source: str
    filename: str
    file_sha256: str
    format: str
    status: str = Field(
        description="succeeded（已导入，可能有拒收行）或 failed（文件格式错误，未导入任何数据）"
    )
    run_by: str
    started_at: datetime
    finished_at: datetime
    rows: int
    matched: int
    created: int
    subjects_created: int
    duplicate: int
    retired: int
    skipped: int
    rejected: int


class ImportRunPage(BaseModel):
    total: int
    items: list[ImportRunOut]


class ImportReportOut(ImportRunOut):
    report: dict[str, Any] = Field(description="逐行结果（rows）与文件级错误（file_errors）")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="订阅名称，如 市住建委监管系统")
    url: str = Field(min_length=8, max_length=500, description="回调地址（公网须 HTTPS）")
    audience: str = Field(description="supervision | financing | city | other")
    event_types: list[str] = Field(min_length=1, description="事件类型；record.* 这样的族或 * 表示全部")
    public_only: bool = Field(default=True, description="只推送公开信息（融资平台、其他城市通常为真）")
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="签名密钥；缺省自动生成"
    )


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str | None = Field(default=None, min_length=8, max_length=500)
    event_types: list[str] | None = Field(default=None, min_length=1)
    active: bool | None = None
    public_only: bool | None = None


class SubscriptionOut(BaseModel):
    id: int
    name: str
    audience: str
    url: str
    event_types: list[str]
    public_only: bool
    active: bool
    created_by: str
    created_at: datetime
    outbox: dict[str, int] = Field(default_factory=dict, description="待投递、已投递、死信条数")


class SubscriptionSecretOut(SubscriptionOut):
    secret: str = Field(description="签名密钥，仅此一次显示，请妥善保存")


class SecretOut(BaseModel):
    secret: str


class OutboxOut(BaseModel):
    id: int
    event_id: str
    event_type: str
    subscription_id: int
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    payload: dict[str, Any]


class OutboxPage(BaseModel):
    total: int
    items: list[OutboxOut]


class DeliveryOut(BaseModel):
    id: int
    outbox_id: int
    subscription_id: int
    attempt: int
    attempted_at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryPage(BaseModel):
    total: int
    items: list[DeliveryOut]


class RequeueOut(BaseModel):
    requeued: int
