"""Scheduled exchange work: the drop folder, the publicity sweep, webhook delivery, monitoring.

There is no generic scheduler in the platform yet: :func:`run_once` is the unit a scheduler (or
cron: ``ggzy-credit exchange watch --once`` / ``webhooks deliver --once`` / ``monitor run``) calls, and
:func:`start_background` is the opt-in loop ``ggzy-credit serve`` starts when
``GGZY_EXCHANGE_JOBS_INTERVAL`` is a positive number of seconds. Each step commits on its own, so
one failing step does not undo the others; errors are logged and the loop goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from ggzy_credit.config import Settings
from ggzy_credit.db.engine import make_engine, make_sessionmaker, unit_of_work
from ggzy_credit.exchange.retire import retire_expired
from ggzy_credit.exchange.service import registry_for
from ggzy_credit.exchange.watch import Processed, process_drop_folder
from ggzy_credit.exchange.webhooks import DeliveryStats, WorkerConfig, deliver_once
from ggzy_credit.pii.keys import pii_cipher

log = logging.getLogger("ggzy_credit.exchange")
MONITOR_EVERY = 3600.0  # seconds between monitoring runs inside the background loop


@dataclass
class JobsResult:
    imported: list[Processed] = field(default_factory=list)
    retired: int = 0
    delivery: DeliveryStats = field(default_factory=DeliveryStats)
    warnings_raised: int | None = None
    errors: list[str] = field(default_factory=list)


def run_once(settings: Settings | None = None, *, monitor: bool = True, max_batches: int = 20) -> JobsResult:
    """One pass of every exchange job (what a scheduler calls)."""
    settings = settings or Settings()
    assert settings.secrets_dir is not None and settings.drop_dir is not None
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    cipher = pii_cipher(settings.secrets_dir)
    registry = registry_for(settings)
    result = JobsResult()
    try:
        result.imported = (
            _step(
                result,
                "drop folder",
                lambda: process_drop_folder(sessions, cipher, settings.drop_dir, registry),
            )
            or []
        )  # type: ignore[arg-type]

        def sweep() -> int:
            with unit_of_work(sessions) as session:
                return retire_expired(session, registry)

        result.retired = _step(result, "publicity sweep", sweep) or 0
        if monitor:
            result.warnings_raised = _step(result, "monitoring", lambda: _monitor(sessions, settings))
        config = WorkerConfig.from_settings(settings)
        for _ in range(max_batches):
            stats = _step(result, "webhooks", lambda: deliver_once(sessions, cipher, config))
            if stats is None:
                break
            _add(result.delivery, stats)
            if stats.claimed < config.batch:
                break
    finally:
        engine.dispose()
    return result


def _monitor(sessions, settings: Settings) -> int:  # type: ignore[no-untyped-def]
    from ggzy_credit.monitoring.service import run_rules

    with unit_of_work(sessions) as session:
        return run_rules(session, settings=settings).raised


def _step(result: JobsResult, name: str, work):  # type: ignore[no-untyped-def]
    try:
        return work()
    except Exception as exc:  # a scheduled step must not stop the others
        log.exception("exchange job %s failed", name)
        result.errors.append(f"{name}: {exc.__class__.__name__}: {exc}")
        return None


def _add(total: DeliveryStats, more: DeliveryStats) -> None:
    total.claimed += more.claimed
    total.delivered += more.delivered
    total.retried += more.retried
    total.dead += more.dead
    total.errors += more.errors


def start_background(settings: Settings) -> threading.Thread | None:
    """Start the periodic loop in a daemon thread when ``exchange_jobs_interval`` > 0."""
    interval = settings.exchange_jobs_interval
    if interval <= 0:
        return None

    def loop() -> None:
        last_monitor = 0.0
        while True:
            monitor = time.monotonic() - last_monitor >= MONITOR_EVERY
            try:
                run_once(settings, monitor=monitor)
            except Exception:  # keep the loop alive; run_once already logs its steps
                log.exception("exchange jobs pass failed")
            if monitor:
                last_monitor = time.monotonic()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="ggzy-exchange-jobs", daemon=True)
    thread.start()
    return thread
