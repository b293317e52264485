"""Access control and the audit trail: what the hash chain and the per-request guard cost.

* **append** — audit lines written the way requests write them: one line per transaction, through
  the chain (head row locked, hash computed, line and target index inserted). Baseline: the same
  rows inserted into the same table with precomputed dummy hashes, one per transaction.
* **batch append** — lines queued 100 per transaction (CLI imports, bulk operations).
* **verify** — ``ggzy-credit audit verify`` over everything written above, rows per second.
* **request** — ``GET /api/v1/subjects/{id}`` with a bearer token through the full stack (guard,
  audit line, commit) versus the same request with the audit line switched off.

Run: ``python -m benchmarks.access [--lines N] [--requests N] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from unittest import mock

from sqlalchemy import insert
from sqlalchemy.orm import Session

from benchmarks._common import fresh_database, machine, peak_rss_mib, timer, write_section
from ggzy_credit import clock
from ggzy_credit.audit import chain, trail
from ggzy_credit.audit.models import AuditEntry
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work


def _line(i: int) -> dict[str, object]:
    return trail.line(
        kind="read",
        action="GET /api/v1/subjects/{subject_id}",
        actor="regulator:bench",
        principal="user:1",
        role="regulator",
        organisation="市财政局",
        subject_ids=[i % 5000 + 1],
        purpose="基准测试",
        ip="10.0.0.1",
    )


def _append(sessions, count: int, per_tx: int) -> float:  # type: ignore[no-untyped-def]
    with timer() as t:
        for start in range(0, count, per_tx):
            with unit_of_work(sessions) as session:
                for i in range(start, min(count, start + per_tx)):
                    trail.queue(session, _line(i))
    return count / t[0]


def _raw(sessions, count: int, offset: int) -> float:  # type: ignore[no-untyped-def]
    with timer() as t:
        for i in range(count):
            with unit_of_work(sessions) as session:
                row = _line(i)
                session.execute(
                    insert(AuditEntry),
                    [{**row, "seq": offset + i, "prev_hash": "0" * 64, "hash": f"{offset + i:064x}"}],
                )
    return count / t[0]


def _requests(url: str, count: int) -> tuple[float, float]:
    from fastapi.testclient import TestClient

    from ggzy_credit.auth.roles import Role
    from ggzy_credit.auth.tokens import create_token
    from ggzy_credit.config import Settings
    from ggzy_credit.demo.fake import Faker
    from ggzy_credit.pii.keys import pii_cipher
    from ggzy_credit.subjects.schemas import LegalPersonIn
    from ggzy_credit.subjects.service import create_subject
    from ggzy_credit.web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-access-"))
    settings = Settings(var_dir=tmp, database_url=url, rate_public_per_minute=0)
    assert settings.secrets_dir is not None
    cipher = pii_cipher(settings.secrets_dir, create=True)
    app = create_app(settings)
    with unit_of_work(app.state.sessions) as session:
        subject = create_subject(
            session,
            cipher,
            LegalPersonIn(type="legal", name="基准测试有限公司", uscc=Faker(5).uscc(), kinds=["responder"]),
        ).id
        _, token = create_token(session, Role.BANK, "bench")
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/subjects/{subject}"
    for _ in range(20):
        client.get(path, headers=headers)
    with timer() as audited:
        for _ in range(count):
            assert client.get(path, headers=headers).status_code == 200
    with mock.patch.object(trail, "queue", lambda session, entry, current=False: entry), timer() as plain:
        for _ in range(count):
            assert client.get(path, headers=headers).status_code == 200
    app.state.engine.dispose()
    return count / audited[0], count / plain[0]


def run(backend: str, lines: int, requests: int) -> dict[str, object]:
    with fresh_database(backend) as db:
        sessions = make_sessionmaker(db.engine)
        chained = _append(sessions, lines, 1)
        batched = _append(sessions, lines, 100)
        with Session(db.engine) as session, timer() as t:
            report = chain.verify(session)
        assert report.ok and report.rows == 2 * lines, report
        verify_rate = report.rows / t[0]
        raw = _raw(sessions, lines, 10_000_000)
        audited, plain = _requests(db.url, requests)
    return {
        "name": db.name,
        "chained": chained,
        "raw": raw,
        "batched": batched,
        "verify": verify_rate,
        "audited": audited,
        "plain": plain,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = [run(b, args.lines, args.requests) for b in args.backends.split(",")]
    rows = "\n".join(
        f"| {r['name']} | {r['chained']:,.0f} | {r['raw']:,.0f} | {r['chained'] / r['raw']:.2f} "
        f"| {r['batched']:,.0f} | {r['verify']:,.0f} | {r['audited']:,.0f} | {r['plain']:,.0f} "
        f"| {r['audited'] / r['plain']:.2f} |"
        for r in results
    )
    body = f"""
## Access control and audit trail (`benchmarks/access.py`)

Measured {clock.today()} on {machine()}. {args.lines:,} audit lines one per transaction (as requests
write them) and {args.lines:,} in transactions of 100; baseline: the same rows inserted unchained,
one per transaction. Requests: {args.requests} × `GET /api/v1/subjects/{{id}}` with a bearer token
through the whole stack, with and without the audit line (in-process test client, one connection).

| database | chained lines/s | raw inserts/s | ratio | chained, 100 per tx | verify rows/s \
| audited requests/s | unaudited requests/s | ratio |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
{rows}

Peak RSS of the benchmark process: {peak_rss_mib():.0f} MiB. One-minute load average at the end of the
run: {os.getloadavg()[0]:.1f} (the machine was shared with other test runs; per-transaction rates are
commit-latency bound and vary with that load).
"""
    print(body)
    write_section("access", body)


if __name__ == "__main__":
    main()
