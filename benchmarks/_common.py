"""Shared benchmark plumbing: throwaway databases, timing, and README sections."""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text

from ggzy_credit.db.engine import make_engine
from ggzy_credit.db.migrate import upgrade

README = Path(__file__).with_name("README.md")
PG_URL = os.environ.get(
    "GGZY_BENCH_PG_URL",
    os.environ.get("GGZY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)


@dataclass
class BenchDb:
    name: str
    url: str
    engine: Engine


@contextmanager
def fresh_database(backend: str) -> Iterator[BenchDb]:
    """A migrated, empty database: a temporary SQLite file, or a throwaway PostgreSQL schema."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            engine = make_engine(url)
            upgrade(engine)
            try:
                yield BenchDb("SQLite", url, engine)
            finally:
                engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield BenchDb("PostgreSQL", url, engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def timer() -> Iterator[list[float]]:
    out: list[float] = []
    start = time.perf_counter()
    yield out
    out.append(time.perf_counter() - start)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {python}, {platform.system()}"


def write_section(name: str, body: str) -> None:
    """Replace (or append) the README section between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text_ = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text_ = (
        pattern.sub(lambda _m: block, text_)
        if pattern.search(text_)
        else text_.rstrip() + "\n\n" + block + "\n"
    )
    README.write_text(text_, encoding="utf-8")


def backend_options(parser: argparse.ArgumentParser) -> None:
    """``--backends`` (comma-separated) and ``--no-readme``, for ``backends`` and ``publish``."""
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave benchmarks/README.md")


def backends(args: argparse.Namespace) -> list[str]:
    return [b.strip() for b in args.backends.split(",") if b.strip()]


def publish(name: str, body: str, args: argparse.Namespace) -> None:
    """Print a benchmark's section and, unless ``--no-readme``, write it to the README."""
    print(body)
    if not args.no_readme:
        write_section(name, body)
