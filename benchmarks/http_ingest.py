"""Ingestion over HTTP: ``POST /api/v1/records/batch`` against a running server vs a raw bulk insert.

A real ``ggzy-credit serve`` (uvicorn, ``--workers`` processes) on a fresh database; a recorder token
made with ``ggzy-credit token create``; this process posts the generated records (the generators of
``benchmarks.ingest``: realistic rows naming their subject by USCC) in batches of 1,000 over a few
concurrent keep-alive connections. Every batch must come back 201 with all its rows created. The
baseline inserts copies of the same, already-resolved rows into the same table in the same run, one
executemany per 1,000 rows. Peak memory: VmHWM of each server process.
Run: ``python -m benchmarks.http_ingest [--records N] [--subjects N] [--workers N] [--connections N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from benchmarks._common import (
    backend_options,
    backends,
    fresh_database,
    machine,
    peak_rss_mib,
    publish,
)
from benchmarks._server import prepared
from benchmarks.ingest import BATCH, _payloads, _subjects, raw_insert
from ggzy_credit import clock
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work

DEFAULT_RECORDS = 100_000


@dataclass
class Result:
    name: str
    http_s: float
    raw_s: float
    batch_p50_s: float
    batch_max_s: float
    memory: str

    def rates(self, records: int) -> tuple[float, float]:
        return records / self.http_s, records / self.raw_s


def post_all(base_url: str, token: str, bodies: list[tuple[bytes, int]], connections: int) -> list[float]:
    """Post every (body, rows) batch over ``connections`` concurrent connections; each one's latency (s)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    with httpx.Client(base_url=base_url, headers=headers, limits=limits, timeout=300) as client:

        def post(batch: tuple[bytes, int]) -> float:
            start = time.perf_counter()
            response = client.post("/api/v1/records/batch", content=batch[0])
            if response.status_code != 201 or response.json()["created"] != batch[1]:
                raise RuntimeError(f"batch refused: {response.status_code} {response.text[:500]}")
            return time.perf_counter() - start

        with ThreadPoolExecutor(connections) as pool:
            return list(pool.map(post, bodies))


def run(backend: str, records: int, subjects: int, workers: int, connections: int) -> Result:
    with fresh_database(backend) as bench, prepared(bench.url, workers) as server:
        sessions = make_sessionmaker(bench.engine)
        with unit_of_work(sessions) as session:  # `init` has loaded the shipped standards
            payloads = _payloads(session, _subjects(session, subjects), records)
        chunks = [payloads[start : start + BATCH] for start in range(0, records, BATCH)]
        bodies = [(json.dumps({"records": c}, ensure_ascii=False).encode(), len(c)) for c in chunks]
        token = server.token("recorder")
        server.start()
        start = time.perf_counter()
        latencies = post_all(server.base_url, token, bodies, connections)
        http_s = time.perf_counter() - start
        server.stop()
        print(f"{bench.name}: HTTP {records / http_s:,.0f} records/s; server {server.memory_summary()}")
        raw_s = raw_insert(sessions, records)
        return Result(
            bench.name,
            http_s,
            raw_s,
            statistics.median(latencies),
            max(latencies),
            server.memory_summary(),
        )


def report(results: list[Result], args: argparse.Namespace) -> str:
    rows = []
    for r in results:
        http, raw = r.rates(args.records)
        rows.append(
            f"| {r.name} | {http:,.0f} | {raw:,.0f} | {http / raw:.2f} | {r.batch_p50_s:.2f} / "
            f"{r.batch_max_s:.2f} | {r.memory} |"
        )
    table = "\n".join(rows)
    small = "**Small run, below the default size.**\n" if args.records < DEFAULT_RECORDS else ""
    return f"""
## Ingestion over HTTP against a running server (`benchmarks/http_ingest.py`)
{small}
`ggzy-credit serve --workers {args.workers}` (uvicorn) on a fresh database; this process posts
{args.records:,} generated records naming {args.subjects:,} subjects by USCC to `POST /api/v1/records/batch`
in batches of {BATCH:,} over {args.connections} concurrent keep-alive connections (httpx) with a recorder
token. Baseline: the same resolved rows inserted past the service in the same run (one executemany per
{BATCH:,} rows). Measured {clock.today()} on {machine()}; client and server share the machine.

| database | HTTP batch API (records/s) | raw bulk insert (records/s) | ratio \
| batch latency median / max (s) | server peak RSS |
|---|---:|---:|---:|---:|---|
{table}

Peak RSS of the client (benchmark) process: {peak_rss_mib():,.0f} MiB. One-minute load average at the
end: {os.getloadavg()[0]:.1f}.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=4, help="concurrent client connections")
    backend_options(parser)
    args = parser.parse_args()
    results = [run(b, args.records, args.subjects, args.workers, args.connections) for b in backends(args)]
    publish("http_ingest", report(results, args), args)


if __name__ == "__main__":
    main()
