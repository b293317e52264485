"""Ledger: append rate, inclusion-proof latency at 1M and 10M leaves, full verify rate.

* **Append** — record leaves (canonical JSON of generated records) appended through
  ``store.append_leaves`` in transactions of 1,000, as a batch request does; baseline: the same leaf
  rows inserted with one executemany per 1,000 and no Merkle nodes.
* **Proofs** — a synthetic log bulk-built to 1M, then 10M leaves (leaf and node hashes computed
  here, loaded with executemany / COPY); latency of ``store.inclusion_proof`` and
  ``store.consistency_proof`` for random leaves against the full tree; baseline: fetching one leaf
  row by primary key.
* **Verify** — records inserted with their leaves through ``ledger.service.log_rows`` (the path
  ingestion takes), a head signed per batch, PostgreSQL's tables vacuumed and analysed (as autovacuum
  would be before any real verify), then ``ledger verify`` over everything; baseline: reading every
  record and leaf row once.

Run: ``python -m benchmarks.ledger [--backends sqlite,postgresql] [--sizes 1000000,10000000]
[--parts append,proofs,verify] [--records 300000]``. With ``--parts verify`` only the verify table
of the README section is rewritten (it has its own markers inside the section).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from benchmarks._common import BenchDb, fresh_database, machine, peak_rss_mib, write_section
from ggzy_credit import clock
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work
from ggzy_credit.demo.fake import Faker
from ggzy_credit.ledger import service, store
from ggzy_credit.ledger.encoding import event_bytes
from ggzy_credit.ledger.models import LedgerLeaf, LedgerState
from ggzy_credit.ledger.tree_head import generate_key, public_key_pem
from ggzy_credit.records.ingest import payload_hash
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import StandardItem
from ggzy_credit.standards.service import load_defaults
from ggzy_credit.subjects.models import Subject, SubjectKindRow

BATCH = 1000
TARGET_PROOF_MS = 2.0
TARGET_VERIFY = 200_000
DESCRIPTION = (
    "在ZFCG2026-0123项目中，经核实存在“提供虚假材料谋取中标”情形，依据《政府采购法》第七十七条予以记录。"
)


# -- data ---------------------------------------------------------------------------------------------


def _subjects(session: Session, count: int) -> list[int]:
    fake = Faker(5)
    session.execute(
        insert(Subject),
        [{"type": "legal", "name": fake.company_name(), "uscc": fake.uscc()} for _ in range(count)],
    )
    ids = list(session.scalars(select(Subject.id).order_by(Subject.id)))
    session.execute(insert(SubjectKindRow), [{"subject_id": i, "kind": "responder"} for i in ids])
    service.log_rows(session, "subject.created", "subjects", ids)
    return ids


def _record_rows(session: Session, subjects: list[int], start: int, count: int) -> list[dict[str, object]]:
    rng = random.Random(start)
    items = session.execute(
        select(StandardItem.id, StandardItem.standard_id, StandardItem.code, StandardItem.points)
    ).all()
    now = clock.now()
    rows = []
    for n in range(start, start + count):
        item_id, standard_id, code, points = rng.choice(items)
        day = date(2026, 1, 1) - timedelta(days=rng.randrange(700))
        row: dict[str, object] = {
            "platform_id": 1,
            "external_id": f"B{n:09d}",
            "subject_id": rng.choice(subjects),
            "standard_id": standard_id,
            "item_id": item_id,
            "item_code": code,
            "points": points,
            "occurred_on": day - timedelta(days=2),
            "deducted_on": day,
            "project_code": f"ZFCG2026-{n % 9999:04d}",
            "project_name": "2026年办公设备采购项目",
            "description": DESCRIPTION,
            "source": "system_push",
            "recorded_by": "recorder:政府采购分平台",
            "recorded_at": now,
        }
        row["payload_hash"] = payload_hash(row)
        rows.append(row)
    return rows


# -- append -----------------------------------------------------------------------------------------


def bench_append(bench: BenchDb, leaves: int) -> dict[str, float]:
    sessions = make_sessionmaker(bench.engine)
    rng = random.Random(1)
    datas = [
        event_bytes(
            "record.created",
            "credit_records",
            i,
            {"id": i, "points": rng.randrange(10), "description": DESCRIPTION},
        )
        for i in range(leaves)
    ]
    raw_rows = [
        {
            "leaf_index": i,
            "kind": "record.created",
            "entity": "credit_records",
            "entity_id": i,
            "leaf_hash": hashlib.sha256(b"\x00" + d).digest(),
            "data": d,
            "public": True,
            "created_at": clock.now(),
        }
        for i, d in enumerate(datas)
    ]
    started = time.perf_counter()
    for low in range(0, leaves, BATCH):
        with unit_of_work(sessions) as session:
            session.execute(insert(LedgerLeaf.__table__), raw_rows[low : low + BATCH])
    raw = time.perf_counter() - started
    with unit_of_work(sessions) as session:
        session.execute(delete(LedgerLeaf))
        session.execute(update(LedgerState).values(tree_size=0))
    started = time.perf_counter()
    for low in range(0, leaves, BATCH):
        with unit_of_work(sessions) as session:
            store.append_leaves(
                session,
                [
                    store.NewLeaf("record.created", "credit_records", low + i, d)
                    for i, d in enumerate(datas[low : low + BATCH])
                ],
            )
    batched = time.perf_counter() - started
    singles = []
    for i in range(200):
        t = time.perf_counter()
        with unit_of_work(sessions) as session:
            store.append_leaves(
                session, [store.NewLeaf("record.created", "credit_records", leaves + i, datas[i])]
            )
        singles.append(time.perf_counter() - t)
    return {"append": leaves / batched, "raw": leaves / raw, "single_ms": statistics.median(singles) * 1000}


# -- proofs on a big synthetic log -------------------------------------------------------------------


class Builder:
    """Streams leaves and the perfect-subtree nodes they complete, as the store would write them."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[bytes] = []

    def leaves(self, count: int) -> Iterator[tuple[list[tuple], list[tuple]]]:  # type: ignore[type-arg]
        sha = hashlib.sha256
        chunk = 100_000
        now = clock.now()
        for low in range(self.size, self.size + count, chunk):
            leaf_rows, node_rows = [], []
            for i in range(low, min(low + chunk, self.size + count)):
                data = b'{"entity":"bench","entity_id":%d,"kind":"bench.synthetic","payload":{"n":%d}}' % (
                    i,
                    i,
                )
                value = sha(b"\x00" + data).digest()
                leaf_rows.append((i, "bench.synthetic", "bench", i, value, data, True, now))
                index, level = i, 0
                while index & 1:
                    value = sha(b"\x01" + self.stack.pop() + value).digest()
                    index >>= 1
                    level += 1
                    node_rows.append((level, index, value))
                self.stack.append(value)
            yield leaf_rows, node_rows
        self.size += count


