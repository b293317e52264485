"""API shapes for early warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class WarningSubjectOut(BaseModel):
    id: int
    name: str


class WarningOut(BaseModel):
    id: int
    rule: str
    title: str
    severity: str
    platform: str | None
    project_code: str | None
    subjects: list[WarningSubjectOut]
    evidence: dict[str, Any]
    status: Literal["new", "confirmed", "dismissed"]
    reason: str | None = Field(description="确认说明或排除理由")
    decided_by: str | None
    decided_at: datetime | None
    raised_at: datetime
    last_seen_at: datetime


class WarningPage(BaseModel):
    total: int
    items: list[WarningOut]


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=2000, description="确认说明（可选）")


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2000, description="排除理由（必填）")


class RuleOut(BaseModel):
    code: str
    title: str
    rationale: str
    enabled: bool
    available: bool
    settings: dict[str, Any]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[str] | None = Field(default=None, description="只运行这些规则（缺省：全部启用的规则）")


class RunOut(BaseModel):
    findings: int
    raised: int
    refreshed: int
    by_rule: dict[str, int]
    skipped: list[str]
