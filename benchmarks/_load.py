"""An open-loop load generator: requests at fixed intended times, latency measured from those times.

Request ``i`` is due at ``t0 + i / rate`` whether or not earlier requests have been answered, and its
latency runs from that due time to the end of its response — so a slow server (or a late client)
shows in the figures instead of silently lowering the rate (no coordinated omission). How late the
generator itself was sending (``lag``) is reported separately, to tell a late client from a slow
server. The rate is split over several client processes (``spawn``ed, so they share nothing with
the benchmark process); each runs an asyncio loop (uvloop when installed) with httpx, or, for the
raw-database baseline, a thread pool of database connections. The HTTP client is a minimal
keep-alive HTTP/1.1 GET client on asyncio with the ``httptools`` parser (uvicorn's): a general
client such as httpx costs a few milliseconds of CPU per request, which on a small machine is taken
from the server being measured.
"""

from __future__ import annotations

import asyncio
import math
import random
import resource
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

SQL_THREADS = 8
MAX_CONNECTIONS = 256
TIMEOUT_S = 10.0


@dataclass
class Target:
    """What to load: ``kind`` "http" (``base_url`` + ``path`` with ``{id}``) or "sql" (``url`` + ``sql``)."""

    kind: str
    path: str = ""
    base_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""
    sql: str = ""


@dataclass
class Samples:
    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, from each request's due time
    lags: list[float] = field(default_factory=list)  # seconds the send started after its due time
    span_s: float = 0.0  # from the first due time to the last answer
    client_cpu_s: float = 0.0

    def merge(self, other: Samples) -> None:
        self.sent += other.sent
        self.ok += other.ok
        for key, n in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + n
        self.latencies += other.latencies
        self.lags += other.lags
        self.span_s = max(self.span_s, other.span_s)
        self.client_cpu_s += other.client_cpu_s

    def percentile(self, q: float, values: list[float] | None = None) -> float:
        data = sorted(self.latencies if values is None else values)
        return data[max(0, math.ceil(q * len(data)) - 1)] if data else float("nan")

    @property
    def achieved_rate(self) -> float:
        return self.ok / self.span_s if self.span_s else 0.0


def run(target: Target, rate: float, duration: float, subjects: int, processes: int, seed: int) -> Samples:
    """``rate`` requests/s for ``duration`` s on random subjects 1..``subjects``, over ``processes``."""
    start_at = time.time() + 2.0  # every process starts its schedule at the same instant
    jobs = [
        (target, rate / processes, duration, subjects, seed + n, start_at + n / rate)
        for n in range(processes)
    ]
    total = Samples()
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        for part in pool.map(_process, jobs):
            total.merge(part)
    return total


def _process(job: tuple[Target, float, float, int, int, float]) -> Samples:
    target, rate, duration, subjects, seed, start_at = job
    try:
        import uvloop

        runner: Callable[[Awaitable[Samples]], Samples] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    before = resource.getrusage(resource.RUSAGE_SELF)
    samples = runner(_drive(target, rate, duration, subjects, seed, start_at))
    after = resource.getrusage(resource.RUSAGE_SELF)
    samples.client_cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return samples


async def _drive(
    target: Target, rate: float, duration: float, subjects: int, seed: int, start_at: float
) -> Samples:
    rng = random.Random(seed)
    samples = Samples()
    send, close = await _sender(target)
    count = int(rate * duration)
    # Wall-clock start shared by the processes, then the monotonic clock for the schedule.
    await asyncio.sleep(max(0.0, start_at - time.time()))
    t0 = time.perf_counter()
    last_end = t0

    async def one(due: float, subject: int) -> None:
        nonlocal last_end
        samples.lags.append(time.perf_counter() - due)
        try:
            error = await asyncio.wait_for(send(subject), TIMEOUT_S)
        except Exception as exc:  # a timeout or a transport error is an error, not a lost sample
            error = type(exc).__name__
        end = time.perf_counter()
        last_end = max(last_end, end)
        if error is None:
            samples.ok += 1
            samples.latencies.append(end - due)
        else:
            samples.errors[error] = samples.errors.get(error, 0) + 1

    tasks = []
    for i in range(count):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, rng.randrange(1, subjects + 1))))
        samples.sent += 1
    await asyncio.gather(*tasks)
    samples.span_s = last_end - t0
    await close()
    return samples


async def _sender(
    target: Target,
) -> tuple[Callable[[int], Awaitable[str | None]], Callable[[], Awaitable[None]]]:
    """``send(subject) -> None`` when answered well, else a short error name; and ``close()``."""
    if target.kind == "http":
        return await _http_sender(target)
    from sqlalchemy import text

    from ggzy_credit.db.engine import make_engine

    engine = make_engine(target.url, pool_size=SQL_THREADS)
    query = text(target.sql)
    pool = ThreadPoolExecutor(SQL_THREADS)

    def fetch(subject: int) -> Any:
        with engine.connect() as conn:
            return conn.execute(query, {"subject": subject}).all()

    async def send_sql(subject: int) -> str | None:
        await asyncio.get_running_loop().run_in_executor(pool, fetch, subject)
        return None

    async def close() -> None:
        pool.shutdown()
        engine.dispose()

    return send_sql, close


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: ``get(request)`` writes it and waits for the status."""

    def __init__(self) -> None:
        import httptools

        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[int] | None = None
        self.usable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except Exception as exc:  # a malformed answer fails the request that is waiting
            self._fail(exc)

    def on_message_complete(self) -> None:
        self.usable = self.parser.should_keep_alive()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionResetError("connection closed"))

    def _fail(self, exc: BaseException) -> None:
        self.usable = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    async def get(self, request: bytes) -> int:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter

    def close(self) -> None:
        self.usable = False
        if self.transport is not None:
            self.transport.close()


async def _http_sender(
    target: Target,
) -> tuple[Callable[[int], Awaitable[str | None]], Callable[[], Awaitable[None]]]:
    from urllib.parse import urlsplit

    url = urlsplit(target.base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": url.netloc, **target.headers}.items())
    idle: list[_Connection] = []
    opened: list[_Connection] = []
    slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def send(subject: int) -> str | None:
        request = f"GET {target.path.format(id=subject)} HTTP/1.1\r\n{head}\r\n".encode()
        async with slots:
            while idle and not idle[-1].usable:  # closed by the server while idle (keep-alive timeout)
                idle.pop()
            reused = bool(idle)
            conn = idle.pop() if reused else await connect()
            try:
                status = await conn.get(request)
            except (ConnectionError, RuntimeError):
                conn.close()
                if not reused:
                    raise
                # The server closed the idle connection as the request went out: once more, afresh.
                conn = await connect()
                status = await conn.get(request)
            except BaseException:  # cancelled (timed out): the connection is not reused
                conn.close()
                raise
            if conn.usable:
                idle.append(conn)
            else:
                conn.close()
        return None if status == 200 else f"HTTP {status}"

    async def connect() -> _Connection:
        _, conn = await asyncio.get_running_loop().create_connection(_Connection, host, port)
        opened.append(conn)
        return conn

    async def close() -> None:
        for conn in opened:
            conn.close()

    return send, close
