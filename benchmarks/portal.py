"""Portal pages on a realistic data set: response times of the main pages vs the raw queries behind them.

Data: generated organisations (bulk-inserted) and credit records through the ingestion path, one
"busy" subject with many records, a full daily evaluation. Each page is requested in process through
the whole application (routing, access guard, audit, templates) and timed; the baseline runs the
page's essential SQL directly on the same database (the subject's published records page and count;
the dashboard's three grouped counts). Run: ``python -m benchmarks.portal [--records N]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from benchmarks._common import fresh_database, machine, peak_rss_mib, write_section
from benchmarks.ingest import _payloads, _subjects
from ggzy_credit.auth.accounts import create_user
from ggzy_credit.auth.roles import Role
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work
from ggzy_credit.ledger.keys import ensure_signing_key
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import BatchIn
from ggzy_credit.scoring.evaluation import run_evaluation
from ggzy_credit.standards.service import load_defaults
from ggzy_credit.subjects.models import Subject

PASSWORD = "Bench-portal-2026!"
REPEAT = 25


def _timed(call: Callable[[], object], repeat: int = REPEAT) -> tuple[float, float]:
    """(median, 95th percentile) in milliseconds, after one warm-up call."""
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def _seed(sessions, cipher, records: int, subjects: int) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        load_defaults(session)
        people = _subjects(session, subjects)
        payloads = _payloads(session, people, records)
        busy_id, busy_uscc = people[0]
        for p in payloads[: records // 50]:  # 2 % of all records on one subject: a long credit file
            p["subject_uscc"] = busy_uscc
    for start in range(0, records, 1000):
        batch = BatchIn.model_validate({"records": payloads[start : start + 1000]})
        with unit_of_work(sessions) as session:
            ingest(session, cipher, batch.records, "bench")
    with unit_of_work(sessions) as session:
        run_evaluation(session, full=True, started_by="bench")
        create_user(session, username="bench-admin", password=PASSWORD, role=Role.ADMIN, display_name="bench")
        name = session.scalar(select(Subject.name).where(Subject.id == busy_id)) or ""
    return busy_id, name


def _baseline_subject(session: Session, subject_id: int) -> None:
    session.execute(
        text(
            "SELECT r.*, p.code, i.name FROM credit_records r JOIN platforms p ON p.id = r.platform_id "
            "JOIN standard_items i ON i.id = r.item_id WHERE r.subject_id = :s AND i.public "
            "ORDER BY r.deducted_on DESC, r.id DESC LIMIT 20"
        ),
        {"s": subject_id},
    ).all()
    session.scalar(
        select(func.count()).select_from(CreditRecord).where(CreditRecord.subject_id == subject_id)
    )


def _baseline_dashboard(session: Session) -> None:
    for column in ("item_code", "platform_id", "deducted_on"):
        session.execute(
            text(f"SELECT {column}, count(*) FROM credit_records WHERE points > 0 GROUP BY {column}")
        ).all()


def run(backend: str, records: int, subjects: int) -> dict[str, tuple[float, float]]:
    with fresh_database(backend) as bench, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp), database_url=bench.url)
        assert settings.secrets_dir is not None
        cipher = pii_cipher(settings.secrets_dir, create=True)
        ensure_signing_key(settings.secrets_dir)
        sessions = make_sessionmaker(bench.engine)
        busy, name = _seed(sessions, cipher, records, subjects)
        from ggzy_credit.web.app import create_app

        app = create_app(
            settings.model_copy(update={"rate_public_per_minute": 0, "rate_search_per_minute": 0}),
            bench.engine,
        )
        out: dict[str, tuple[float, float]] = {}
        with TestClient(app, base_url="https://bench") as client:

            def get(path: str) -> Callable[[], object]:
                def call() -> object:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    return response

                return call

            out["home"] = _timed(get("/"))
            out["search"] = _timed(get(f"/search?q={name[:4]}"))
            out["subject"] = _timed(get(f"/subjects/{busy}"))
            form = client.get("/login").text
            token = re.search(r'name="login_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
            client.post(
                "/login", data={"username": "bench-admin", "password": PASSWORD, "login_token": token}
            )
            out["dashboard"] = _timed(get("/staff"), repeat=10)
            with unit_of_work(sessions) as session:
                out["raw_subject"] = _timed(lambda: _baseline_subject(session, busy))
                out["raw_dashboard"] = _timed(lambda: _baseline_dashboard(session), repeat=10)
            with unit_of_work(sessions) as session:
                out["busy_records"] = (
                    float(
                        session.scalar(
                            select(func.count())
                            .select_from(CreditRecord)
                            .where(CreditRecord.subject_id == busy)
                        )
                        or 0
                    ),
                    0.0,
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--subjects", type=int, default=3_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    lines = [
        "## Portal pages (`benchmarks/portal.py`)",
        "",
        f"{args.records:,} records over {args.subjects:,} organisations (one with 2 % of all records), "
        f"after a full evaluation; measured {date.today()} on {machine()}. Median / 95th percentile of "
        f"{REPEAT} requests (dashboard: 10) in process, through routing, access guard, audit and templates. "
        "Baseline: the page's essential SQL run directly. Target: public pages under 250 ms median. "
        f"Load average when the run started: {os.getloadavg()[0]:.1f} (other jobs share the machine).",
        "",
        "| database | home | search | subject page | its raw SQL | ratio | staff dashboard | its raw SQL "
        "| ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend in args.backends.split(","):
        r = run(backend.strip(), args.records, args.subjects)
        label = "SQLite" if backend.strip() == "sqlite" else "PostgreSQL"

        def ms(key: str, r: dict[str, tuple[float, float]] = r) -> str:
            return f"{r[key][0]:.0f} / {r[key][1]:.0f} ms"

        subject_ratio = r["raw_subject"][0] / r["subject"][0]
        dashboard_ratio = r["raw_dashboard"][0] / r["dashboard"][0]
        print(
            f"{label}: home {ms('home')}, search {ms('search')}, subject {ms('subject')} "
            f"({r['busy_records'][0]:.0f} records; raw {ms('raw_subject')}), dashboard {ms('dashboard')} "
            f"(raw {ms('raw_dashboard')})"
        )
        lines.append(
            f"| {label} | {ms('home')} | {ms('search')} | {ms('subject')} | {ms('raw_subject')} | "
            f"{subject_ratio:.2f} | {ms('dashboard')} | {ms('raw_dashboard')} | {dashboard_ratio:.2f} |"
        )
    lines += [
        "",
        "Ratio: raw SQL time / page time (the share of a page's time spent in its essential queries).",
        f"Peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB.",
    ]
    write_section("portal", "\n".join(lines))


if __name__ == "__main__":
    main()
