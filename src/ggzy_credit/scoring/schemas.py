"""API shapes for scores, score history and eligibility."""

from __future__ import annotations

import datetime as dt
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.scoring.eligibility import MEASURE_KINDS, Eligibility
from ggzy_credit.scoring.service import DayScore, PlatformScore
from ggzy_credit.standards.models import Platform


class DeductionOut(BaseModel):
    record_id: int
    item_code: str
    item_name: str
    points: int
    deducted_on: date


class PlatformScoreOut(BaseModel):
    platform: str = Field(description="平台代码")
    platform_name: str
    standard_version: str | None = Field(description="当日生效的评估标准版本；无则为 null")
    score: int = Field(description="信用记分（满分 100，最低 0）")
    label: str | None = Field(description="信用标注（分数段代码）；当日无生效标准则为 null")
    label_name: str | None
    cycle_start: date | None = Field(description="当前评估周期起算日（首次扣分之日）；无扣分则为 null")
    cycle_end: date | None = Field(description="自动修复、恢复满分之日；无扣分则为 null")
    points: int = Field(description="评估周期内累计扣分（可超过 100）")
    has_records: bool = Field(description="该主体在此平台是否有截至当日的信用记录")
    deductions: list[DeductionOut] = Field(description="计入当前评估周期的扣分")


class SubjectScoresOut(BaseModel):
    subject_id: int
    as_of: date
    scores: list[PlatformScoreOut]


class DayScoreOut(BaseModel):
    date: dt.date
    score: int
    label: str | None
    cycle_end: date | None


class PlatformHistoryOut(BaseModel):
    platform: str
    platform_name: str
    days: list[DayScoreOut]


class ScoreHistoryOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    subject_id: int
    from_: date = Field(alias="from")
    to: date
    platforms: list[PlatformHistoryOut]


class MeasureOut(BaseModel):
    code: str
    name: str
    kind: str = Field(
        description="incentive 守信激励 | routine 常规管理 | warning 警示提醒 | penalty 失信惩戒"
    )
    kind_name: str
    description: str


class EligibilityOut(BaseModel):
    subject_id: int
    subject_name: str
    as_of: date
    platform: str
    platform_name: str
    standard_version: str | None
    score: int
    label: str | None
    label_name: str | None
    cycle_start: date | None
    cycle_end: date | None
    deductions: list[DeductionOut]
    measures: list[MeasureOut] = Field(description="当日生效标准中该信用标注对应的措施")
    reasons: list[str] = Field(description="判断依据，逐句说明")
    explanation: str = Field(description="判断依据全文")


def platform_score_out(s: PlatformScore) -> PlatformScoreOut:
    ev = s.evaluation
    return PlatformScoreOut(
        platform=s.platform.code,
        platform_name=s.platform.name,
        standard_version=s.standard.version if s.standard else None,
        score=ev.score,
        label=s.band.label if s.band else None,
        label_name=s.band.name if s.band else None,
        cycle_start=ev.cycle_start,
        cycle_end=ev.cycle_end,
        points=ev.points,
        has_records=s.has_records,
        deductions=[
            DeductionOut(
                record_id=r.id,
                item_code=r.item_code,
                item_name=r.item_name,
                points=r.points,
                deducted_on=r.deducted_on,
            )
            for r in s.counted
        ],
    )


def history_out(p: Platform, days: list[DayScore]) -> PlatformHistoryOut:
    return PlatformHistoryOut(
        platform=p.code,
        platform_name=p.name,
        days=[DayScoreOut(date=d.day, score=d.score, label=d.label, cycle_end=d.cycle_end) for d in days],
    )


def eligibility_out(e: Eligibility) -> EligibilityOut:
    base = platform_score_out(e.score)
    return EligibilityOut(
        subject_id=e.subject.id,
        subject_name=e.subject.name,
        as_of=e.score.as_of,
        **base.model_dump(
            include={
                "platform",
                "platform_name",
                "standard_version",
                "score",
                "label",
                "label_name",
                "cycle_start",
                "cycle_end",
            }
        ),
        deductions=base.deductions,
        measures=[
            MeasureOut(
                code=m.code,
                name=m.name,
                kind=m.kind,
                kind_name=MEASURE_KINDS.get(m.kind, m.kind),
                description=m.description,
            )
            for m in e.score.measures
        ],
        reasons=e.reasons,
        explanation="".join(e.reasons),
    )
