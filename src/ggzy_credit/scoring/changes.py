"""``score.changed`` webhook events, queued set-based by the evaluation that changed the score.

A subject's *stored score* on a platform is the score the stored history gives on its horizon (the
last day evaluated): the open row's score, or 100 when no row is open. An evaluation run (daily,
full or incremental, or the re-evaluation after a revocation, correction or repair) that rewrites a
pair's history compares the score on the old horizon (the stored rows, before they are replaced)
with the score on the new horizon (``_score_fresh``); each pair whose score differs gets one event
per subscription, written with a single ``INSERT … SELECT`` into the outbox in the run's
transaction. Past days rewritten without changing today's score (a revocation of a record whose
cycle has ended) raise no event. Nothing is queued before the first evaluation (no stored score
yet) or when nobody subscribes. Scores and labels are public (DESIGN "Disclosure"), so every
subscription to the event receives it, ``public_only`` or not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    FromClause,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.db.base import AwareDateTime
from ggzy_credit.exchange.outbox import subscribers
from ggzy_credit.exchange.webhook_models import OutboxMessage, WebhookSubscription
from ggzy_credit.scoring import timeline as tl
from ggzy_credit.scoring.models import EvaluationRun, ScoreHistory
from ggzy_credit.scoring.rule import FULL_SCORE
from ggzy_credit.standards.models import Platform

SCORE_CHANGED = "score.changed"


def queue_score_changes(session: Session, run: EvaluationRun, pairs: FromClause) -> None:
    """Queue ``score.changed`` for the pairs in ``pairs`` (``subject_id``, ``platform_id``) whose
    score on the run's horizon differs from the stored one. Call before the stored rows are replaced.
    """
    targets = [sid for sid, _public_only in subscribers(session, SCORE_CHANGED)]
    if not targets:
        return
    hist, fresh, per, labels = ScoreHistory.__table__, tl.FRESH, tl.PERIODS, tl.LABELS
    horizon = literal(run.horizon)
    source = (
        pairs.outerjoin(
            hist,
            and_(
                hist.c.subject_id == pairs.c.subject_id,
                hist.c.platform_id == pairs.c.platform_id,
                hist.c.valid_to.is_(None),
            ),
        )
        .outerjoin(
            fresh,
            and_(
                fresh.c.subject_id == pairs.c.subject_id,
                fresh.c.platform_id == pairs.c.platform_id,
                fresh.c.valid_to.is_(None),
            ),
        )
        .outerjoin(  # the standard in force on the horizon, for the label of a full score
            per, and_(per.c.platform_id == pairs.c.platform_id, per.c.p_from <= horizon, per.c.p_to > horizon)
        )
        .outerjoin(labels, and_(labels.c.standard_id == per.c.standard_id, labels.c.score == FULL_SCORE))
        .join(Platform, Platform.id == pairs.c.platform_id)
        .join(WebhookSubscription, WebhookSubscription.id.in_(targets))
    )
    old_score = func.coalesce(hist.c.score, FULL_SCORE)
    new_score = func.coalesce(fresh.c.score, FULL_SCORE)
    label = case((fresh.c.subject_id.is_(None), labels.c.label), else_=fresh.c.label)
    dialect = session.get_bind().dialect.name
    payload = _json_object(
        dialect,
        subject_id=pairs.c.subject_id,
        platform=Platform.code,
        old_score=old_score,
        new_score=new_score,
        label=label,
        as_of=cast(literal(run.horizon.isoformat()), String),
    )
    event_id = (
        cast(literal(f"score-{run.id}-"), String)
        + cast(pairs.c.subject_id, String)
        + "-"
        + cast(pairs.c.platform_id, String)
    )
    now = clock.now()
    rows = (
        select(
            event_id,
            literal(SCORE_CHANGED, String),
            WebhookSubscription.id,
            payload,
            literal(now, AwareDateTime()),
            literal("pending", String),
            literal(0, Integer),
            literal(now, AwareDateTime()),
        )
        .select_from(source)
        .where(old_score != new_score)
        .order_by(pairs.c.subject_id, pairs.c.platform_id, WebhookSubscription.id)
    )
    columns = [
        "event_id",
        "event_type",
        "subscription_id",
        "payload",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    session.execute(insert(OutboxMessage).from_select(columns, rows))


def _json_object(dialect: str, **members: Any) -> Any:
    """A JSON object built by the database: SQLite ``json_object``, PostgreSQL ``json_build_object``."""
    args: list[Any] = []
    for key, value in members.items():
        args += [literal_column(f"'{key}'"), value]
    return func.json_object(*args) if dialect == "sqlite" else func.json_build_object(*args)
