"""Workflows at scale: notifications on ingestion, escalating overdue objections, record-page flags.

1. **Notifications on ingestion.** Every new record notifies its subject (one notice + outbox row).
   The same batch ingestion as ``benchmarks/ingest.py`` is timed with the notice hook switched off
   and on; the ratio is the share of ingestion throughput kept.
2. **Escalation.** ``escalate_overdue`` (the daily job) over many open objections, a fraction past
   due, against one raw ``UPDATE … WHERE status IN (…) AND due_on < :today`` of the same rows.
3. **Overdue list.** First page (50) of ``GET /api/v1/objections?overdue=true`` through the service,
   against the raw ``SELECT … LIMIT 50`` plus ``COUNT``.
4. **Record-page flags.** ``record_flags`` (异议处理中 / hidden after repair) for pages of 500 record ids,
   against the same SQL sent raw through the driver.

Run: ``python -m benchmarks.workflows [--records N] [--objections N] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update

import ggzy_credit.workflows.notifications as notifications
from benchmarks._common import fresh_database, machine, peak_rss_mib, timer, write_section
from benchmarks.ingest import BATCH, _payloads, _subjects
from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import BatchIn
from ggzy_credit.standards.service import load_defaults
from ggzy_credit.workflows import objections, views
from ggzy_credit.workflows.models import Objection
from ggzy_credit.workflows.record_status import record_flags

PAGE = 500


@dataclass(frozen=True)
class Staff:
    role: Role = Role.REVIEWER
    label: str = "reviewer:bench"
    token_id: int = 0


def _notification_cost(
    sessions: Any, cipher: PiiCipher, payloads: list[dict[str, object]]
) -> tuple[float, float]:
    """Records/s without and with the new-record notice; batches alternate so table growth hits both alike."""
    original = notifications.notify_new_records
    spent = {False: 0.0, True: 0.0}
    rows = {False: 0, True: 0}
    for n, start in enumerate(range(0, len(payloads), BATCH)):
        notify = n % 2 == 1
        batch = BatchIn.model_validate({"records": payloads[start : start + BATCH]})
        if not notify:
            notifications.notify_new_records = lambda _session, _ids: 0  # type: ignore[assignment]
        try:
            began = time.perf_counter()
            with unit_of_work(sessions) as session:
                ingest(session, cipher, batch.records, "bench")
            spent[notify] += time.perf_counter() - began
            rows[notify] += len(batch.records)
        finally:
            notifications.notify_new_records = original  # type: ignore[assignment]
    return rows[False] / spent[False], rows[True] / spent[True]


def _objections(sessions: Any, count: int, today: date) -> int:
    """Insert ``count`` objections on existing records: 40 % overdue, 40 % open in time, 20 % decided."""
    rng = random.Random(5)
    with unit_of_work(sessions) as session:
        records = session.execute(
            select(CreditRecord.id, CreditRecord.subject_id, CreditRecord.platform_id)
        ).all()
        now = clock.now()
        rows = []
        for n in range(count):
            rid, sid, pid = records[n % len(records)]
            kind = rng.random()
            received = today - timedelta(days=rng.randrange(40, 90) if kind < 0.4 else rng.randrange(0, 20))
            rows.append(
                {
                    "subject_id": sid,
                    "target": "record",
                    "record_id": rid,
                    "platform_id": pid,
                    "reason": "基准测试",
                    "status": "decided" if kind >= 0.8 else "accepted",
                    "received_on": received,
                    "due_on": received + timedelta(days=28),
                    "submitted_by": "bench",
                    "submitted_at": now,
                }
            )
        for start in range(0, len(rows), 5000):
            session.execute(insert(Objection), rows[start : start + 5000])
        return len(records)


def _escalation(sessions: Any, today: date) -> tuple[float, float, int]:
    with unit_of_work(sessions) as session, timer() as service:
        escalated = len(objections.escalate_overdue(session, today))
    with unit_of_work(sessions) as session:
        session.execute(update(Objection).values(escalated_at=None))
    with unit_of_work(sessions) as session, timer() as raw:
        session.execute(
            text(
                "UPDATE objections SET escalated_at = :now WHERE status IN ('submitted', 'accepted') "
                "AND due_on < :today AND escalated_at IS NULL"
            ),
            {"now": clock.now(), "today": today},
        )
    return service[0], raw[0], escalated


def _overdue_page(sessions: Any, today: date, rounds: int = 20) -> tuple[float, float]:
    with unit_of_work(sessions) as session, timer() as service:
        for _ in range(rounds):
            views.list_objections(session, Staff(), overdue=True, limit=50)
    sql = (
        "SELECT * FROM objections WHERE status IN ('submitted', 'accepted') AND due_on < :today "
        "ORDER BY id DESC LIMIT 50"
    )
    count = "SELECT count(*) FROM objections WHERE status IN ('submitted', 'accepted') AND due_on < :today"
    with unit_of_work(sessions) as session, timer() as raw:
        for _ in range(rounds):
            session.execute(text(count), {"today": today}).scalar()
            session.execute(text(sql), {"today": today}).all()
    return service[0] / rounds, raw[0] / rounds


def _flags(sessions: Any, pages: int) -> tuple[float, float]:
    with unit_of_work(sessions) as session:
        ids = list(session.scalars(select(CreditRecord.id).order_by(CreditRecord.id).limit(pages * PAGE)))
    chunks = [ids[i : i + PAGE] for i in range(0, len(ids), PAGE)]
    with unit_of_work(sessions) as session, timer() as service:
        for chunk in chunks:
            record_flags(session, chunk)
    raw_sql = (
        "SELECT r.id, EXISTS (SELECT 1 FROM objections o WHERE o.record_id = r.id "
        "AND o.status IN ('submitted', 'accepted')), EXISTS (SELECT 1 FROM record_events e "
        "WHERE e.record_id = r.id AND e.kind = 'repaired' AND e.effective_on <= :today) "
        "FROM credit_records r WHERE r.id IN ({})"
    )
    with unit_of_work(sessions) as session, timer() as raw:
        for chunk in chunks:
            session.execute(text(raw_sql.format(",".join(map(str, chunk)))), {"today": clock.today()}).all()
    return service[0] / len(chunks), raw[0] / len(chunks)


def run(backend: str, records: int, subjects: int, count: int) -> dict[str, float]:
    cipher = PiiCipher(b"k" * 32, b"i" * 32)
    today = clock.today()
    with fresh_database(backend) as bench:
        sessions = make_sessionmaker(bench.engine)
        with unit_of_work(sessions) as session:
            load_defaults(session)
            people = _subjects(session, subjects)
            payloads = _payloads(session, people, records)
        without, with_notices = _notification_cost(sessions, cipher, payloads)
        _objections(sessions, count, today)
        esc_service, esc_raw, escalated = _escalation(sessions, today)
        list_service, list_raw = _overdue_page(sessions, today)
        flag_service, flag_raw = _flags(sessions, pages=min(40, records // PAGE))
    return {
        "without": without,
        "with": with_notices,
        "esc_service": esc_service,
        "esc_raw": esc_raw,
        "escalated": escalated,
        "list_service": list_service,
        "list_raw": list_raw,
        "flag_service": flag_service,
        "flag_raw": flag_raw,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--subjects", type=int, default=5_000)
    parser.add_argument("--objections", type=int, default=50_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    started = time.perf_counter()
    lines = [
        "## Workflows (`benchmarks/workflows.py`)",
        "",
        f"{args.records:,} records ({args.subjects:,} subjects) ingested in batches of {BATCH:,}, "
        "half with the new-record notice switched off; "
        f"{args.objections:,} objections (40 % overdue, 40 % open in time, 20 % decided); "
        f"measured {date.today()} on {machine()}. Ratios are raw time ÷ service time "
        "(1.0 = as fast as the raw SQL) and, for ingestion, throughput with notices ÷ without.",
        "",
        "| database | ingest without / with notices (rec/s) | ratio | escalate (service / raw) | ratio "
        "| overdue page (service / raw) | ratio | flags per 500-record page (service / raw) | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend in args.backends.split(","):
        r = run(backend.strip(), args.records, args.subjects, args.objections)
        label = "SQLite" if backend.strip() == "sqlite" else "PostgreSQL"
        print(f"{label}: {r}")
        lines.append(
            f"| {label} | {r['without']:,.0f} / {r['with']:,.0f} | {r['with'] / r['without']:.2f} "
            f"| {r['esc_service'] * 1000:,.0f} ms / {r['esc_raw'] * 1000:,.0f} ms "
            f"({r['escalated']:,.0f} escalated) | {r['esc_raw'] / r['esc_service']:.2f} "
            f"| {r['list_service'] * 1000:.1f} ms / {r['list_raw'] * 1000:.1f} ms "
            f"| {r['list_raw'] / r['list_service']:.2f} "
            f"| {r['flag_service'] * 1000:.1f} ms / {r['flag_raw'] * 1000:.1f} ms "
            f"| {r['flag_raw'] / r['flag_service']:.2f} |"
        )
    load = os.getloadavg()[0]
    lines += [
        "",
        f"Load average during the run: {load:.1f} (other work on the same machine makes absolute times "
        "noisy; the ratios compare runs made side by side).",
        f"Peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB; run time "
        f"{time.perf_counter() - started:,.0f} s.",
    ]
    write_section("workflows", "\n".join(lines))


if __name__ == "__main__":
    main()
