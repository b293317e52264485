"""Data for ``benchmarks.evaluate``: subjects, three years of records and events, bulk-loaded.

COPY on PostgreSQL (foreign-key triggers off while loading), executemany on SQLite, both past the
ORM; items and standards are the shipped ones in force on each deduction date.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.db.engine import make_sessionmaker, unit_of_work
from ggzy_credit.standards.models import Platform, Standard
from ggzy_credit.standards.service import in_force, load_defaults

DAY = date(2026, 11, 20)  # the full run's day; records span the three years before it
YEARS_DAYS = 3 * 365 + 1
PLATFORM_WEIGHTS = {
    "gov_procurement": 35,
    "engineering": 35,
    "medical": 10,
    "land_mining": 8,
    "state_property": 7,
    "centre": 5,
}
REVOKED_SHARE, REPAIRED_SHARE = 0.005, 0.003
RECORD_COLUMNS = (
    "id",
    "platform_id",
    "external_id",
    "subject_id",
    "standard_id",
    "item_id",
    "item_code",
    "points",
    "occurred_on",
    "deducted_on",
    "source",
    "recorded_by",
    "recorded_at",
    "payload_hash",
)
EVENT_COLUMNS = (
    "record_id",
    "kind",
    "effective_on",
    "stops_counting",
    "reason",
    "details",
    "created_by",
    "created_at",
)


class Catalogue:
    """Per platform, the standards in force by date and their items (deductions weighted in)."""

    def __init__(self, session: Session) -> None:
        self.platforms = {p.code: p.id for p in session.scalars(select(Platform))}
        self.versions: dict[int, list[Standard]] = {}
        for s in session.scalars(select(Standard)):
            self.versions.setdefault(s.platform_id, []).append(s)
        self.items = {
            s.id: [(i.id, i.code, i.points) for i in s.items]
            for versions in self.versions.values()
            for s in versions
        }
        self.cache: dict[tuple[int, date], Standard] = {}
        self.first_start = {
            pid: min(s.effective_from for s in versions if s.status == "filed" and s.effective_from)
            for pid, versions in self.versions.items()
        }

    def standard(self, platform_id: int, on: date) -> Standard:
        key = (platform_id, on)
        if key not in self.cache:
            chosen = in_force(self.versions[platform_id], on)
            assert chosen is not None, (platform_id, on)
            self.cache[key] = chosen
        return self.cache[key]


def _iso_instant(on: date, hour: int, backend: str) -> str:
    moment = datetime(on.year, on.month, on.day, hour, tzinfo=clock.CHINA)
    if backend == "sqlite":  # AwareDateTime stores naive UTC on SQLite
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.isoformat()


def _record_rows(
    cat: Catalogue,
    rng: random.Random,
    subjects: int,
    first_id: int,
    count: int,
    *,
    days: list[date],
    backend: str,
    hour: int = 12,
    recorded_on: date | None = None,
):  # type: ignore[no-untyped-def]
    codes = list(PLATFORM_WEIGHTS)
    weights = list(PLATFORM_WEIGHTS.values())
    offenders = max(1, subjects // 20)
    for n in range(first_id, first_id + count):
        platform_id = cat.platforms[rng.choices(codes, weights)[0]]
        # 30 % of records fall on 5 % of subjects (repeat offenders), the rest anywhere.
        subject = rng.randrange(1, offenders + 1) if rng.random() < 0.3 else rng.randrange(1, subjects + 1)
        on = rng.choice(days)
        if on < cat.first_start[platform_id]:  # no standard yet on that platform: no record could exist
            on = cat.first_start[platform_id] + timedelta(days=(on - days[-1]).days % 365)
        standard = cat.standard(platform_id, on)
        item_id, code, points = rng.choice(cat.items[standard.id])
        yield (
            n,
            platform_id,
            f"B{n:09d}",
            subject,
            standard.id,
            item_id,
            code,
            points,
            on.isoformat(),
            on.isoformat(),
            "system_push",
            "bench",
            _iso_instant(recorded_on or on, hour, backend),
            "-",
        )


def _event_rows(rng: random.Random, records: list[tuple], backend: str, created: date):  # type: ignore[no-untyped-def,type-arg]
    for rec in records:
        rid, on = rec[0], date.fromisoformat(rec[9])
        roll = rng.random()
        if roll < REVOKED_SHARE:
            yield (
                rid,
                "revoked",
                on.isoformat(),
                False,
                "异议成立",
                "{}",
                "bench",
                _iso_instant(created, 10, backend),
            )
        elif roll < REVOKED_SHARE + REPAIRED_SHARE:
            until = min(DAY, on + timedelta(days=rng.randrange(30, 300)))
            if until > on:
                yield (
                    rid,
                    "repaired",
                    until.isoformat(),
                    True,
                    "信用修复",
                    "{}",
                    "bench",
                    _iso_instant(created, 10, backend),
                )


def _load(engine: Engine, backend: str, table: str, columns: tuple[str, ...], rows) -> int:  # type: ignore[no-untyped-def]
    """Bulk-load rows: COPY on PostgreSQL, executemany on SQLite (both past the ORM)."""
    raw = engine.raw_connection()
    n = 0
    try:
        cur = raw.cursor()
        if backend == "postgresql":
            cur.execute("SET session_replication_role = replica")  # skip FK triggers while loading
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            cur.execute("SET session_replication_role = DEFAULT")
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            batch: list[tuple] = []  # type: ignore[type-arg]
            for row in rows:
                batch.append(tuple(int(v) if isinstance(v, bool) else v for v in row))
                if len(batch) == 50_000:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
            cur.executemany(sql, batch)
            n += len(batch)
        raw.commit()
    finally:
        raw.close()
    return n


def _subjects(engine: Engine, backend: str, count: int) -> None:
    now = _iso_instant(DAY - timedelta(days=YEARS_DAYS + 1), 9, backend)
    rows = ((i, "legal", f"主体{i:07d}", now, now) for i in range(1, count + 1))
    _load(engine, backend, "subjects", ("id", "type", "name", "created_at", "updated_at"), rows)
    if backend == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('subjects', 'id'), :n)"), {"n": count})


def generate(engine: Engine, backend: str, subjects: int, records: int, seed: int) -> Catalogue:
    rng = random.Random(seed)
    with unit_of_work(make_sessionmaker(engine)) as session:
        load_defaults(session)
    with unit_of_work(make_sessionmaker(engine)) as session:
        cat = Catalogue(session)
    _subjects(engine, backend, subjects)
    days = [DAY - timedelta(days=d) for d in range(1, YEARS_DAYS + 1)]
    chunk, written, events = 500_000, 0, 0
    while written < records:
        size = min(chunk, records - written)
        rows = list(_record_rows(cat, rng, subjects, written + 1, size, days=days, backend=backend))
        _load(engine, backend, "credit_records", RECORD_COLUMNS, rows)
        events += _load(
            engine,
            backend,
            "record_events",
            EVENT_COLUMNS,
            _event_rows(rng, rows, backend, DAY - timedelta(days=1)),
        )
        written += size
        print(f"  {written:,} records, {events:,} events", flush=True)
    with engine.begin() as conn:  # only this schema's tables: a bare ANALYZE would visit every schema
        conn.execute(
            text("ANALYZE subjects, credit_records, record_events" if backend == "postgresql" else "ANALYZE")
        )
    return cat


def next_day(
    engine: Engine, backend: str, cat: Catalogue, subjects: int, records: int, seed: int
) -> tuple[int, int]:
    """A day of traffic after D: new records (10 % back-filled up to 180 days) and revocations."""
    rng = random.Random(seed + 1)
    per_day = max(1, records // YEARS_DAYS)
    tomorrow = DAY + timedelta(days=1)
    fresh = list(
        _record_rows(
            cat,
            rng,
            subjects,
            records + 1,
            per_day,
            days=[tomorrow] * 9 + [DAY - timedelta(days=d) for d in range(0, 180, 20)],
            backend=backend,
            hour=15,
            recorded_on=tomorrow,
        )
    )
    _load(engine, backend, "credit_records", RECORD_COLUMNS, fresh)
    revoke_count = max(1, per_day // 100)
    ids = rng.sample(range(1, records + 1), revoke_count)
    revoked = (
        (
            rid,
            "revoked",
            DAY.isoformat(),
            False,
            "异议成立",
            "{}",
            "bench",
            _iso_instant(tomorrow, 16, backend),
        )
        for rid in ids
    )
    return len(fresh), _load(engine, backend, "record_events", EVENT_COLUMNS, revoked)
