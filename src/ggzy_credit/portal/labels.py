"""Display names for codes the data holds (subject kinds, sources, item kinds …), marked for the catalogue.

Data itself — item names, legal bases, band names, descriptions — is shown as published, in Chinese,
in both languages: it is what was filed and recorded, not interface text.
"""

from __future__ import annotations

from ggzy_credit.portal.i18n import N_, Translator

KINDS = {
    "initiator": N_("发起方"),
    "responder": N_("响应方"),
    "intermediary": N_("中介机构"),
    "practitioner": N_("从业人员"),
    "expert": N_("评标评审专家"),
}
TYPES = {"legal": N_("法人及其他组织"), "natural": N_("自然人")}
SOURCES = {
    "system_push": N_("系统推送"),
    "manual": N_("人工录入"),
    "external": N_("外部平台"),
    "complaint": N_("质疑投诉查实"),
    "commitment_breach": N_("信用承诺不实"),
}
ITEM_KINDS = {"deduction": N_("扣分"), "record_only": N_("仅记录"), "commendation": N_("表彰")}
SEVERITIES = {"minor": N_("轻微"), "general": N_("一般"), "serious": N_("严重")}
PLATFORM_KINDS = {"centre": N_("交易中心"), "sub": N_("分平台")}
MEASURE_KINDS = {
    "incentive": N_("守信激励"),
    "routine": N_("常规管理"),
    "warning": N_("失信警示"),
    "penalty": N_("失信惩戒"),
}
STANDARD_STATUS = {"filed": N_("已备案"), "draft": N_("草案")}


def label(table: dict[str, str], code: str | None, t: Translator) -> str:
    if code is None:
        return ""
    return t.gettext(table[code]) if code in table else code


def kinds(codes: list[str], t: Translator) -> str:
    return (
        "、".join(label(KINDS, c, t) for c in codes)
        if t.lang != "en"
        else ", ".join(label(KINDS, c, t) for c in codes)
    )


ROLES = {
    "admin": N_("交易中心管理员"),
    "recorder": N_("信用信息记录员"),
    "reviewer": N_("复核员"),
    "regulator": N_("监管部门"),
    "subject": N_("经营主体"),
    "bank": N_("金融机构"),
}

REVIEW_STATES = {"unreviewed": N_("待复核"), "questioned": N_("存疑"), "verified": N_("复核无误")}
EVENT_KINDS = {"revoked": N_("已撤销"), "corrected": N_("已更正"), "repaired": N_("已修复")}
OBJECTION_STATUS = {
    "submitted": N_("已提交"),
    "accepted": N_("已受理"),
    "decided": N_("已办结"),
    "withdrawn": N_("已撤回"),
}
OBJECTION_OUTCOMES = {
    "upheld": N_("异议成立"),
    "partly_upheld": N_("异议部分成立"),
    "rejected": N_("异议不成立"),
}
REPAIR_STATUS = {
    "submitted": N_("已提交"),
    "reviewed": N_("已审核"),
    "approved": N_("已批准"),
    "rejected": N_("未批准"),
    "withdrawn": N_("已撤回"),
}
COMMITMENT_STATUS = {
    "signed": N_("已签署"),
    "verified_true": N_("经核查属实"),
    "verified_false": N_("经核查不实"),
}
COMPLAINT_STATUS = {"submitted": N_("待核查"), "verified": N_("经查属实"), "unfounded": N_("查无实据")}
APPROVAL_KINDS = {
    "unmask_pii": N_("查看未脱敏个人信息"),
    "bulk_export": N_("批量导出非公开信息"),
    "credit_change": N_("变更信用信息"),
}
APPROVAL_STATES = {
    "pending": N_("待审批"),
    "approved": N_("已批准"),
    "rejected": N_("已驳回"),
    "used": N_("已使用"),
    "expired": N_("已过期"),
}
CASE_STATES = {
    **OBJECTION_STATUS,
    **REPAIR_STATUS,
    **COMMITMENT_STATUS,
    **COMPLAINT_STATUS,
    "submitted": N_("已提交"),
}
