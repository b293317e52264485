"""Ingestion: 100,000 generated records through the batch API path vs a raw bulk insert.

The service path is what ``POST /api/v1/records/batch`` runs, in process: request validation
(pydantic), subject resolution by USCC, standard/item resolution, idempotency checks, the insert,
and whatever else a created record triggers (e.g. ledger leaves), one transaction per 1,000 rows.
The baseline inserts the same, already-resolved rows into the same table with one executemany per
1,000 rows. Run: ``python -m benchmarks.ingest [--records N] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import os
import random
from datetime import date, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from benchmarks._common import fresh_database, machine, peak_rss_mib, timer, write_section
from ggzy_credit import clock
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work
from ggzy_credit.demo.fake import Faker
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.ingest import ingest, payload_hash
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import BatchIn
from ggzy_credit.standards.service import StandardResolver, load_defaults
from ggzy_credit.subjects.models import Subject, SubjectKindRow

BATCH = 1000
PATH_INCLUDES = (
    "The batch API path per 1,000 rows, in one transaction: pydantic validation; subjects by USCC and their "
    "kinds (one query each); the standard in force per row from the cached standards snapshot (one "
    "version check); the idempotency check on (platform, external id) (one query); ids from the "
    "sequence and one `COPY` of the rows on PostgreSQL (SQLite: one INSERT … RETURNING); a notice per "
    "record written from the rows in hand (`COPY`) and `record.created` outbox rows for webhook "
    "subscribers; last, one ledger leaf per record built from the rows read back (one range query, the "
    "record source's specialised canonical-JSON encoder, Merkle nodes, `COPY`)."
)
PLATFORMS = ["gov_procurement", "engineering", "medical", "land_mining", "state_property", "centre"]


def _subjects(session: Session, count: int) -> list[tuple[int, str]]:
    fake = Faker(7)
    rows = [{"type": "legal", "name": fake.company_name(), "uscc": fake.uscc()} for _ in range(count)]
    session.execute(insert(Subject), rows)
    ids = session.execute(select(Subject.id, Subject.uscc).order_by(Subject.id)).all()
    session.execute(insert(SubjectKindRow), [{"subject_id": i, "kind": "responder"} for i, _ in ids])
    return [(i, u) for i, u in ids]


def _payloads(session: Session, subjects: list[tuple[int, str]], count: int) -> list[dict[str, object]]:
    rng = random.Random(11)
    resolver = StandardResolver(session)
    today = clock.today()
    out = []
    for n in range(count):
        platform = rng.choice(PLATFORMS)
        on = today - timedelta(days=rng.randrange(0, 365))
        resolved = resolver.resolve(platform, on)
        assert resolved is not None
        codes = sorted(c for c, i in resolved[1].items() if "responder" in i.applies_to)
        _, uscc = rng.choice(subjects)
        out.append(
            {
                "platform": platform,
                "external_id": f"B{n:08d}",
                "subject_uscc": uscc,
                "item_code": rng.choice(codes),
                "occurred_on": str(on - timedelta(days=2)),
                "deducted_on": str(on),
                "project_code": f"P{rng.randrange(10**6):06d}",
                "project_name": "2026年某某采购项目",
                "description": "经核实存在该失信行为",
                "source": "system_push",
            }
        )
    return out


def run(backend: str, records: int, subjects: int) -> dict[str, float]:
    cipher = PiiCipher(b"k" * 32, b"i" * 32)
    with fresh_database(backend) as bench:
        sessions = make_sessionmaker(bench.engine)
        with unit_of_work(sessions) as session:
            load_defaults(session)
            people = _subjects(session, subjects)
            payloads = _payloads(session, people, records)
        with timer() as service_time:
            for start in range(0, records, BATCH):
                batch = BatchIn.model_validate({"records": payloads[start : start + BATCH]})
                with unit_of_work(sessions) as session:
                    ingest(session, cipher, batch.records, "bench")
        raw_s = raw_insert(sessions, records)
    return {
        "service": records / service_time[0],
        "raw": records / raw_s,
        "service_s": service_time[0],
        "raw_s": raw_s,
    }


def raw_insert(sessions, records: int) -> float:  # type: ignore[no-untyped-def]
    """The baseline: seconds to insert copies of the ``records`` stored rows, resolved, past the service
    (one executemany per 1,000 rows, each its own transaction)."""
    with unit_of_work(sessions) as session:
        raw_rows = [
            {c.name: getattr(r, c.name) for c in CreditRecord.__table__.columns if c.name != "id"}
            for r in session.scalars(select(CreditRecord).order_by(CreditRecord.id))
        ]
        assert len(raw_rows) == records
        for row in raw_rows:
            row["external_id"] = "R" + str(row["external_id"])
            row["payload_hash"] = payload_hash(row)
        session.execute(delete(CreditRecord).where(CreditRecord.id < 0))
    with timer() as raw_time:
        for start in range(0, records, BATCH):
            with unit_of_work(sessions) as session:
                session.execute(insert(CreditRecord), raw_rows[start : start + BATCH])
    return raw_time[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    lines = [
        "## Ingestion (`benchmarks/ingest.py`)",
        "",
        f"{args.records:,} records referencing {args.subjects:,} subjects by USCC, in batches of {BATCH:,}; "
        f"measured {date.today()} on {machine()}. Target: ≥ 5,000 records/s and ≥ 0.25 of the raw rate.",
        "",
        "| database | batch API path (records/s) | raw bulk insert (records/s) | ratio | load average |",
        "|---|---:|---:|---:|---:|",
    ]
    for backend in args.backends.split(","):
        result = run(backend.strip(), args.records, args.subjects)
        label = "SQLite" if backend.strip() == "sqlite" else "PostgreSQL"
        ratio = result["service"] / result["raw"]
        print(
            f"{label}: service {result['service']:,.0f}/s ({result['service_s']:.1f} s), "
            f"raw {result['raw']:,.0f}/s ({result['raw_s']:.1f} s), ratio {ratio:.2f}"
        )
        load = os.getloadavg()[0]
        lines.append(
            f"| {label} | {result['service']:,.0f} | {result['raw']:,.0f} | {ratio:.2f} | {load:.1f} |"
        )
    lines += [
        "",
        f"Peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB. Load average: the 1-minute figure "
        "at the end of each database's run, on 2 cores (other jobs share the machine).",
        "",
        PATH_INCLUDES,
    ]
    write_section("ingest", "\n".join(lines))


if __name__ == "__main__":
    main()
