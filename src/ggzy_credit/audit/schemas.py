"""API shapes for the enquiry list and the audit search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EnquiryOut(BaseModel):
    at: datetime = Field(description="查询时间")
    organisation: str | None = Field(default=None, description="查询单位")
    role: str | None = Field(default=None, description="查询方角色")
    role_label: str | None = None
    purpose: str | None = Field(default=None, description="查询目的")
    action: str = Field(description="查询内容")
    record_ids: list[int] = Field(default_factory=list)


class EnquiryPage(BaseModel):
    total: int
    items: list[EnquiryOut]


class AuditOut(BaseModel):
    seq: int
    at: datetime
    kind: str
    action: str
    actor: str
    principal: str
    role: str | None = None
    organisation: str | None = None
    subject_ids: list[int]
    record_ids: list[int]
    purpose: str | None = None
    ip: str | None = None
    grant_id: int | None = None
    detail: dict[str, Any] | None = None
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    total: int
    items: list[AuditOut]
