"""API shapes of the public ledger endpoints. Hashes are lower-case hex, signatures base64."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ggzy_credit.ledger.tree_head import TreeHead


class PublicKeyOut(BaseModel):
    algorithm: str = Field(default="Ed25519", description="签名算法（RFC 8032，纯 Ed25519）")
    key_id: str = Field(description="公钥指纹：原始 32 字节公钥的 SHA-256 前 16 位十六进制")
    public_key_pem: str = Field(description="SubjectPublicKeyInfo PEM 格式的公钥")


class HeadOut(BaseModel):
    """Exactly the signed fields: save this object to pin the log (``ledger verify --pinned``)."""

    tree_size: int = Field(description="日志条目数")
    root_hash: str = Field(description="RFC 9162 Merkle 树根哈希（十六进制）")
    timestamp: int = Field(description="签名时间，Unix 纪元以来的毫秒数")
    signature: str = Field(description="Ed25519 签名（base64）")

    @classmethod
    def of(cls, head: TreeHead) -> HeadOut:
        return cls.model_validate(head.to_json())


class HeadPage(BaseModel):
    total: int
    items: list[HeadOut]


class EntryOut(BaseModel):
    index: int = Field(description="叶子序号（从 0 起）")
    kind: str = Field(description="事件类型，如 record.created")
    entity: str = Field(description="事件所涉及的表")
    entity_id: int
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ data)，十六进制")
    data: str | None = Field(
        description="事件的规范 JSON（RFC 8785），按 UTF-8 编码后即为叶子数据；"
        "涉及个人信息或未公开记录时不公开"
    )
    withheld: bool = Field(description="data 是否因个人信息保护或未公开而不予公开")
    created_at: datetime | None


class InclusionProofOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str = Field(description="该规模下的树根（应与已签名树头比对，不可直接信任）")
    audit_path: list[str] = Field(description="RFC 9162 §2.1.3 审计路径，自叶子一侧起")


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 9162 §2.1.4 一致性证明")
