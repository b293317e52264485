"""The source registry: which external lists are imported, as what, onto which platform and item.

Shipped in ``exchange/data/sources.yaml``; ``GGZY_EXCHANGE_SOURCES`` points at a replacement file.
Pure configuration (pydantic, no database): whether the named items exist and have the right kind
is checked against the standard in force when a file is imported.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ggzy_credit.errors import NotFound

NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class SourceKind(StrEnum):
    PENALTY = "penalty"  # 行政处罚
    COMMENDATION = "commendation"  # 表彰
    JOINT_PUNISHMENT = "joint_punishment"  # 严重失信主体名单、联合惩戒对象
    CITY_RECORDS = "city_records"  # 其他城市交易平台的信用记录
    BID_METADATA = "bid_metadata"  # 投标文件递交元数据（监测预警的输入）


# The item kind (standard_items.kind) each source kind must map to.
ITEM_KIND = {
    SourceKind.PENALTY: {"record_only"},
    SourceKind.JOINT_PUNISHMENT: {"record_only"},
    SourceKind.COMMENDATION: {"commendation"},
    SourceKind.CITY_RECORDS: {"record_only", "commendation"},
}


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME.pattern, description="来源代码，也是投递目录名")
    title: str = Field(min_length=2, max_length=200)
    kind: SourceKind
    platform: str | None = Field(default=None, description="记录所属平台代码（bid_metadata 来源不需要）")
    item: str | None = Field(default=None, description="缺省映射的信用事项代码")
    item_map: dict[str, str] = Field(default_factory=dict, description="来源类别 → 信用事项代码")
    publicity: Literal["expire", "keep"] = "keep"
    register_unknown: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Source:
        if self.kind is SourceKind.BID_METADATA:
            if self.platform or self.item or self.item_map:
                raise ValueError(f"{self.name}: bid_metadata sources name their platform per row")
            return self
        if not self.platform:
            raise ValueError(f"{self.name}: platform is required")
        if not self.item and not self.item_map:
            raise ValueError(f"{self.name}: item or item_map is required")
        return self

    @property
    def recorded_by(self) -> str:
        return f"exchange:{self.name}"

    def item_for(self, category: str | None) -> str | None:
        """The item code a row maps to: its category's mapping, else the source's default item."""
        if category and category.strip() in self.item_map:
            return self.item_map[category.strip()]
        return self.item


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Registry:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate source names: {dupes}")
        return self

    def get(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = "、".join(s.name for s in self.sources)
        raise NotFound(f"数据来源 {name} 未登记（已登记：{known}）")


def load_registry(path: Path | None = None) -> Registry:
    """The registry from ``path`` or, without one, the shipped file."""
    if path is None:
        return _shipped()
    return _parse(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _shipped() -> Registry:
    return _parse((files("ggzy_credit.exchange") / "data" / "sources.yaml").read_text(encoding="utf-8"))


def _parse(text: str) -> Registry:
    return Registry.model_validate(yaml.safe_load(text))
