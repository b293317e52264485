"""Eligibility at bid time: a subject's label on a platform, the measures in force, and why (in Chinese).

A trading system asks while a bid is being opened: the answer is the score on ``as_of`` (pure rule,
exact for any date), the label from the bands of the standard in force that day, and the 守信激励 /
失信惩戒 measures that standard attaches to the label — with the deductions that make up the score, so
the decision can be explained to the bidder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.scoring.rule import FULL_SCORE
from ggzy_credit.scoring.service import (
    PlatformScore,
    find_subject,
    load,
    not_future,
    platform_by_code,
    score_on,
)
from ggzy_credit.subjects.models import Subject

MEASURE_KINDS = {"incentive": "守信激励", "routine": "常规管理", "warning": "警示提醒", "penalty": "失信惩戒"}


@dataclass
class Eligibility:
    subject: Subject
    score: PlatformScore
    reasons: list[str]


def eligibility(
    session: Session, cipher: PiiCipher, subject: str, platform: str, as_of: date | None
) -> Eligibility:
    day = not_future(as_of, "as_of")
    found = find_subject(session, cipher, subject)
    credit = load(session, found.id)
    chosen = platform_by_code(list(credit.platforms.values()), platform)
    result = score_on(credit, chosen, day)
    return Eligibility(found, result, reasons(result))


def reasons(result: PlatformScore) -> list[str]:
    """Why the subject has this label and these measures, one sentence per step of the reasoning."""
    ev, name, day = result.evaluation, result.platform.name, result.as_of
    out: list[str] = []
    if ev.cycle_start is None or ev.cycle_end is None:
        out.append(f"截至{day}，该主体在{name}没有处于评估周期内的扣分，信用记分为满分{FULL_SCORE}分。")
    else:
        items = "；".join(
            f"{r.deducted_on} {r.item_name}（{r.item_code}）扣{r.points}分" for r in result.counted
        )
        out.append(
            f"截至{day}，该主体在{name}的评估周期自{ev.cycle_start}首次扣分起算，"
            f"周期内扣分{len(result.counted)}次、共{ev.points}分：{items}。"
        )
        if ev.points >= FULL_SCORE:
            out.append(f"累计扣分达到或超过{FULL_SCORE}分，信用记分按0分计。")
        else:
            out.append(f"信用记分为{FULL_SCORE}−{ev.points}={ev.score}分。")
        out.append(f"评估周期内如无新增扣分，扣分将于{ev.cycle_end}自动修复、恢复满分（上海办法第十二条）。")
    standard, band = result.standard, result.band
    if standard is None or band is None:
        out.append(f"{day}{name}没有已备案生效的评估标准，因此没有信用标注，也不适用激励或惩戒措施。")
        return out
    out.append(
        f"依据{standard.title}（{standard.version}版），{band.min}–{band.max}分的信用标注为"
        f"“{band.name}”（{band.label}）：{band.description}"
    )
    measures = result.measures
    if measures:
        listed = "；".join(f"{m.name}（{MEASURE_KINDS.get(m.kind, m.kind)}）" for m in measures)
        out.append(f"该标注适用的措施：{listed}。")
    else:
        out.append("该标注没有对应的激励或惩戒措施。")
    return out
