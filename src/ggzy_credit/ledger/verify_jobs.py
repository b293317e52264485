"""Running ``ledger verify``'s jobs: in this process, or in worker processes forked up front.

The workers are started as soon as the size of the log is known, before the jobs are: forking,
opening a connection and warming up overlap with the parent's own setup (id windows, statements),
and the block jobs start while the parent is still listing the windows. While the workers run, the
parent does its share (the node count, the heads' signatures) on its own connection.

Forking is safe here: a worker never touches the connections it inherits (it makes its own engine in
``_init_worker``) and leaves with ``os._exit``, so the parent's are not closed under it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from types import TracebackType
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from ggzy_credit.ledger.checks import EntityResult, check_entities
from ggzy_credit.ledger.tree_check import BlockResult, check_block

Job = tuple[Any, ...]  # ("block", start, end, level, head sizes) or ("entity", entity, after, upto)


class Jobs:
    """Jobs submitted as they become known; :meth:`results` in submission order."""

    def __init__(self, session: Session, workers: int, url: str | None) -> None:
        self._session = session
        self._pending: list[Job] = []
        self._futures: list[Future[Any]] = []
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1 and url is not None:
            self._pool = ProcessPoolExecutor(
                workers, mp_context=get_context("fork"), initializer=_init_worker, initargs=(url,)
            )
            # The first submission forks every worker (fork start method): do it now. Frozen, the
            # objects the workers inherit are left alone by their garbage collector, which would
            # otherwise write to (and so copy) every page of this process's heap.
            gc.freeze()
            try:
                self._futures.append(self._pool.submit(_noop))
            finally:
                gc.unfreeze()

    def submit(self, jobs: list[Job]) -> None:
        if self._pool is None:
            self._pending += jobs
        else:
            self._futures += [self._pool.submit(_worker, job) for job in jobs]

    def results(self) -> list[EntityResult | BlockResult]:
        if self._pool is None:
            done, self._pending = self._pending, []
            return [_dispatch(self._session, job) for job in done]
        done_futures, self._futures = self._futures, []
        return [r for r in (f.result() for f in done_futures) if r is not None]

    def __enter__(self) -> Jobs:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=error is not None)


def tune(session: Session) -> None:
    """Settings for this session's scans.

    SQLite: map the file into memory (reads skip the page cache's syscalls). PostgreSQL, for this
    transaction only: ISO dates (the SQL rendering of a row prints them as text), room for a
    window's rows and leaves in the join's hash table rather than temporary files, and no JIT
    (compiling the long rendering expression costs more than it saves on a window).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA mmap_size = 17179869184"))
    else:
        for setting in ("datestyle = 'ISO, YMD'", "work_mem = '64MB'", "jit = off"):
            session.execute(text(f"SET LOCAL {setting}"))


_worker_sessions: sessionmaker[Session] | None = None


def _init_worker(url: str) -> None:
    global _worker_sessions
    from ggzy_credit.db.engine import make_engine, make_sessionmaker

    engine = make_engine(url)
    engine.connect().close()  # connect now, while the parent is still preparing the jobs
    _worker_sessions = make_sessionmaker(engine)


def _noop() -> None:
    return None


def _worker(job: Job) -> Any:
    assert _worker_sessions is not None
    with _worker_sessions() as session:
        tune(session)
        return _dispatch(session, job)


def _dispatch(session: Session, job: Job) -> EntityResult | BlockResult:
    kind, *args = job
    run: Callable[..., EntityResult | BlockResult] = check_entities if kind == "entity" else check_block
    return run(session, *args)