def grow(bench: BenchDb, builder: Builder, target: int) -> float:
    started = time.perf_counter()
    with bench.engine.begin() as conn:
        raw = conn.connection.driver_connection
        for leaf_rows, node_rows in builder.leaves(target - builder.size):
            if bench.engine.dialect.name == "postgresql":
                with raw.cursor() as cursor:  # type: ignore[union-attr]
                    cols = "leaf_index, kind, entity, entity_id, leaf_hash, data, public, created_at"
                    with cursor.copy(f"COPY ledger_leaves ({cols}) FROM STDIN") as copy:
                        for row in leaf_rows:
                            copy.write_row(row)
                    with cursor.copy("COPY ledger_nodes (level, idx, hash) FROM STDIN") as copy:
                        for row in node_rows:
                            copy.write_row(row)
            else:
                cursor = raw.cursor()  # type: ignore[union-attr]
                cursor.executemany(
                    "INSERT INTO ledger_leaves (leaf_index, kind, entity, entity_id, leaf_hash, data, public,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*r[:7], r[7].isoformat()) for r in leaf_rows],
                )
                cursor.executemany("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", node_rows)
        conn.execute(update(LedgerState).values(tree_size=builder.size))
    if bench.engine.dialect.name == "postgresql":
        with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE ledger_leaves"))
            conn.execute(text("VACUUM ANALYZE ledger_nodes"))
    return time.perf_counter() - started


