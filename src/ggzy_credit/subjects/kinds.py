"""Subject types and kinds (Shanghai art. 2: 发起方、响应方、中介机构及其从业人员、评标评审专家)."""

from __future__ import annotations

from enum import StrEnum


class SubjectType(StrEnum):
    LEGAL = "legal"  # 法人及其他组织
    NATURAL = "natural"  # 自然人


class SubjectKind(StrEnum):
    INITIATOR = "initiator"  # 发起方：招标人、采购人、出让人
    RESPONDER = "responder"  # 响应方：投标人、供应商、竞买人
    INTERMEDIARY = "intermediary"  # 中介机构：招标代理、采购代理
    PRACTITIONER = "practitioner"  # 中介机构从业人员
    EXPERT = "expert"  # 评标评审专家


KIND_LABELS = {
    SubjectKind.INITIATOR: "发起方",
    SubjectKind.RESPONDER: "响应方",
    SubjectKind.INTERMEDIARY: "中介机构",
    SubjectKind.PRACTITIONER: "从业人员",
    SubjectKind.EXPERT: "评标评审专家",
}

# Which kinds fit which type of person: organisations act as initiators, responders and
# intermediaries; people act as practitioners and experts, and may bid as responders
# (natural-person bidders at auctions of land or property rights).
ALLOWED_KINDS = {
    SubjectType.LEGAL: {SubjectKind.INITIATOR, SubjectKind.RESPONDER, SubjectKind.INTERMEDIARY},
    SubjectType.NATURAL: {SubjectKind.RESPONDER, SubjectKind.PRACTITIONER, SubjectKind.EXPERT},
}
