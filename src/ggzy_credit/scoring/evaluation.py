"""Evaluation runs: rebuild the stored score history set-based, full or incremental, and log each run.

A run for day T rebuilds, for the selected (subject, platform) pairs, the whole timeline known on the
*horizon* H = max(T, the latest horizon so far) (``scoring.timeline``), compares it with the stored
rows and rewrites only the pairs that differ. So re-running a day changes nothing, running days out
of order never loses later days, and a missed day is caught up by the next run. The cost is a fixed
number of statements whatever the number of subjects — never a query per subject.

Incremental runs select the pairs that can have changed since the last daily run:

* records recorded, or record events created, since that run *started* (back-filled records and
  revocations rewrite the past; a record committed while that run was going is picked up again),
  with an hour's margin for transactions still open when it started (:data:`IN_FLIGHT`);
* pairs whose open row is stale on H: its cycle ended (restoration to 100), a standard took effect
  on the platform after the row started (new label), or a repair took effect after it started;
* every pair of a platform that got a new standard version since the last run.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from sqlalchemy import Select, and_, delete, exists, func, insert, literal, or_, select, text, union
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput
from ggzy_credit.records.events import EventKind, RecordEvent
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring import timeline as tl
from ggzy_credit.scoring.changes import queue_score_changes
from ggzy_credit.scoring.models import EvaluationRun, ScoreHistory
from ggzy_credit.standards.models import Standard

DAILY_MODES = ("full", "incremental")
# ``recorded_at`` is stamped when a record is written, not when its transaction commits: a long import
# still open when the last run started commits records stamped before that start. Looking this much
# further back re-evaluates a few pairs twice (harmless) instead of missing them.
IN_FLIGHT = timedelta(hours=1)
_LOCK_KEY = 0x67677A79  # "ggzy": one evaluation at a time on PostgreSQL


def last_daily_run(session: Session) -> EvaluationRun | None:
    return session.scalar(
        select(EvaluationRun)
        .where(EvaluationRun.mode.in_(DAILY_MODES), EvaluationRun.status == "finished")
        .order_by(EvaluationRun.started_at.desc(), EvaluationRun.id.desc())
        .limit(1)
    )


def current_horizon(session: Session) -> date | None:
    """The last day the stored history covers (None before the first run)."""
    return session.scalar(select(func.max(EvaluationRun.horizon)).where(EvaluationRun.status == "finished"))


def start_run(
    session: Session, as_of: date, *, mode: str, started_by: str, claim_key: str | None = None
) -> EvaluationRun:
    run = EvaluationRun(
        as_of=as_of,
        horizon=as_of,
        mode=mode,
        claim_key=claim_key,
        started_by=started_by,
        status="running",
        started_at=clock.now(),
    )
    session.add(run)
    session.flush()
    return run


def run_evaluation(
    session: Session,
    as_of: date | None = None,
    *,
    full: bool = False,
    started_by: str = "cli",
    run: EvaluationRun | None = None,
) -> EvaluationRun:
    """Evaluate day ``as_of`` (default today); incremental unless ``full`` or there was no run yet.

    ``run`` is a row already claimed by the scheduler; otherwise one is created. The session is not
    committed: the caller's transaction makes the run all-or-nothing.
    """
    today = clock.today()
    as_of = as_of or today
    if as_of > today:
        raise InvalidInput.field("as_of", f"评估日期 {as_of} 晚于当日 {today}")
    _lock(session)
    previous = last_daily_run(session)
    before = current_horizon(session)
    horizon = max(as_of, before or as_of)
    mode = "full" if full or previous is None else "incremental"
    if run is None:
        run = start_run(session, as_of, mode=mode, started_by=started_by)
    run.mode, run.horizon = mode, horizon
    began = time.perf_counter()
    # No try/finally: after a failed statement the transaction is unusable (PostgreSQL) and the caller
    # rolls it back; each evaluation empties the work tables before it starts.
    tl.prepare_temp_tables(session)
    tl.fill_standards(session, horizon)
    if mode == "incremental":
        assert previous is not None and before is not None
        _select_incremental(session, previous, before, horizon)
    _rebuild(session, run, only_pairs=mode == "incremental", stored_before=before is not None)
    tl.clear_temp_tables(session)
    run.standards_seen = session.scalar(select(func.max(Standard.id))) or 0
    run.status, run.finished_at = "finished", clock.now()
    run.seconds = round(time.perf_counter() - began, 3)
    session.flush()
    return run


def reevaluate_pairs(
    session: Session, pairs: set[tuple[int, int]], *, started_by: str = "event"
) -> EvaluationRun | None:
    """Rebuild the stored history of ``pairs`` now (after a revocation, correction or repair).

    Before the first daily run nothing is stored, so there is nothing to rebuild: None.
    """
    horizon = current_horizon(session)
    if horizon is None or not pairs:
        return None
    _lock(session)
    run = start_run(session, horizon, mode="event", started_by=started_by)
    tl.prepare_temp_tables(session)
    tl.fill_standards(session, horizon)
    session.execute(tl.PAIRS.insert(), [{"subject_id": s, "platform_id": p} for s, p in sorted(pairs)])
    _rebuild(session, run, only_pairs=True, stored_before=True)
    tl.clear_temp_tables(session)
    run.standards_seen = session.scalar(select(func.max(Standard.id))) or 0
    run.status, run.finished_at = "finished", clock.now()
    session.flush()
    return run


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Per schema: several databases' worth of schemas (tests, benchmarks) may share one server.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"), {"key": _LOCK_KEY}
        )
        # Sorts and hashes over millions of rows stay in memory (this transaction only).
        session.execute(text("SET LOCAL work_mem = '1GB'"))


def _select_incremental(session: Session, previous: EvaluationRun, before: date, horizon: date) -> None:
    """Fill ``_score_pairs`` with the pairs that may have changed since ``previous``.

    ``before`` is the horizon before this run: stored rows were split at every boundary up to it, so
    only boundaries in (before, horizon] can make an open row stale. Each source is an indexed lookup
    (records by ``recorded_at``, events by ``created_at``, open rows by ``cycle_end``) or is skipped.
    """
    r, ev, hist = CreditRecord.__table__, RecordEvent.__table__, ScoreHistory.__table__
    since = previous.started_at - IN_FLIGHT
    h = literal(horizon)
    is_open = hist.c.valid_to.is_(None)
    pair_of_record = (r.c.subject_id, r.c.platform_id)
    sources = [
        select(*pair_of_record).where(r.c.recorded_at >= since),
        select(*pair_of_record)
        .select_from(ev.join(r, r.c.id == ev.c.record_id))
        .where(ev.c.created_at >= since),
        select(hist.c.subject_id, hist.c.platform_id).where(is_open, hist.c.cycle_end <= h),  # restorations
    ]
    if horizon > before:
        new_periods = select(tl.PERIODS.c.platform_id, tl.PERIODS.c.p_from).where(
            tl.PERIODS.c.p_from > before, tl.PERIODS.c.p_from <= h
        )
        if session.execute(new_periods.limit(1)).first() is not None:  # a standard took effect: labels
            np = new_periods.subquery()
            sources.append(
                select(hist.c.subject_id, hist.c.platform_id)
                .select_from(hist.join(np, np.c.platform_id == hist.c.platform_id))
                .where(is_open, np.c.p_from > hist.c.valid_from)
            )
        sources.append(  # a repair took effect
            select(hist.c.subject_id, hist.c.platform_id)
            .select_from(
                ev.join(r, r.c.id == ev.c.record_id).join(
                    hist, and_(hist.c.subject_id == r.c.subject_id, hist.c.platform_id == r.c.platform_id)
                )
            )
            .where(
                ev.c.kind == EventKind.REPAIRED.value,
                ev.c.effective_on > before,
                ev.c.effective_on <= h,
                is_open,
                ev.c.effective_on > hist.c.valid_from,
            )
        )
    new_standards = select(Standard.platform_id).where(Standard.id > (previous.standards_seen or 0))
    if session.execute(new_standards.limit(1)).first() is not None:  # a version loaded since: re-evaluate
        sources.append(select(*pair_of_record).where(r.c.platform_id.in_(new_standards), r.c.points > 0))
    session.execute(tl.PAIRS.insert().from_select(["subject_id", "platform_id"], union(*sources)))


def _rebuild(session: Session, run: EvaluationRun, *, only_pairs: bool, stored_before: bool) -> None:
    """Timeline → ``_score_fresh``; rewrite the pairs whose stored rows differ from it.

    ``stored_before``: an earlier run stored scores, so a changed score is a ``score.changed`` event.
    """
    hist = ScoreHistory.__table__
    if only_pairs:
        tl.analyze(session, tl.PAIRS)
        run.pairs_evaluated = session.scalar(select(func.count()).select_from(tl.PAIRS)) or 0
        run.subjects_evaluated = session.scalar(select(func.count(tl.PAIRS.c.subject_id.distinct()))) or 0
    tl.fill_fresh(session, run.horizon, only_pairs=only_pairs)
    tl.analyze(session, tl.FRESH)
    if not only_pairs:  # every pair with a counting deduction has at least one row
        pairs = select(tl.FRESH.c.subject_id, tl.FRESH.c.platform_id).distinct().subquery()
        run.pairs_evaluated, run.subjects_evaluated = session.execute(
            select(func.count(), func.count(pairs.c.subject_id.distinct()))
        ).one()

    columns = tl.HISTORY_COLUMNS
    if not only_pairs and session.execute(select(hist.c.subject_id).limit(1)).first() is None:
        if stored_before:  # every score was 100: the pairs now below it changed
            fresh_pairs = select(tl.FRESH.c.subject_id, tl.FRESH.c.platform_id).distinct()
            queue_score_changes(session, run, fresh_pairs.subquery("fresh_pairs"))
        _write_all(session, run)  # the first run: nothing stored yet, nothing to compare
        return
    session.execute(
        tl.CHANGED.insert().from_select(["subject_id", "platform_id"], _changed_pairs(session, only_pairs))
    )
    tl.analyze(session, tl.CHANGED)
    run.changes = session.scalar(select(func.count()).select_from(tl.CHANGED)) or 0
    if not run.changes:
        run.rows_written = 0
        return
    if stored_before:
        queue_score_changes(session, run, tl.CHANGED)  # before the stored rows are replaced
    changed = exists().where(
        tl.CHANGED.c.subject_id == hist.c.subject_id, tl.CHANGED.c.platform_id == hist.c.platform_id
    )
    session.execute(delete(hist).where(changed))
    changed_fresh = exists().where(
        tl.CHANGED.c.subject_id == tl.FRESH.c.subject_id, tl.CHANGED.c.platform_id == tl.FRESH.c.platform_id
    )
    session.execute(
        insert(hist).from_select(  # in key order: appends to the primary key index
            [*columns, "run_id"],
            select(*[tl.FRESH.c[c] for c in columns], literal(run.id).label("run_id"))
            .where(changed_fresh)
            .order_by(tl.FRESH.c.subject_id, tl.FRESH.c.platform_id, tl.FRESH.c.valid_from),
        )
    )
    # Counted, not taken from rowcount: psycopg reports -1 for INSERT … SELECT built by SQLAlchemy.
    run.rows_written = session.scalar(select(func.count()).select_from(tl.FRESH).where(changed_fresh)) or 0


def _write_all(session: Session, run: EvaluationRun) -> None:
    hist = ScoreHistory.__table__
    columns = tl.HISTORY_COLUMNS
    session.execute(
        insert(hist).from_select(
            [*columns, "run_id"],
            select(*[tl.FRESH.c[c] for c in columns], literal(run.id).label("run_id")).order_by(
                tl.FRESH.c.subject_id, tl.FRESH.c.platform_id, tl.FRESH.c.valid_from
            ),
        )
    )
    run.changes = run.pairs_evaluated
    run.rows_written = session.scalar(select(func.count()).select_from(tl.FRESH)) or 0


def _changed_pairs(session: Session, only_pairs: bool) -> Select:  # type: ignore[type-arg]
    """Pairs with a stored row that is new, gone or different from ``_score_fresh``.

    PostgreSQL: one hash full join on the key. SQLite joins by index lookups only, so there it is a
    left join into the history's primary key plus an anti-join into the work table's index.
    """
    hist, new = ScoreHistory.__table__, tl.FRESH
    key = ("subject_id", "platform_id", "valid_from")
    in_pairs = and_(tl.PAIRS.c.subject_id == hist.c.subject_id, tl.PAIRS.c.platform_id == hist.c.platform_id)
    if session.get_bind().dialect.name == "postgresql":
        stored = select(hist).join(tl.PAIRS, in_pairs) if only_pairs else select(hist)
        old = stored.subquery("old")
        differs = or_(
            old.c.subject_id.is_(None),
            new.c.subject_id.is_(None),
            *[new.c[c].is_distinct_from(old.c[c]) for c in tl.HISTORY_COLUMNS if c not in key],
        )
        return (
            select(
                func.coalesce(new.c.subject_id, old.c.subject_id),
                func.coalesce(new.c.platform_id, old.c.platform_id),
            )
            .select_from(new.join(old, and_(*[new.c[c] == old.c[c] for c in key]), full=True))
            .where(differs)
            .distinct()
        )
    differs = or_(
        hist.c.subject_id.is_(None),
        *[new.c[c].is_distinct_from(hist.c[c]) for c in tl.HISTORY_COLUMNS if c not in key],
    )
    added = (
        select(new.c.subject_id, new.c.platform_id)
        .select_from(new.outerjoin(hist, and_(*[new.c[c] == hist.c[c] for c in key])))
        .where(differs)
    )
    gone = select(hist.c.subject_id, hist.c.platform_id).where(
        ~exists().where(*[new.c[c] == hist.c[c] for c in key])
    )
    if only_pairs:  # driven by the few selected pairs, through the history's primary key
        gone = gone.select_from(tl.PAIRS.join(hist, in_pairs))
    return union(added, gone)
