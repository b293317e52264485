"""Request dependencies: a transaction per request, the caller, role checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import commit_and_close, rollback_and_close
from ggzy_credit.pii.cipher import PiiCipher

UNLIMITED = 1_000
# Requests holding a session at a time, per process. More only add threads fighting for the GIL: a
# request holding the audit chain's head lock then waits for the GIL between its statements, and every
# worker's audited requests wait for it (benchmarks/score_load.py, `scores` on PostgreSQL at 300/s:
# 73 requests/s served with 10, 216/s with 4, 259/s with 3, quick runs on a shared machine). Long
# requests (exports, reports) hold a slot too.
SESSION_CONCURRENCY = 4


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: committed when the handler returns, rolled back if it raises.

    Runs on the event loop, not in the threadpool: creating a session does no I/O, a session that was
    never used (public GET routes) is closed in place, and only the commit or rollback of one that
    was goes to a thread — one that never waits for the threadpool's capacity, so a request holding
    a pooled connection gives it back as soon as its handler is done. At most the pool's size of
    requests hold a session at a time (the others wait here, before taking a connection): sync
    dependencies and handlers hop between threadpool threads (40) while holding their session's
    connection, and without the bound the threads could all be waiting for connections held by
    requests that wait for a thread. The bound is also lower than the pool (``SESSION_CONCURRENCY``).
    """
    async with _admission(request.app):
        session: Session = request.app.state.sessions()
        try:
            yield session
        except BaseException:
            await _finish(session, rollback_and_close)
            raise
        await _finish(session, commit_and_close)


async def _finish(session: Session, end: Callable[[Session], None]) -> None:
    if session.in_transaction() or session.info:  # statements ran, objects added or audit lines queued
        with anyio.CancelScope(shield=True):  # the connection goes back even if the client is gone
            await _in_thread(end, session)
    else:
        session.close()


async def _in_thread(work: Callable[[Session], None], session: Session) -> None:
    # A limiter of its own: never queued behind handlers in the shared threadpool (FastAPI does the same
    # for the exit of sync generator dependencies).
    await anyio.to_thread.run_sync(work, session, limiter=anyio.CapacityLimiter(1))


def _admission(app: FastAPI) -> anyio.Semaphore:
    """The app's bound on requests holding a session (the pool's size, at most ``SESSION_CONCURRENCY``),
    made on (and for) the running event loop."""
    loop = asyncio.get_running_loop()
    kept = getattr(app.state, "session_admission", None)
    if kept is None or kept[0] is not loop:
        pool = getattr(app.state.sessions.kw.get("bind"), "pool", None)
        limit = pool.size() if hasattr(pool, "size") and hasattr(pool, "overflow") else UNLIMITED
        limit = min(limit, SESSION_CONCURRENCY)
        kept = (loop, anyio.Semaphore(max(1, limit)))
        app.state.session_admission = kept
    return kept[1]  # type: ignore[no-any-return]


def get_cipher(request: Request) -> PiiCipher:
    return request.app.state.cipher  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


# scope="function": commit (and write the audit trail) before the response leaves, so a failed commit
# is an error response, never a success the database forgot.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CipherDep = Annotated[PiiCipher, Depends(get_cipher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def allow(
    *roles: Role, own: Role | Iterable[Role] = (), nonpublic: bool = True, rate: str | None = None
) -> Callable[..., Caller]:
    """Declare and enforce a route's policy: callers with one of ``roles`` (401 if not signed in, else 403).

    ``own``: roles admitted only for the subjects they act for (``own=Role.SUBJECT``). ``nonpublic``
    (default): reads are audited and regulators must state a purpose; pass ``nonpublic=False`` for
    routes serving published data. See ``ggzy_credit.auth.policy`` and ``docs/access.md``.
    """
    from ggzy_credit.auth.guard import guard
    from ggzy_credit.auth.policy import Policy

    return guard(Policy.of(roles, own=own, nonpublic=nonpublic, rate=rate))


def public(rate: str | None = "public", audit: bool = True) -> Callable[..., None]:
    """Declare a route public (no login). ``rate`` names its per-IP rate bucket (None: unlimited);
    unsafe calls are audited as anonymous writes unless ``audit=False`` (routes that log themselves)."""
    from ggzy_credit.auth.guard import guard
    from ggzy_credit.auth.policy import Policy

    return guard(Policy.public_route(rate, audit))
