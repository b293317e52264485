"""/api/v1/public: a subject's current scores and labels as the public portal shows them, in JSON.

Scores and labels are public (DESIGN §2 Disclosure: the portal shows published records, scores and
labels), so this route needs no login and writes no audit line: a cheap read for trading systems that
only need the label at bid time. It returns the portal's score cards (``portal.scores.cards``), computed
in one query (``scoring.public_scores``), and nothing about the subject but its id — no personal data,
no record details.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from ggzy_credit import clock
from ggzy_credit.scoring.public_scores import public_cards
from ggzy_credit.web.deps import public
from ggzy_credit.web.params import DbId

router = APIRouter(tags=["信用评估 scoring"])


class PublicScoreOut(BaseModel):
    platform: str = Field(description="平台代码")
    platform_name: str
    score: int = Field(description="信用记分（满分 100，最低 0）")
    points: int = Field(description="评估周期内累计扣分（可超过 100）")
    label: str | None = Field(description="信用标注（分数段代码）；当日无生效标准则为 null")
    label_name: str | None
    cycle_end: date | None = Field(description="自动修复、恢复满分之日；无扣分则为 null")


class PublicScoresOut(BaseModel):
    subject_id: int
    as_of: date
    scores: list[PublicScoreOut] = Field(description="有信用记录的各平台；没有记录的主体为空（均为满分 100）")


@router.get(
    "/public/subjects/{subject_id}/scores",
    response_model=PublicScoresOut,
    dependencies=[Depends(public(audit=False))],  # a read: nothing to audit, no request session
    summary="经营主体当日的信用记分和信用标注（公开信息，无需登录）",
    description="与门户经营主体公开页所示一致：有信用记录的各平台当日的信用记分、信用标注和自动修复日期。"
    "不含个人信息和记录明细；不记入查询日志。",
)
def public_scores(request: Request, subject_id: DbId) -> PublicScoresOut:
    today = clock.today()
    # Its own short session, closed before the handler returns: with the request's session (SessionDep)
    # the connection stays checked out until the dependency's exit gets a threadpool slot, and under a
    # burst every slot can be waiting for a pooled connection held that way (benchmarks/score_load.py).
    with request.app.state.sessions() as session:
        cards = public_cards(session, subject_id, today)
    scores = [PublicScoreOut(**asdict(card)) for card in cards]
    return PublicScoresOut(subject_id=subject_id, as_of=today, scores=scores)
