"""API shapes: authorisations and the credit report. Dates are Asia/Shanghai calendar dates."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.financing.rules import MAX_LEAD_MONTHS, MAX_MONTHS, MAX_PURPOSE, MIN_PURPOSE
from ggzy_credit.ledger.schemas import HeadOut
from ggzy_credit.scoring.schemas import MeasureOut, PlatformScoreOut


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bank: str = Field(
        min_length=1,
        max_length=200,
        description="被授权的金融机构（平台登记的单位名称，见 GET /financing/banks）",
    )
    valid_from: date | None = Field(
        default=None,
        description=f"授权起始日期（含），缺省为当日；不得早于当日，至迟为 {MAX_LEAD_MONTHS} 个月后",
    )
    valid_until: date = Field(description=f"授权截止日期（含）；授权期限不超过 {MAX_MONTHS} 个月")
    purpose: str = Field(
        min_length=MIN_PURPOSE, max_length=MAX_PURPOSE, description="授权用途，如“流动资金贷款授信审查”"
    )


class GrantOut(BaseModel):
    id: int
    subject_id: int
    subject_name: str
    bank: str
    valid_from: date
    valid_until: date
    purpose: str
    state: str = Field(
        description="pending 未生效 | active 有效 | expired 已到期 | revoked 已撤销（按当日计）"
    )
    state_name: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None


class GrantPage(BaseModel):
    total: int
    items: list[GrantOut]


class BanksOut(BaseModel):
    banks: list[str] = Field(description="本平台登记的金融机构（授权时 bank 须为其中之一）")


# -- the credit report --------------------------------------------------------------------------


class ReportSubjectOut(BaseModel):
    id: int
    name: str
    type: str = Field(description="legal 法人 | natural 自然人")
    uscc: str | None = Field(description="统一社会信用代码（法人）")
    id_number_masked: str | None = Field(description="居民身份证号码（脱敏，自然人）")
    kinds: list[str]


class ReportScoreOut(PlatformScoreOut):
    measures: list[MeasureOut] = Field(description="当日生效标准中该信用标注对应的守信激励或失信惩戒措施")


class RecordEventOut(BaseModel):
    kind: str = Field(description="revoked 撤销 | corrected 更正 | repaired 信用修复")
    effective_on: date
    stops_counting: bool
    at: datetime | None


class InclusionOut(BaseModel):
    """Everything needed to check the record against ``ledger.tree_head`` with SHA-256 only."""

    index: int = Field(description="账本条目序号（记录创建时写入的叶子）")
    leaf_data: str = Field(description="叶子数据：该记录的规范 JSON（RFC 8785），按 UTF-8 编码后计算哈希")
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ leaf_data)，十六进制")
    audit_path: list[str] = Field(
        description="RFC 9162 §2.1.3 审计路径（对 ledger.tree_head 的规模），自叶子一侧起"
    )


class ReportRecordOut(BaseModel):
    id: int
    platform: str
    platform_name: str
    item_code: str
    item_name: str
    category: str
    points: int
    standard_version: str
    occurred_on: date
    deducted_on: date
    project_code: str | None
    project_name: str | None
    description: str | None
    source: str
    status: str = Field(description="effective 有效 | repaired 已信用修复（仍计分） | revoked | corrected")
    status_name: str
    objection_status: str | None = Field(description="“异议处理中”：该记录有尚未办结的异议")
    events: list[RecordEventOut] = Field(description="该记录的撤销、更正、信用修复事件")
    ledger: InclusionOut | None = Field(description="防篡改账本中的包含证明；记录尚未入账时为 null")


class ReportLedgerOut(BaseModel):
    tree_head: HeadOut = Field(description="证明所对应的签名树头")
    algorithm: str = "Ed25519"
    key_id: str
    public_key_pem: str = Field(
        description="签名公钥（请与 GET /api/v1/ledger/public-key 及线下公布的公钥核对）"
    )


class ReportGrantOut(BaseModel):
    id: int
    bank: str
    valid_from: date
    valid_until: date
    purpose: str


class CreditReportOut(BaseModel):
    report_id: str = Field(description="报告编号（审计日志 detail.report_id 与之对应）")
    generated_at: datetime
    as_of: date
    requested_by: str = Field(description="查询方：金融机构名称，或经营主体本人预览")
    grant: ReportGrantOut | None = Field(description="所依据的授权；经营主体本人预览时为 null")
    subject: ReportSubjectOut
    scores: list[ReportScoreOut] = Field(description="各平台当日信用记分与信用标注")
    records: list[ReportRecordOut] = Field(description="计入当日信用记分的记录（各平台当前评估周期内的扣分）")
    ledger: ReportLedgerOut
    notes: list[str]
