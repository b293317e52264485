"""/api/v1: a subject's scores on any date, their daily history, and eligibility at bid time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ggzy_credit.auth.roles import ALL_ROLES
from ggzy_credit.errors import FieldProblem, InvalidInput
from ggzy_credit.scoring import service
from ggzy_credit.scoring.eligibility import eligibility
from ggzy_credit.scoring.rule import add_months
from ggzy_credit.scoring.schemas import (
    EligibilityOut,
    ScoreHistoryOut,
    SubjectScoresOut,
    eligibility_out,
    history_out,
    platform_score_out,
)
from ggzy_credit.web.deps import CipherDep, SessionDep, allow
from ggzy_credit.web.params import DbId

router = APIRouter(tags=["信用评估 scoring"])
readers = allow(*ALL_ROLES)  # issue #5 narrows who may read whose scores
MAX_HISTORY_MONTHS = 36


@router.get(
    "/subjects/{subject_id}/scores",
    response_model=SubjectScoresOut,
    dependencies=[Depends(readers)],
    summary="经营主体在各平台某日的信用记分、信用标注和计入的扣分",
    description="列出该主体截至当日有信用记录的各平台；没有任何记录的主体在所有平台均为满分 100。"
    "任何过去的日期均可查询，结果与当日评估是否已运行无关。",
)
def subject_scores(
    session: SessionDep,
    subject_id: DbId,
    as_of: Annotated[date | None, Query(description="日期，缺省为当日（北京时间）")] = None,
) -> SubjectScoresOut:
    scores = service.subject_scores(session, subject_id, as_of)
    day = scores[0].as_of if scores else service.not_future(as_of, "as_of")
    return SubjectScoresOut(subject_id=subject_id, as_of=day, scores=[platform_score_out(s) for s in scores])


@router.get(
    "/subjects/{subject_id}/scores/history",
    response_model=ScoreHistoryOut,
    dependencies=[Depends(readers)],
    summary="经营主体信用记分的逐日历史",
    description=f"from 至 to（含）逐日的信用记分、信用标注和自动修复日期，"
    f"区间不超过 {MAX_HISTORY_MONTHS} 个月。",
)
def subject_score_history(
    session: SessionDep,
    subject_id: DbId,
    from_: Annotated[date | None, Query(alias="from", description="起始日期，缺省为 to 之前一年")] = None,
    to: Annotated[date | None, Query(description="截止日期，缺省为当日")] = None,
    platform: Annotated[
        str | None, Query(max_length=40, description="平台代码，缺省为有记录的全部平台")
    ] = None,
) -> ScoreHistoryOut:
    end = service.not_future(to, "to")
    start = from_ if from_ is not None else add_months(end, -12) + timedelta(days=1)
    if start > end:
        raise InvalidInput(
            FieldProblem(("query", "from"), f"起始日期 {start} 晚于截止日期 {end}", "date_order")
        )
    if end >= add_months(start, MAX_HISTORY_MONTHS):
        raise InvalidInput(
            FieldProblem(("query", "to"), f"查询区间不能超过 {MAX_HISTORY_MONTHS} 个月", "range_too_long")
        )
    series = service.subject_history(session, subject_id, start, end, platform)
    return ScoreHistoryOut(
        subject_id=subject_id, from_=start, to=end, platforms=[history_out(p, d) for p, d in series]
    )


@router.get(
    "/eligibility",
    response_model=EligibilityOut,
    dependencies=[Depends(readers)],
    summary="投标时查询经营主体的信用标注、适用措施及依据",
    description="交易系统在开标、评标时调用：返回当日的信用记分、信用标注、评估标准中该标注对应的"
    "守信激励或失信惩戒措施，以及中文的判断依据。subject 可为主体 ID、统一社会信用代码或身份证号码。",
)
def read_eligibility(
    session: SessionDep,
    cipher: CipherDep,
    subject: Annotated[
        str, Query(min_length=1, max_length=40, description="主体 ID、统一社会信用代码或身份证号码")
    ],
    platform: Annotated[str, Query(min_length=1, max_length=40, description="平台代码")],
    as_of: Annotated[date | None, Query(description="日期，缺省为当日")] = None,
) -> EligibilityOut:
    return eligibility_out(eligibility(session, cipher, subject, platform, as_of))
