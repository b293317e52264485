"""``ledger verify`` in a process of its own, as ``ggzy-credit ledger verify`` runs (``benchmarks.ledger``).

``python -m benchmarks._verify_child URL PUBLIC_KEY_PEM_FILE JOBS RUNS`` prints one JSON line per run:
the tree size, the seconds verify reports, the CPU time of this process and its worker processes, and
that of the PostgreSQL backend (one process only; ``null`` where it cannot be read).

The first run pays what a fresh process pays once (imports, first connections); later runs show the
rate that a province-sized log, where those costs vanish, would see.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from ggzy_credit.db.engine import make_engine, make_sessionmaker
from ggzy_credit.ledger.tree_head import load_public_key
from ggzy_credit.ledger.verify import verify


class ServerCpu:
    """CPU time of this session's PostgreSQL backend, read from ``/proc`` (a server on this machine).

    With one verify process the backend is the whole server share; ``used()`` is ``None`` where it
    cannot be read (SQLite, or a server elsewhere).
    """

    def __init__(self, session: Session) -> None:
        self.pid: int | None = None
        if session.get_bind().dialect.name == "postgresql":
            self.pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        self.start = self._read()

    def _read(self) -> float | None:
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def used(self) -> float | None:
        end = self._read() if self.pid is not None else None
        return None if end is None or self.start is None else end - self.start


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (verify's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(url: str, key_file: str, jobs: int, runs: int) -> None:
    public_key = load_public_key(Path(key_file).read_bytes())
    sessions = make_sessionmaker(make_engine(url))
    for _ in range(runs):
        cpu = cpu_seconds()
        with sessions() as session:
            server = ServerCpu(session) if jobs == 1 else None
            report = verify(session, public_key, jobs=jobs, url=url)
            server_seconds = server.used() if server is not None else None
        if not report.ok:
            raise SystemExit("verify failed: " + "; ".join(p.message for p in report.problems[:5]))
        run = {
            "tree_size": report.tree_size,
            "heads": report.heads_checked,
            "seconds": report.seconds,
            "cpu": cpu_seconds() - cpu,
            "server_cpu": server_seconds,
        }
        print(json.dumps(run), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
