"""Stored evaluation results: the change-only score history and the log of evaluation runs.

``score_history`` is derived data, rebuilt from credit records and their events by the set-based
evaluation (``scoring.timeline``): one row per period during which a subject has an open cycle on a
platform, split wherever the score, the cycle or the standard in force changes. Days not covered by
a row score 100 (no open cycle). A row with ``valid_to`` NULL is still open on the evaluation horizon
(the last day evaluated). It has no foreign keys on purpose: it holds millions of rows written in bulk
and is rebuilt, never edited by hand.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy_credit.db.base import Base


class ScoreHistory(Base):
    __tablename__ = "score_history"
    __table_args__ = (
        # Incremental runs look up open rows whose cycle has ended (restoration due).
        Index(
            "ix_score_history_open_cycle_end",
            "cycle_end",
            postgresql_where=text("valid_to IS NULL"),
            sqlite_where=text("valid_to IS NULL"),
        ),
    )

    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    platform_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    valid_to: Mapped[date | None]  # exclusive; NULL: open on the evaluation horizon
    score: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)  # points of the open cycle, before the floor at 0
    label: Mapped[str | None] = mapped_column(String(16))  # None: no standard in force
    standard_id: Mapped[int | None] = mapped_column(Integer)
    cycle_start: Mapped[date]
    cycle_end: Mapped[date]  # restoration date (自动修复之日)
    run_id: Mapped[int | None] = mapped_column(Integer)


class EvaluationRun(Base):
    """One evaluation: the daily run (full or incremental) or a re-evaluation after a record event."""

    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(index=True)
    horizon: Mapped[date]  # last day the stored history now covers: max(as_of, earlier horizons)
    mode: Mapped[str] = mapped_column(String(16))  # full | incremental | event
    # "daily:YYYY-MM-DD" for scheduled runs: unique, so of several workers only one runs a given day.
    claim_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    started_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # running | finished | failed
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
    pairs_evaluated: Mapped[int] = mapped_column(Integer, default=0)  # (subject, platform) pairs
    subjects_evaluated: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)  # pairs whose stored history changed
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)  # wall time of the evaluation itself
    # Highest standard id known to the run: a later version means its platform must be re-evaluated.
    standards_seen: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
