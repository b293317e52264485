"""A real ``ggzy-credit serve`` (uvicorn, several worker processes) on a benchmark database.

The server runs as a subprocess on a free port with its own var directory (keys, logs); tokens are
created with the ``ggzy-credit token create`` command, the way an operator would. Peak memory is read
from ``/proc/<pid>/status`` (VmHWM) of the server's process tree before it is stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLI = str(Path(sys.executable).with_name("ggzy-credit"))


@dataclass
class Server:
    env: dict[str, str]
    var_dir: Path
    workers: int
    base_url: str = ""
    process: subprocess.Popen[bytes] | None = None
    peak_rss_mib: dict[int, tuple[str, float]] = field(default_factory=dict)

    def cli(self, *args: str) -> str:
        """Run a ``ggzy-credit`` command against the server's database; its standard output."""
        done = subprocess.run([CLI, *args], env=self.env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"ggzy-credit {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def token(self, role: str, name: str = "bench") -> str:
        return self.cli("token", "create", "--name", name, "--role", role).strip().splitlines()[-1]

    def start(self) -> None:
        port = _free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        log = (self.var_dir / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [CLI, "serve", "--port", str(port), "--workers", str(self.workers), "--no-scheduler"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_tail()}")
            try:
                started = self.log_tail(10_000).count("Application startup complete")
                if started >= self.workers and httpx.get(f"{self.base_url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer within 60 s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The server process and its descendants (uvicorn's supervisor and workers)."""
        assert self.process is not None
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = [self.process.pid], [self.process.pid]
        while frontier:
            children = [pid for pid, ppid in parents.items() if ppid in frontier]
            tree += children
            frontier = children
        return tree

    def read_peak_rss(self) -> dict[int, tuple[str, float]]:
        """VmHWM (MiB) of each server process, by role; kept for the report once the server stopped."""
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            role = (
                "supervisor"
                if self.process and pid == self.process.pid
                else "helper"
                if b"resource_tracker" in cmdline
                else "worker"
            )
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_mib[pid] = (role, int(line.split()[1]) / 1024)
        return self.peak_rss_mib

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.read_peak_rss()
        pids = self.pids()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in pids[1:]:  # workers still finishing a backlog would keep their database sessions
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def log_tail(self, lines: int = 30) -> str:
        path = self.var_dir / "serve.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def memory_summary(self) -> str:
        """``workers 180 / 175 MiB, supervisor 60 MiB`` (peak resident memory of each process)."""
        peaks = self.peak_rss_mib.values()
        if not peaks:
            return "not measured"
        workers = " / ".join(f"{mib:.0f}" for role, mib in peaks if role == "worker")
        supervisor = " / ".join(f"{mib:.0f}" for role, mib in peaks if role == "supervisor")
        return f"workers {workers} MiB, supervisor {supervisor} MiB"


@contextmanager
def prepared(url: str, workers: int, **env: str) -> Iterator[Server]:
    """A var directory with keys, ``ggzy-credit init`` run on ``url``; ``start()`` serves it."""
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        environment = {
            **os.environ,
            "GGZY_DATABASE_URL": url,
            "GGZY_VAR_DIR": tmp,
            # The per-IP limits would refuse a load generator on one address.
            "GGZY_RATE_PUBLIC_PER_MINUTE": "0",
            "GGZY_RATE_SEARCH_PER_MINUTE": "0",
            "GGZY_EXCHANGE_JOBS_INTERVAL": "0",
            **env,
        }
        server = Server(environment, Path(tmp), workers)
        server.cli("init")
        try:
            yield server
        finally:
            server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
