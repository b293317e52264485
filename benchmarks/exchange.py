"""Data exchange and monitoring on generated data of realistic size, against raw-database baselines.

* **Import**: a penalty list (JSON Lines) of N rows — 90 % about registered subjects, 10 % naming
  new ones (registered on the way) — through ``exchange.service.import_bytes`` (parsing, validation,
  matching, registration, ingestion, external entries, run report). Baselines: the same records
  through plain ingestion (``records.ingest``, batches of 1,000 — what the import builds on), and
  already-resolved credit records bulk-inserted with one executemany per 1,000 (raw).
* **Monitoring**: every rule over P projects of 4–9 bids each (some planted rings) and the credit
  records of the import. Baseline: one grouped scan of the bid table plus one of the record table
  (``COUNT(*) … GROUP BY``), the least any set-based rule must read.
* **Webhooks**: E queued events delivered to a local HTTP receiver by ``deliver_once`` (claim, sign,
  POST, log, mark). Baseline: the same number of plain POSTs with one HTTP client, no database.

Run: ``python -m benchmarks.exchange [--rows N] [--projects P] [--events E] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from sqlalchemy import func, insert, select

from benchmarks._common import fresh_database, machine, peak_rss_mib, timer, write_section
from ggzy_credit import clock
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work
from ggzy_credit.demo.fake import Faker
from ggzy_credit.exchange import subscriptions
from ggzy_credit.exchange.models import BidSubmission
from ggzy_credit.exchange.outbox import enqueue_many
from ggzy_credit.exchange.service import import_bytes
from ggzy_credit.exchange.sources import load_registry
from ggzy_credit.exchange.webhooks import WorkerConfig, deliver_once
from ggzy_credit.monitoring.service import run_rules
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.ingest import ingest, payload_hash
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.standards.models import Platform
from ggzy_credit.standards.service import load_defaults
from ggzy_credit.subjects.models import Subject, SubjectKindRow

CIPHER = PiiCipher(b"k" * 32, b"i" * 32)


def _subjects(session, fake: Faker, count: int) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    rows = [
        {
            "type": "legal",
            "name": p["name"],
            "uscc": p["uscc"],
            "address": p["address"],
            "legal_representative": p["legal_representative"],
        }
        for p in (fake.legal_person() for _ in range(count))
    ]
    session.execute(insert(Subject), rows)
    ids = session.execute(select(Subject.id, Subject.uscc, Subject.name).order_by(Subject.id)).all()
    session.execute(insert(SubjectKindRow), [{"subject_id": i, "kind": "responder"} for i, _, _ in ids])
    return [(i, u, n) for i, u, n in ids]


def _penalties(fake: Faker, known: list[tuple[int, str, str]], rows: int, rng: random.Random) -> bytes:
    today = clock.today()
    lines = []
    for n in range(rows):
        if rng.random() < 0.9:
            _, uscc, name = rng.choice(known)
        else:
            person = fake.legal_person()
            uscc, name = person["uscc"], person["name"]
        lines.append(
            json.dumps(
                {
                    "source_id": f"SHCF-{n:08d}",
                    "subject_name": name,
                    "uscc": uscc,
                    "occurred_on": str(today - timedelta(days=rng.randrange(10, 700))),
                    "publicity_until": str(today + timedelta(days=rng.randrange(30, 1000))),
                    "authority": "市市场监督管理局",
                    "document_no": f"沪市监罚〔2026〕{n}号",
                    "description": "虚假宣传",
                    "project_code": f"P{rng.randrange(20_000):06d}",
                },
                ensure_ascii=False,
            )
        )
    return ("\n".join(lines) + "\n").encode()


def bench_import(sessions, fake: Faker, rows: int, rng: random.Random) -> dict[str, float]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        known = _subjects(session, fake, max(1000, rows // 4))
    data = _penalties(fake, known, rows, rng)
    source = load_registry().get("credit_penalties")
    with timer() as service_time, unit_of_work(sessions) as session:
        report = import_bytes(session, CIPHER, source, data, filename="bench.jsonl", run_by="bench")
    assert report.status == "succeeded" and report.counts()["rejected"] == 0, report.counts()
    return {
        "service": rows / service_time[0],
        "service_s": service_time[0],
        "new_subjects": report.counts()["subjects_created"],
    }


def bench_import_baselines(sessions, rows: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The imported records again: through plain ingestion, then as a raw bulk insert."""
    with unit_of_work(sessions) as session:
        stored = session.scalars(select(CreditRecord).order_by(CreditRecord.id)).all()
        raw_rows = [
            {c.name: getattr(r, c.name) for c in CreditRecord.__table__.columns if c.name != "id"}
            for r in stored
        ]
        again = [
            RecordIn(
                platform="centre",
                external_id=f"ING-{r.id}",
                subject_id=r.subject_id,
                item_code=r.item_code,
                occurred_on=r.occurred_on,
                project_code=r.project_code,
                description=r.description,
                source=r.source,
            )
            for r in stored
        ]  # type: ignore[arg-type]
    with timer() as ingest_time:
        for start in range(0, len(again), 1000):
            with unit_of_work(sessions) as session:
                ingest(session, CIPHER, again[start : start + 1000], "bench")
        for row in raw_rows:
            row["external_id"] = "RAW-" + str(row["external_id"])
            row["payload_hash"] = payload_hash(row)
    with timer() as raw_time:
        for start in range(0, len(raw_rows), 1000):
            with unit_of_work(sessions) as session:
                session.execute(insert(CreditRecord), raw_rows[start : start + 1000])
    return {"raw": rows / raw_time[0], "ingest": rows / ingest_time[0]}


