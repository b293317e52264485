"""What one row of an import file says: external list entries and bid-submission metadata.

Column names are English (canonical) or the Chinese headers government exports use; both map to
the same field. Values arrive as text (CSV), JSON scalars (JSON Lines) or typed cells (XLSX).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ggzy_credit import clock
from ggzy_credit.exchange.formats import Columns, Problem, RawRow
from ggzy_credit.subjects.kinds import SubjectKind

ENTRY_ALIASES = {
    "来源编号": "source_id",
    "主体名称": "subject_name",
    "名称": "subject_name",
    "姓名": "subject_name",
    "统一社会信用代码": "uscc",
    "身份证号码": "id_number",
    "居民身份证号码": "id_number",
    "主体类别": "subject_kind",
    "法定代表人": "legal_representative",
    "地址": "address",
    "住所": "address",
    "类别": "category",
    "信息类别": "category",
    "决定日期": "occurred_on",
    "发生日期": "occurred_on",
    "公示截止日期": "publicity_until",
    "状态": "status",
    "决定机关": "authority",
    "实施机关": "authority",
    "文书号": "document_no",
    "决定文书号": "document_no",
    "事由": "description",
    "描述": "description",
    "项目编号": "project_code",
    "项目名称": "project_name",
}
BID_ALIASES = {
    "平台": "platform",
    "项目编号": "project_code",
    "项目名称": "project_name",
    "投标人统一社会信用代码": "bidder_uscc",
    "投标人身份证号码": "bidder_id_number",
    "投标人ID": "bidder_id",
    "投标报价": "price",
    "报价": "price",
    "递交时间": "submitted_at",
    "投标文件哈希": "file_hash",
    "文件哈希": "file_hash",
    "机器码": "machine_fingerprint",
    "设备指纹": "machine_fingerprint",
    "IP地址": "ip",
    "IP": "ip",
    "联系电话": "contact_phone",
    "电子邮箱": "contact_email",
    "邮箱": "contact_email",
}
STATUS_ALIASES = {
    "有效": "active",
    "公示中": "active",
    "已移出": "retired",
    "停止公示": "retired",
    "公示期满": "retired",
    "已撤销": "revoked",
    "撤销": "revoked",
}
IDENTIFIER_FIELDS = {"uscc", "id_number", "bidder_uscc", "bidder_id_number"}
DATE_FIELDS = {"occurred_on", "publicity_until"}
NUMERIC_FIELDS = {"price", "bidder_id"}
M = TypeVar("M", bound=BaseModel)
WHOLE_ROW_FIELD = {"EntryRow": "uscc", "BidRow": "bidder_uscc"}


class EntryRow(BaseModel):
    """One entry of an external list (penalty, commendation, joint punishment, other city's record)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_id: str = Field(min_length=1, max_length=60, description="来源系统中的条目编号（去重依据）")
    subject_name: str | None = Field(default=None, min_length=2, max_length=200)
    uscc: str | None = Field(default=None, max_length=40)
    id_number: str | None = Field(default=None, max_length=40)
    subject_kind: SubjectKind | None = None
    legal_representative: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    category: str | None = Field(default=None, max_length=100)
    occurred_on: date
    publicity_until: date | None = None
    status: Literal["active", "retired", "revoked"] = "active"
    authority: str | None = Field(default=None, max_length=200)
    document_no: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    project_code: str | None = Field(default=None, max_length=100)
    project_name: str | None = Field(default=None, max_length=300)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return STATUS_ALIASES.get(value, value) if isinstance(value, str) else value

    @field_validator("occurred_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > clock.today():
            raise ValueError(f"决定日期 {value} 晚于当日")
        return value

    @model_validator(mode="after")
    def _one_identifier(self) -> EntryRow:
        if bool(self.uscc) == bool(self.id_number):
            raise ValueError("须且只能提供统一社会信用代码（uscc）或身份证号码（id_number）之一")
        return self

    def record_description(self) -> str | None:
        """The credit record's text: what happened, then who decided it and the document number."""
        tail = "；".join(
            p
            for p in (
                f"决定机关：{self.authority}" if self.authority else "",
                f"文书号：{self.document_no}" if self.document_no else "",
            )
            if p
        )
        if not tail:
            return self.description
        return f"{self.description or ''}（{tail}）"


HASH = re.compile(r"^[0-9a-f]{32,128}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")


class BidRow(BaseModel):
    """One bidder's submission in one project."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    platform: str = Field(min_length=1, max_length=40)
    project_code: str = Field(min_length=1, max_length=100)
    project_name: str | None = Field(default=None, max_length=300)
    bidder_uscc: str | None = Field(default=None, max_length=40)
    bidder_id_number: str | None = Field(default=None, max_length=40)
    bidder_id: int | None = None
    price: Decimal = Field(gt=0, le=Decimal("1e14"), description="投标报价（元），至多两位小数")
    submitted_at: datetime
    file_hash: str | None = Field(default=None, max_length=128)
    machine_fingerprint: str | None = Field(default=None, max_length=128)
    ip: str | None = Field(default=None, max_length=45)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=120)

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Any:
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            try:
                return Decimal(value.replace(",", "").replace("，", ""))
            except InvalidOperation:
                raise ValueError("报价应为数字（元）") from None
        return value

    @field_validator("price")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise ValueError("报价至多两位小数（精确到分）")
        return value

    @field_validator("file_hash")
    @classmethod
    def _hash(cls, value: str | None) -> str | None:
        if value is not None and not HASH.fullmatch(value.lower()):
            raise ValueError("文件哈希应为 32–128 位十六进制数字（如 SHA-256）")
        return value.lower() if value else value

    @field_validator("machine_fingerprint")
    @classmethod
    def _fingerprint(cls, value: str | None) -> str | None:
        return re.sub(r"[\s:\-]", "", value).upper() if value else value

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("IP 地址格式错误") from None

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.fullmatch(value):
            raise ValueError("电子邮箱格式错误")
        return value.lower() if value else value

    @field_validator("submitted_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        value = value if value.tzinfo else value.replace(tzinfo=clock.CHINA)
        if value > clock.now():
            raise ValueError("递交时间晚于当前时间")
        return value

    @model_validator(mode="after")
    def _one_bidder(self) -> BidRow:
        names = ("bidder_uscc", "bidder_id_number", "bidder_id")
        given = [n for n in names if getattr(self, n) not in (None, "")]
        if len(given) != 1:
            raise ValueError("须且只能提供 bidder_uscc、bidder_id_number、bidder_id 之一")
        return self

    def price_fen(self) -> int:
        return int(self.price * 100)


ENTRY_COLUMNS = Columns(EntryRow.model_fields, ENTRY_ALIASES, ["source_id", "occurred_on"])
BID_COLUMNS = Columns(BidRow.model_fields, BID_ALIASES, ["platform", "project_code", "price", "submitted_at"])


def parse_row(model: type[M], raw: RawRow) -> tuple[M | None, list[Problem]]:
    """Validate one raw row; problems name the field and say what is wrong, in Chinese."""
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    for name, value in raw.data.items():
        if value is None:
            continue
        if name in IDENTIFIER_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
            problems.append(Problem(raw.line, name, "证件号码应为文本格式（数字会丢失精度）"))
            continue
        data[name] = _plain(name, value)
    if problems:
        return None, problems
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        for error in exc.errors():
            # A whole-row rule (one identifier of several) is reported on the first identifier column.
            field = ".".join(str(p) for p in error["loc"]) or WHOLE_ROW_FIELD.get(model.__name__)
            problems.append(Problem(raw.line, field, _message(error)))
        return None, problems


def _plain(name: str, value: Any) -> Any:
    """Typed cells (XLSX, JSON) as the field expects them: numbers and dates in text columns as text."""
    if isinstance(value, bool):
        return str(value).lower()
    if name == "submitted_at":
        is_day = isinstance(value, date) and not isinstance(value, datetime)
        return datetime.combine(value, time()) if is_day else value
    if name in DATE_FIELDS:
        return value.date() if isinstance(value, datetime) and value.time() == time() else value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if name in NUMERIC_FIELDS:
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value


_MESSAGES = {
    "missing": "缺少必填字段",
    "date_from_datetime_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期不应包含时间",
    "date_type": "日期格式错误，应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式错误，应为 YYYY-MM-DDTHH:MM:SS（缺省时区为北京时间）",
    "datetime_from_date_parsing": "时间格式错误，应为 YYYY-MM-DDTHH:MM:SS（缺省时区为北京时间）",
    "datetime_type": "时间格式错误，应为 YYYY-MM-DDTHH:MM:SS",
    "string_type": "应为文本",
    "string_too_short": "长度过短",
    "string_too_long": "长度过长",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "greater_than": "应大于 0",
    "less_than_equal": "数值过大",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
}


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    known = _MESSAGES.get(kind)
    return known or str(error.get("msg", "取值错误"))
