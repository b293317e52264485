"""The daily evaluation at 00:30 Asia/Shanghai, with catch-up of missed days at start.

``ggzy-credit serve --scheduler`` (or ``GGZY_SCHEDULER=1``) starts :class:`DailyEvaluation` in a
background thread. Each due day is *claimed* first: a run row with ``claim_key = "daily:<date>"``,
unique, committed before the work starts — so when several servers (or workers) run the scheduler,
exactly one evaluates a given day and the others skip it. The evaluation then runs in its own
transaction; if it fails, the claimed row is marked ``failed`` with the error (the day is not retried
automatically: ``ggzy-credit evaluate --as-of DAY`` re-runs it, idempotently).

Catch-up: the days after the last claimed day up to today (today only once 00:30 has passed) are run
one by one, oldest first, at most :data:`MAX_CATCH_UP_DAYS` of them. On the very first start there is
no claimed day, and only today is due.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ggzy_credit import clock
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import make_engine, make_sessionmaker, unit_of_work
from ggzy_credit.scoring.evaluation import run_evaluation, start_run
from ggzy_credit.scoring.models import EvaluationRun

log = logging.getLogger("ggzy_credit.scoring")
RUN_AT = time(0, 30)
MAX_CATCH_UP_DAYS = 400
CLAIM_PREFIX = "daily:"


def claim_key(day: date) -> str:
    return f"{CLAIM_PREFIX}{day.isoformat()}"


def due_days(sessions: sessionmaker[Session], now: datetime | None = None) -> list[date]:
    """Days whose scheduled run is due and not yet claimed, oldest first."""
    now = now or clock.now()
    last_due = now.date() if now.timetz().replace(tzinfo=None) >= RUN_AT else now.date() - timedelta(days=1)
    with unit_of_work(sessions) as session:
        last = session.scalar(
            select(func.max(EvaluationRun.as_of)).where(EvaluationRun.claim_key.is_not(None))
        )
    first = last + timedelta(days=1) if last else last_due
    first = max(first, last_due - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [first + timedelta(days=i) for i in range((last_due - first).days + 1)]


def claim(sessions: sessionmaker[Session], day: date, by: str) -> int | None:
    """Insert the day's run row; None when another process has already claimed the day."""
    try:
        with unit_of_work(sessions) as session:
            return start_run(session, day, mode="incremental", started_by=by, claim_key=claim_key(day)).id
    except IntegrityError:
        return None


def run_day(sessions: sessionmaker[Session], day: date, by: str = "scheduler") -> EvaluationRun | None:
    """Claim and evaluate one day; None when it was claimed elsewhere. Errors are recorded, not raised."""
    run_id = claim(sessions, day, by)
    if run_id is None:
        log.info("evaluation of %s claimed by another process", day)
        return None
    try:
        with unit_of_work(sessions) as session:
            run = session.get(EvaluationRun, run_id)
            assert run is not None
            return run_evaluation(session, day, started_by=by, run=run)
    except Exception as exc:
        log.exception("evaluation of %s failed", day)
        with unit_of_work(sessions) as session:
            run = session.get(EvaluationRun, run_id)
            if run is not None:
                run.status, run.finished_at, run.error = (
                    "failed",
                    clock.now(),
                    f"{type(exc).__name__}: {exc}"[:2000],
                )
        return None


def catch_up(sessions: sessionmaker[Session], now: datetime | None = None) -> list[date]:
    """Run every due day, oldest first; returns the days this process evaluated."""
    done = []
    for day in due_days(sessions, now):
        run = run_day(sessions, day)
        if run is not None and run.status == "finished":
            done.append(day)
    return done


def next_run_after(now: datetime) -> datetime:
    today_at = datetime.combine(now.date(), RUN_AT, tzinfo=clock.CHINA)
    return today_at if now < today_at else today_at + timedelta(days=1)


class DailyEvaluation:
    """The background loop: catch up at start, then wake at each 00:30 (Asia/Shanghai)."""

    def __init__(self, sessions: sessionmaker[Session], poll_seconds: float = 60.0) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="ggzy-daily-evaluation", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                catch_up(self.sessions)
            except Exception:  # the database may be briefly unavailable: try again at the next wake-up
                log.exception("daily evaluation loop error")
            wait = (next_run_after(clock.now()) - clock.now()).total_seconds()
            # Wake at least every poll_seconds: robust to clock jumps and suspended machines.
            self._stop.wait(max(1.0, min(wait, self.poll_seconds)))


def start_background(settings: Settings) -> DailyEvaluation:
    """Start the loop for ``ggzy-credit serve`` on its own engine (the web workers have theirs)."""
    scheduler = DailyEvaluation(make_sessionmaker(make_engine(settings.database_url)))
    scheduler.start()
    return scheduler