def bench_proofs(bench: BenchDb, size: int, count: int) -> dict[str, float]:
    sessions = make_sessionmaker(bench.engine)
    rng = random.Random(size)
    inclusion, consistency, baseline = [], [], []
    with sessions() as session:
        root = store.root(session, size)
        for _ in range(count):
            index = rng.randrange(size)
            t = time.perf_counter()
            path = store.inclusion_proof(session, index, size)
            inclusion.append(time.perf_counter() - t)
            t = time.perf_counter()
            session.connection().execute(
                select(LedgerLeaf.leaf_hash).where(LedgerLeaf.leaf_index == index)
            ).all()
            baseline.append(time.perf_counter() - t)
            first = rng.randrange(1, size)
            t = time.perf_counter()
            store.consistency_proof(session, first, size)
            consistency.append(time.perf_counter() - t)
        leaf = store.fetch_nodes(session, {(0, index)})[(0, index)]
        from ggzy_credit.ledger import merkle

        assert merkle.verify_inclusion(leaf, index, size, path, root)

    def ms(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000

    return {
        "p50": ms(inclusion, 0.5),
        "p99": ms(inclusion, 0.99),
        "c50": ms(consistency, 0.5),
        "c99": ms(consistency, 0.99),
        "base50": ms(baseline, 0.5),
    }


# -- verify -------------------------------------------------------------------------------------------


def bench_verify(bench: BenchDb, records: int) -> dict[str, float]:
    sessions = make_sessionmaker(bench.engine)
    key = generate_key()
    with unit_of_work(sessions) as session:
        load_defaults(session)
        subjects = _subjects(session, 5000)
        service.sign(session, key)
    started = time.perf_counter()
    for low in range(0, records, BATCH):
        with unit_of_work(sessions) as session:
            rows = _record_rows(session, subjects, low, min(BATCH, records - low))
            session.execute(insert(CreditRecord.__table__), rows)
            ids = list(
                session.scalars(
                    select(CreditRecord.id).where(CreditRecord.id > low).order_by(CreditRecord.id)
                )
            )
            service.log_rows(session, "record.created", "credit_records", ids)
            service.sign_if_grown(session, key)
    load = time.perf_counter() - started
    _settle(bench)
    with sessions() as session:
        conn = session.connection()
        if bench.engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA mmap_size = 17179869184"))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        t = time.perf_counter()
        for table in (
            "credit_records",
            "subjects",
            "subject_kinds",
            "standards",
            "standard_items",
            "ledger_leaves",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # every row verify must look at, read once
            cursor.fetchall()
        baseline = time.perf_counter() - t
        leaves = store.size(session)
    out = {"records": records, "load": records / load, "raw_read": leaves / baseline}
    with tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / "ledger.pub"
        key_file.write_bytes(public_key_pem(key.public_key()))
        for jobs in (1, 2):
            cold, warm = _verify_runs(bench.url, key_file, jobs, runs=2)
            out[f"verify{jobs}"] = warm["tree_size"] / warm["seconds"]
            out[f"cold{jobs}"] = cold["tree_size"] / cold["seconds"]
            out[f"cpu{jobs}"] = warm["cpu"] / warm["tree_size"] * 1e6
            server = warm["server_cpu"]
            out[f"server{jobs}"] = -1 if server is None else server / warm["tree_size"] * 1e6
            out["leaves"], out["heads"] = warm["tree_size"], warm["heads"]
    return out


def _verify_runs(url: str, key_file: Path, jobs: int, runs: int) -> list[dict[str, Any]]:
    """``verify`` in a fresh process (``benchmarks._verify_child``), as the CLI runs it: the loading
    process is large, and forking workers from it would time the loader rather than verify."""
    command = [sys.executable, "-m", "benchmarks._verify_child", url, str(key_file), str(jobs), str(runs)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _settle(bench: BenchDb) -> None:
    """PostgreSQL: vacuum and analyse the freshly loaded tables, as autovacuum does within a minute of
    such a load; timed while that pass runs, the baseline and verify would share the cores with it."""
    if bench.engine.dialect.name != "postgresql":
        return
    with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


# -- report ---------------------------------------------------------------------------------------------


def main() -> None:
    load_before = os.getloadavg()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="1000000,10000000", help="log sizes for proof latency")
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--append", type=int, default=50_000, help="leaves for the append rate")
    parser.add_argument("--records", type=int, default=300_000, help="records for the verify rate")
    parser.add_argument("--parts", default="append,proofs,verify", help="which measurements to run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    parts = {p.strip() for p in args.parts.split(",")}
    append_rows, proof_rows, verify_rows = [], [], []
    for backend in [b.strip() for b in args.backends.split(",")]:
        label = "SQLite" if backend == "sqlite" else "PostgreSQL"
        if "append" in parts:
            append_rows.append(_append_row(backend, label, args.append))
        if "proofs" in parts:
            proof_rows += _proof_rows(backend, label, sizes, args.proofs)
        if "verify" in parts:
            verify_rows.append(_verify_row(backend, label, args.records))
    verify_body = _verify_body(args.records, verify_rows, load_before)
    if parts == {"verify"}:
        write_section("ledger-verify", verify_body)
        print(verify_body)
        return
    body = "\n".join(
        [
            "## Ledger (`benchmarks/ledger.py`)",
            "",
            f"Measured {date.today()} on {machine()}; PostgreSQL 15 on the same machine, default settings "
            f"(`shared_buffers` 128 MB); load average {load_before[0]:.1f} at the start and "
            f"{os.getloadavg()[0]:.1f} at the end of the run (other work was running on the machine). "
            f"Targets: inclusion proof ≤ {TARGET_PROOF_MS:g} ms at 10M leaves, "
            f"verify ≥ {TARGET_VERIFY:,} leaves/s.",
            "",
            f"**Append** ({args.append:,} record-sized leaves, transactions of {BATCH:,}; "
            "baseline: the same leaf rows inserted without the Merkle tree):",
            "",
            "| database | append (leaves/s) | raw insert (rows/s) | ratio "
            "| one event per transaction, p50 (ms) |",
            "|---|---:|---:|---:|---:|",
            *append_rows,
            "",
            f"**Proofs** ({args.proofs:,} random leaves against the whole tree; "
            "baseline: one leaf row by primary key):",
            "",
            "| database | leaves | inclusion p50 (ms) | p99 (ms) | consistency p50 (ms) | p99 (ms) "
            "| PK lookup p50 (ms) | inclusion / lookup |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *proof_rows,
            "",
            "<!-- ledger-verify:start -->",
            verify_body,
            "<!-- ledger-verify:end -->",
            "",
            f"Peak RSS of the benchmark process: {peak_rss_mib():.0f} MiB.",
        ]
    )
    write_section("ledger", body)
    print(body)


def _append_row(backend: str, label: str, leaves: int) -> str:
    with fresh_database(backend) as bench:
        a = bench_append(bench, leaves)
    print(
        f"{label} append: {a['append']:,.0f} leaves/s, raw {a['raw']:,.0f}/s, single {a['single_ms']:.2f} ms"
    )
    return (
        f"| {label} | {a['append']:,.0f} | {a['raw']:,.0f} | {a['append'] / a['raw']:.2f} | "
        f"{a['single_ms']:.2f} |"
    )


def _proof_rows(backend: str, label: str, sizes: list[int], proofs: int) -> list[str]:
    rows = []
    with fresh_database(backend) as bench:
        builder = Builder()
        for size in sizes:
            took = grow(bench, builder, size)
            p = bench_proofs(bench, size, proofs)
            print(
                f"{label} {size:,} leaves (built in {took:.0f} s): inclusion p50 {p['p50']:.3f} ms, "
                f"p99 {p['p99']:.3f} ms; consistency p50 {p['c50']:.3f} ms; "
                f"PK lookup {p['base50']:.3f} ms"
            )
            rows.append(
                f"| {label} | {size:,} | {p['p50']:.3f} | {p['p99']:.3f} | {p['c50']:.3f} | "
                f"{p['c99']:.3f} | {p['base50']:.3f} | {p['p50'] / p['base50']:.1f} |"
            )
    return rows


def _verify_row(backend: str, label: str, records: int) -> str:
    load = os.getloadavg()[0]
    with fresh_database(backend) as bench:
        v = bench_verify(bench, records)
    print(
        f"{label} verify: {v['verify1']:,.0f} leaves/s (1 process), {v['verify2']:,.0f} leaves/s (2), "
        f"first run {v['cold2']:,.0f} leaves/s (2); "
        f"raw read {v['raw_read']:,.0f} leaves/s; records+leaves loaded at {v['load']:,.0f}/s"
    )
    return (
        f"| {label} | {int(v['leaves']):,} | {int(v['heads']):,} | {v['verify1']:,.0f} | "
        f"{v['verify2']:,.0f} | {v['cold2']:,.0f} | {v['cpu1']:.1f} | {_server(v['server1'])} | "
        f"{v['raw_read']:,.0f} | "
        f"{max(v['verify1'], v['verify2']) / v['raw_read']:.2f} | {v['load']:,.0f} | "
        f"{load:.1f} / {os.getloadavg()[0]:.1f} |"
    )


def _server(micros: float) -> str:
    return "–" if micros < 0 else f"{micros:.1f}"


def _verify_body(records: int, rows: list[str], load_before: tuple[float, float, float]) -> str:
    return "\n".join(
        [
            f"**Verify** (measured {date.today()}; {records:,} records with their leaves, one signed head "
            f"per batch of {BATCH:,}, PostgreSQL's tables then vacuumed and analysed as autovacuum would; "
            "verify in a process of its own, as the CLI runs it, twice: the second run is the rate, the "
            "first pays a fresh process's imports and connections once; "
            "baseline: reading every row verify looks at — records, subjects, standards, leaves — once "
            "with the driver's cursor, in leaves per second; client CPU: the verify process and its "
            "workers, per leaf; server CPU: the PostgreSQL backend of the one-process run, per leaf; "
            "load: the load average before loading the data / after verifying):",
            "",
            "| database | leaves | heads | verify, 1 process (leaves/s) | verify, 2 processes (leaves/s) "
            "| first run, 2 processes (leaves/s) | client CPU, 1 process (µs/leaf) "
            "| server CPU, 1 process (µs/leaf) | raw read (leaves/s) "
            "| ratio (best verify / raw read) | load: records + leaves (/s) | load average |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
            *rows,
        ]
    )


if __name__ == "__main__":
    main()
