"""Scores as the portal shows them: per platform the score, label and restoration date, 12 months of
history, and the distribution for the staff dashboard.

A subject's scores come from the scoring service (``scoring.service``), which applies the rule to the
subject's records on every request — exact on any day, and a revocation shows at once. The dashboard
distribution is an aggregate over every subject, so it reads the daily evaluation's stored results
(``score_history``) in one grouped query instead.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ggzy_credit.portal.charts import Chart, line_chart
from ggzy_credit.portal.i18n import Translator
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring import service
from ggzy_credit.scoring.evaluation import current_horizon
from ggzy_credit.scoring.models import ScoreHistory
from ggzy_credit.scoring.public_scores import Card as ScoreCard
from ggzy_credit.scoring.rule import add_months, score_series
from ggzy_credit.standards.models import Platform

BINS = [(100, 100, "100"), (90, 99, "90–99"), (80, 89, "80–89"), (60, 79, "60–79"), (0, 59, "0–59")]


def _card(score: service.PlatformScore) -> ScoreCard:
    return ScoreCard(
        platform=score.platform.code,
        platform_name=score.platform.name,
        score=score.evaluation.score,
        points=score.evaluation.points,
        label=score.band.label if score.band else None,
        label_name=score.band.name if score.band else None,
        cycle_end=score.evaluation.cycle_end,
    )


def cards(session: Session, subject_id: int, as_of: date) -> list[ScoreCard]:
    """The score on each platform where the subject has records (none: 100 everywhere)."""
    return [_card(s) for s in service.subject_scores(session, subject_id, as_of) if s.has_records]


def sections(
    t: Translator, session: Session, subject_id: int, today: date
) -> list[dict[str, ScoreCard | Chart]]:
    """Per platform with records: the score card and its 12-month history chart.

    The subject's records are loaded once (``scoring.service.load``) for both the scores and the
    daily series; the chart needs scores only, so the series comes straight from the rule.
    """
    start = add_months(today, -12)
    credit = service.load(session, subject_id)
    out: list[dict[str, ScoreCard | Chart]] = []
    for platform in credit.platforms_with_records(today):
        score = service.score_on(credit, platform, today)
        if not score.has_records:
            continue
        card = _card(score)
        series = [
            (day, value)
            for day, value, _end in score_series(credit.deductions.get(platform.id, []), start, today)
        ]
        chart = line_chart(
            series,
            chart_id=f"score-{card.platform}",
            title=t.gettext("%(platform)s近 12 个月信用记分", platform=card.platform_name),
            desc=t.gettext(
                "从 %(start)s 到 %(end)s 的每日信用记分，满分 100 分；当前 %(score)s 分。",
                start=start.isoformat(),
                end=today.isoformat(),
                score=card.score,
            ),
            columns=(t.gettext("变化日期"), t.gettext("信用记分")),
        )
        out.append({"card": card, "chart": chart})
    return out


def distribution(
    session: Session, as_of: date, platforms: frozenset[str] | None = None
) -> list[tuple[str, int]] | None:
    """(subject, platform) pairs with records, by score band, from the latest daily evaluation.

    Pairs with an open cycle on ``as_of`` score what the stored history says; every other pair with
    records scores 100. None before the first evaluation run.
    """
    if current_horizon(session) is None:
        return None
    scope = select(Platform.id)
    if platforms is not None:
        scope = scope.where(Platform.code.in_(sorted(platforms)))
    pairs = session.scalar(
        select(func.count()).select_from(
            select(CreditRecord.subject_id, CreditRecord.platform_id)
            .where(CreditRecord.platform_id.in_(scope))
            .distinct()
            .subquery()
        )
    )
    counts = dict.fromkeys([label for _lo, _hi, label in BINS], 0)
    open_rows = session.execute(
        select(ScoreHistory.score, func.count())
        .where(
            ScoreHistory.platform_id.in_(scope),
            ScoreHistory.valid_from <= as_of,
            or_(ScoreHistory.valid_to.is_(None), ScoreHistory.valid_to > as_of),
            ScoreHistory.cycle_end > as_of,
        )
        .group_by(ScoreHistory.score)
    )
    scored = 0
    for score, n in open_rows:
        scored += n
        label = next(label for lo, hi, label in BINS if lo <= score <= hi)
        counts[label] += n
    counts["100"] += max(0, (pairs or 0) - scored)
    return list(counts.items())
