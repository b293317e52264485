"""The shape of the shipped platform files and the data list (数据清单), and how they are checked.

Pure: pydantic and PyYAML only, no database or web imports, so a standard can be validated on its
own (tests, CI, ``ggzy-credit`` before loading). Every rule reports the offending field, e.g.
``standards[0].items[3].points: 表彰事项不扣分，points 必须为 0``.

One YAML file per platform (``data/platforms/<code>.yaml``) holds the platform, every version of
its scoring standard (评估标准) and its commitment templates (信用承诺书). DESIGN §2 "Platforms and
standards": a version applies only once filed (备案) and effective; a record is scored with the
version in force on its deduction date (:meth:`PlatformFile.in_force`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

__all__ = [
    "SUBJECT_KINDS",
    "Band",
    "CommitmentTemplate",
    "DataList",
    "DataListEntry",
    "Item",
    "Measure",
    "Platform",
    "PlatformFile",
    "RepairRules",
    "RepairWaits",
    "StandardVersion",
]

SubjectKind = Literal["initiator", "responder", "intermediary", "practitioner", "expert"]
SUBJECT_KINDS: tuple[str, ...] = get_args(SubjectKind)
PlatformKind = Literal["centre", "sub"]
Status = Literal["draft", "filed"]
ItemKind = Literal["deduction", "record_only", "commendation"]
Severity = Literal["minor", "general", "serious"]
MeasureKind = Literal["incentive", "routine", "warning", "penalty"]
DataCategory = Literal["基本信息", "市场信用信息", "外部信用信息"]
DataSource = Literal["经营主体注册时提供", "经营主体提交", "交易平台系统自动记录", "人工记录", "外部平台推送"]
UpdateFrequency = Literal["实时", "当日", "每日", "每周", "每月", "变更时"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")]
Score = Annotated[StrictInt, Field(ge=0, le=100)]

FULL_SCORE = 100


class _Model(BaseModel):
    """Unknown keys are errors (a typo such as ``point:`` must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _dupes(values: Iterable[Any]) -> list[Any]:
    return [v for v, n in Counter(values).items() if n > 1]


def _subject_kinds(value: list[str], what: str) -> list[str]:
    if not value:
        raise ValueError(f"{what} 不能为空，须取自 {', '.join(SUBJECT_KINDS)}")
    if dupes := _dupes(value):
        raise ValueError(f"{what} 重复：{', '.join(dupes)}")
    return value


# --------------------------------------------------------------------------------------------
# Platforms and standards
# --------------------------------------------------------------------------------------------


class Platform(_Model):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$")]
    name: Text
    kind: PlatformKind
    sector: Text
    regulator: Text  # filing authority (备案机关)


class Band(_Model):
    """A score band and its credit label (信用标注)."""

    min: Score
    max: Score
    label: Text
    name: Text
    description: Text

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Band:
        if self.min > self.max:
            raise ValueError(f"min: 下限 {self.min} 大于上限 max {self.max}")
        return self


class Measure(_Model):
    """A 守信激励 / 失信惩戒 measure applied to subjects holding ``label``."""

    label: Text
    code: Code
    name: Text
    kind: MeasureKind
    description: Text


class RepairWaits(_Model):
    """Days after the deduction date before a repair application is accepted, per severity."""

    minor: Annotated[StrictInt, Field(ge=0)]
    general: Annotated[StrictInt, Field(ge=0)]
    serious: Annotated[StrictInt, Field(ge=0)]

    def for_severity(self, severity: Severity) -> int:
        return int(getattr(self, severity))


class RepairRules(_Model):
    """信用修复: what a successful repair does under this version."""

    min_wait_days: RepairWaits
    hide_from_public: StrictBool
    stop_counting: StrictBool


class Item(_Model):
    """One credit item (信用事项) of a standard version.

    ``points`` are deducted from 100; record-only items (仅记录) and commendations (表彰) carry 0.
    ``severity`` is required for every kind (it selects the repair waiting period); for a
    commendation it only describes weight and has no effect.
    """

    code: Code
    name: Text
    category: Text
    applies_to: list[SubjectKind]
    kind: ItemKind
    points: Score
    severity: Severity
    legal_basis: Text
    public: StrictBool

    @field_validator("applies_to")
    @classmethod
    def _applies_to(cls, value: list[str]) -> list[str]:
        return _subject_kinds(value, "applies_to")

    @model_validator(mode="after")
    def _points_match_kind(self) -> Item:
        if self.kind == "deduction" and self.points == 0:
            raise ValueError(
                "points: 扣分事项（deduction）的 points 必须大于 0；不扣分的事项请用 record_only"
            )
        if self.kind == "record_only" and self.points != 0:
            raise ValueError(
                f"points: 仅记录事项（record_only）不扣分，points 必须为 0，而不是 {self.points}"
            )
        if self.kind == "commendation" and self.points != 0:
            raise ValueError(f"points: 表彰事项（commendation）不扣分，points 必须为 0，而不是 {self.points}")
        return self


class StandardVersion(_Model):
    """One version of a platform's scoring standard (市场信用记分评估标准)."""

    version: Annotated[str, StringConstraints(pattern=r"^\d{4}\.\d+$")]
    title: Text
    status: Status
    filed_on: dt.date | None = None
    filed_with: Text | None = None
    effective_from: dt.date | None = None
    published: StrictBool
    repair: RepairRules
    false_commitment_item: Code | None = None
    bands: list[Band]
    measures: list[Measure]
    items: list[Item]

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f'version 须为带引号的字符串，如 "2024.1"（YAML 把 {value} 读成了数字）')
        return value

    @field_validator("filed_on", "effective_from", mode="before")
    @classmethod
    def _date_not_datetime(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("只填日期（YYYY-MM-DD），不带时间")
        return value

    @model_validator(mode="after")
    def _check(self) -> StandardVersion:
        problems: list[str] = []
        if self.status == "filed":
            if self.filed_on is None:
                problems.append("filed_on: 已备案（filed）的版本必须填写备案日期 filed_on")
            if self.effective_from is None:
                problems.append("effective_from: 已备案（filed）的版本必须填写生效日期 effective_from")
        if self.filed_on and self.effective_from and self.effective_from < self.filed_on:
            problems.append(
                f"effective_from: 生效日期 {self.effective_from} 早于备案日期 {self.filed_on}；"
                "标准须先备案后实施"
            )
        problems += self._check_items()
        problems += self._check_bands()
        problems += self._check_measures()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _check_items(self) -> list[str]:
        problems = []
        if not self.items:
            problems.append("items: 至少需要一个信用事项")
        if dupes := _dupes(i.code for i in self.items):
            problems.append(f"items.code: 事项编号在同一版本内重复：{', '.join(dupes)}")
        code = self.false_commitment_item
        if code is not None:
            item = next((i for i in self.items if i.code == code), None)
            if item is None:
                problems.append(f"false_commitment_item: {code} 不是本版本的信用事项")
            elif item.kind != "deduction":
                problems.append(
                    f"false_commitment_item: {code} 必须是扣分事项（deduction），而不是 {item.kind}"
                )
        return problems

    def _check_bands(self) -> list[str]:
        bands = self.bands
        if not bands:
            return ["bands: 至少需要一个分数段"]
        problems = []
        if dupes := _dupes(b.label for b in bands):
            problems.append(f"bands.label: 信用标注重复：{', '.join(dupes)}")
        if bands[0].max != FULL_SCORE:
            problems.append(
                f"bands[0].max: 分数段须从最高分 100 开始、由高到低排列，第一段的 max 为 {bands[0].max}"
            )
        for i in range(1, len(bands)):
            upper, lower = bands[i - 1], bands[i]
            if lower.max >= upper.min:
                problems.append(
                    f"bands[{i}]: {lower.min}–{lower.max} 与上一段 {upper.min}–{upper.max} 重叠或顺序颠倒"
                    "（须由高到低排列）"
                )
            elif lower.max != upper.min - 1:
                problems.append(
                    f"bands[{i}]: {lower.min}–{lower.max} 与上一段 {upper.min}–{upper.max} 之间有空档"
                    f"（{lower.max + 1}–{upper.min - 1} 未覆盖）"
                )
        if bands[-1].min != 0:
            problems.append(f"bands[{len(bands) - 1}].min: 最后一段须到 0 分为止，现为 {bands[-1].min}")
        return problems

    def _check_measures(self) -> list[str]:
        problems = []
        labels = [b.label for b in self.bands]
        for i, m in enumerate(self.measures):
            if m.label not in labels:
                problems.append(f"measures[{i}].label: {m.label} 不是分数段的信用标注（{', '.join(labels)}）")
        if dupes := _dupes(m.code for m in self.measures):
            problems.append(f"measures.code: 措施编号重复：{', '.join(dupes)}")
        return problems

    # ---- reading helpers -------------------------------------------------------------------

    @property
    def is_effective_candidate(self) -> bool:
        """Filed with an effective date: the only versions that can ever be in force."""
        return self.status == "filed" and self.effective_from is not None

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.min <= score <= band.max:
                return band
        raise ValueError(f"score {score} 不在 0–100 之间")

    def measures_for(self, label: str) -> list[Measure]:
        return [m for m in self.measures if m.label == label]


class CommitmentTemplate(_Model):
    """A 信用承诺书 template a subject signs instead of supplying certificates."""

    code: Code
    title: Text
    body: Text


class PlatformFile(_Model):
    """One ``data/platforms/<code>.yaml``: a platform, its standard versions, its commitment letters."""

    platform: Platform
    standards: list[StandardVersion]
    commitment_templates: list[CommitmentTemplate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> PlatformFile:
        problems = []
        if not self.standards:
            problems.append("standards: 至少需要一个版本")
        if dupes := _dupes(v.version for v in self.standards):
            problems.append(f"standards.version: 同一平台的版本号重复：{', '.join(dupes)}")
        starts = [v.effective_from for v in self.standards if v.is_effective_candidate]
        if dupes := _dupes(starts):
            problems.append(
                "standards.effective_from: 两个已备案版本的生效日期相同，无法确定适用哪一个："
                + ", ".join(str(d) for d in dupes)
            )
        if dupes := _dupes(t.code for t in self.commitment_templates):
            problems.append(f"commitment_templates.code: 承诺书编号重复：{', '.join(dupes)}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def version(self, version: str) -> StandardVersion:
        for v in self.standards:
            if v.version == version:
                return v
        raise KeyError(version)

    def in_force(self, on: dt.date) -> StandardVersion | None:
        """The filed version with the latest ``effective_from`` on or before ``on``; None before the first."""
        candidates = [
            v for v in self.standards if v.is_effective_candidate and (v.effective_from or dt.date.max) <= on
        ]
        return max(candidates, key=lambda v: v.effective_from or dt.date.min, default=None)


# --------------------------------------------------------------------------------------------
# Data list (数据清单, 上海办法第八条)
# --------------------------------------------------------------------------------------------


class DataListEntry(_Model):
    code: Code
    name: Text
    category: DataCategory
    subject_kinds: list[SubjectKind]
    platform: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$")] | None = None
    fields: list[Text]
    masked_fields: list[Text] = Field(default_factory=list)  # shown masked wherever the entry is public
    source: list[DataSource]
    update_frequency: UpdateFrequency
    public: StrictBool
    legal_basis: Text

    @field_validator("subject_kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        return _subject_kinds(value, "subject_kinds")

    @field_validator("source", mode="before")
    @classmethod
    def _one_source(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> DataListEntry:
        problems = []
        if not self.fields:
            problems.append("fields: 至少需要一个字段")
        if dupes := _dupes(self.fields):
            problems.append(f"fields: 字段重复：{', '.join(dupes)}")
        if extra := [f for f in self.masked_fields if f not in self.fields]:
            problems.append(f"masked_fields: {', '.join(extra)} 不在 fields 中")
        if not self.source:
            problems.append("source: 至少需要一个来源")
        if problems:
            raise ValueError("\n".join(problems))
        return self


class DataList(_Model):
    title: Text
    version: Annotated[str, StringConstraints(pattern=r"^\d{4}\.\d+$")]
    publisher: Text
    published_on: dt.date
    entries: list[DataListEntry]

    @model_validator(mode="after")
    def _check(self) -> DataList:
        problems = []
        if not self.entries:
            problems.append("entries: 至少需要一个条目")
        if dupes := _dupes(e.code for e in self.entries):
            problems.append(f"entries.code: 条目编号重复：{', '.join(dupes)}")
        if dupes := _dupes(e.name for e in self.entries):
            problems.append(f"entries.name: 条目名称重复：{', '.join(dupes)}")
        if problems:
            raise ValueError("\n".join(problems))
        return self


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------