def _bids(sessions, projects: int, rng: random.Random) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        bidders = [i for (i,) in session.execute(select(Subject.id).order_by(Subject.id))]
        platform = session.scalar(select(Platform.id).where(Platform.code == "engineering"))
        now = clock.now()
        rows = []
        for p in range(projects):
            ring = rng.random() < 0.03  # a few planted rings: a price ladder from one machine
            base = rng.randrange(1_000_000, 50_000_000) * 100
            for k, bidder in enumerate(rng.sample(bidders, rng.randrange(4, 10))):
                price = base + k * 1_000_000 if ring else int(base * rng.uniform(0.85, 1.15))
                rows.append(
                    {
                        "platform_id": platform,
                        "project_code": f"GC-{p:06d}",
                        "bidder_id": bidder,
                        "price_fen": price,
                        "submitted_at": now - timedelta(days=rng.randrange(1, 300)),
                        "file_hash": f"{rng.getrandbits(256):064x}",
                        "machine_fingerprint": "RING0001" if ring else f"M{rng.getrandbits(40):010X}",
                        "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                        "source": "bench",
                        "payload_hash": "-",
                        "created_at": now,
                    }
                )
        for start in range(0, len(rows), 5000):
            session.execute(insert(BidSubmission), rows[start : start + 5000])
    return len(rows)


def bench_monitoring(sessions, projects: int, rng: random.Random) -> dict[str, float]:  # type: ignore[no-untyped-def]
    bids = _bids(sessions, projects, rng)
    with timer() as rules_time, unit_of_work(sessions) as session:
        result = run_rules(session)
    with timer() as raw_time, unit_of_work(sessions) as session:
        session.execute(
            select(BidSubmission.platform_id, BidSubmission.project_code, func.count()).group_by(
                BidSubmission.platform_id, BidSubmission.project_code
            )
        ).all()
        session.execute(
            select(CreditRecord.subject_id, CreditRecord.item_code, func.count()).group_by(
                CreditRecord.subject_id, CreditRecord.item_code
            )
        ).all()
    with unit_of_work(sessions) as session:
        records = session.scalar(select(func.count()).select_from(CreditRecord)) or 0
    return {
        "bids": bids,
        "records": records,
        "rules_s": rules_time[0],
        "raw_s": raw_time[0],
        "raised": result.raised,
        "by_rule": result.by_rule,
    }


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def bench_webhooks(sessions, events: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with unit_of_work(sessions) as session:
            subscriptions.create(
                session,
                CIPHER,
                name="bench",
                url=url,
                audience="supervision",
                event_types=["*"],
                public_only=False,
                by="bench",
            )
            enqueue_many(session, "score.changed", [{"subject_id": n, "score": 80} for n in range(events)])
        config = WorkerConfig(batch=200)
        delivered = 0
        with timer() as service_time, httpx.Client() as client:
            while (stats := deliver_once(sessions, CIPHER, config, client)).claimed:
                delivered += stats.delivered
        assert delivered == events, delivered
        body = json.dumps({"data": {"subject_id": 1, "score": 80}}).encode()
        with timer() as raw_time, httpx.Client() as client:
            for _ in range(events):
                client.post(url, content=body)
    finally:
        server.shutdown()
        server.server_close()
    return {"service": events / service_time[0], "raw": events / raw_time[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = {}
    for backend in (b.strip() for b in args.backends.split(",")):
        rng = random.Random(2026)
        with fresh_database(backend) as bench:
            sessions = make_sessionmaker(bench.engine)
            with unit_of_work(sessions) as session:
                load_defaults(session)
            fake = Faker(99)
            imp = bench_import(sessions, fake, args.rows, rng)
            mon = bench_monitoring(sessions, args.projects, rng)  # over the imported records only
            imp |= bench_import_baselines(sessions, args.rows)
            hooks = bench_webhooks(sessions, args.events)
        results[bench.name] = (imp, mon, hooks)
        print(bench.name, imp, mon, hooks)
    lines = [
        "## Exchange and monitoring (`benchmarks/exchange.py`)",
        "",
        f"Measured {date.today()} on {machine()}. Import: a {args.rows:,}-row penalty list (JSON Lines), "
        "90 % about registered subjects, 10 % registering new ones; baselines: the same records through "
        "plain ingestion, and bulk-inserted raw. "
        f"Monitoring: all rules over {args.projects:,} projects of 4–9 bids (3 % planted rings) plus the "
        "imported records; baseline: one grouped scan of each table. Webhooks: "
        f"{args.events:,} events delivered to a local receiver; baseline: plain POSTs without the database.",
        "",
        "| database | import rows/s | ingestion path records/s | raw records/s | ratio to raw | new subjects "
        "| monitoring (s) | bids | records | raw scans (s) | warnings | webhooks/s | raw POSTs/s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, (imp, mon, hooks) in results.items():
        lines.append(
            f"| {name} | {imp['service']:,.0f} | {imp['ingest']:,.0f} | {imp['raw']:,.0f} | "
            f"{imp['service'] / imp['raw']:.2f} | "
            f"{imp['new_subjects']:,} | {mon['rules_s']:.2f} | {mon['bids']:,} | {mon['records']:,} | "
            f"{mon['raw_s']:.2f} | {mon['raised']:,} | {hooks['service']:,.0f} | {hooks['raw']:,.0f} | "
            f"{hooks['service'] / hooks['raw']:.2f} |"
        )
    by_rule = "; ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in mon["by_rule"].items())
        for name, (_i, mon, _h) in results.items()
    )
    lines += [
        "",
        f"Findings per rule — {by_rule}.",
        "",
        f"Peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB. Load average at the end of the run: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other jobs shared the machine: rates are "
        "noisy; the import is bounded by plain ingestion, which it calls, chunk by chunk).",
    ]
    write_section("exchange", "\n".join(lines))


if __name__ == "__main__":
    main()
