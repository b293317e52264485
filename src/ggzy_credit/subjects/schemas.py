"""API shapes for the subject registry. Personal data leaves only masked."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.subjects.kinds import SubjectKind
from ggzy_credit.web.params import DbId

Gender = Literal["男", "女"]


class LegalPersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["legal"]
    name: str = Field(min_length=2, max_length=200, description="名称")
    uscc: str = Field(min_length=1, max_length=40, description="统一社会信用代码（GB 32100）")
    address: str | None = Field(default=None, max_length=300, description="办公地址")
    legal_representative: str | None = Field(default=None, max_length=100, description="法定代表人")
    contact_person: str | None = Field(default=None, max_length=100, description="联系人")
    contact_phone: str | None = Field(default=None, max_length=32, description="联系电话")
    kinds: list[SubjectKind] = Field(min_length=1, description="主体类别，可多选")


class NaturalPersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["natural"]
    name: str = Field(min_length=2, max_length=100, description="姓名")
    gender: Gender | None = Field(default=None, description="性别；缺省时取身份证号码")
    id_number: str = Field(min_length=1, max_length=40, description="居民身份证号码（GB 11643）")
    phone: str | None = Field(default=None, max_length=32, description="联系方式")
    address: str | None = Field(default=None, max_length=300, description="联系地址")
    kinds: list[SubjectKind] = Field(min_length=1, description="主体类别，可多选")
    intermediary_id: DbId | None = Field(default=None, description="从业人员所属中介机构的主体 ID")


class SubjectUpdate(BaseModel):
    """Fields that may change. Identifiers (USCC, ID number) and type never change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=2, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    legal_representative: str | None = Field(default=None, max_length=100)
    contact_person: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    gender: Gender | None = None
    kinds: list[SubjectKind] | None = Field(default=None, min_length=1)
    intermediary_id: DbId | None = None


class SubjectOut(BaseModel):
    id: int
    type: Literal["legal", "natural"]
    name: str
    kinds: list[SubjectKind]
    uscc: str | None = None
    id_number: str | None = Field(default=None, description="脱敏后的身份证号码")
    gender: str | None = None
    phone: str | None = Field(default=None, description="脱敏后的联系电话")
    address: str | None = None
    legal_representative: str | None = None
    contact_person: str | None = None
    intermediary_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class SubjectPage(BaseModel):
    total: int
    items: list[SubjectOut]
