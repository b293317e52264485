"""Crash safety: a real server killed with SIGKILL in the middle of batch imports loses nothing it
acknowledged and half-writes nothing; after a restart, re-sending every batch is idempotent, every
record exists exactly once, scores equal a recomputation and the ledger verifies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.cli.main import app
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring.models import ScoreHistory
from ggzy_credit.scoring.service import subject_scores

BATCHES, SIZE, KILLED_IN, SUBJECTS = 8, 100, 4, 40
BIG = 6 * SIZE  # the batch in flight at the kill: long enough to be cut in the middle
runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``ggzy-credit serve`` as a child process on a free loopback port."""

    def __init__(self, db, log: Path) -> None:  # type: ignore[no-untyped-def]
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "GGZY_DATABASE_URL": db.url,
            "GGZY_VAR_DIR": str(db.settings.var_dir),
            "GGZY_SCHEDULER": "false",
            "GGZY_EXCHANGE_JOBS_INTERVAL": "0",
        }
        command = [str(Path(sys.executable).with_name("ggzy-credit")), "serve", "--port", str(self.port)]
        self.log = log.open("ab")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # generous: a loaded CI machine imports slowly
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        raise AssertionError("server did not start: " + log.read_text(errors="replace"))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.log.close()


def external_ids(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.scalars(select(CreditRecord.external_id)))


def test_sigkill_mid_import_then_resend_is_exact(cli_env, new_batch, tmp_path):  # type: ignore[no-untyped-def]
    db = cli_env
    made = runner.invoke(app, ["token", "create", "--name", "crash-test", "--role", "recorder"])
    assert made.exit_code == 0, made.output
    headers = {"Authorization": f"Bearer {made.output.strip().splitlines()[-1]}"}
    sizes = [BIG if b == KILLED_IN else SIZE for b in range(BATCHES)]
    batches = [new_batch(f"crash-{b}", n, SUBJECTS) for b, n in enumerate(sizes)]
    url_log = tmp_path / "server.log"

    server = Server(db, url_log)
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as http:
            took = []
            for body in batches[:KILLED_IN]:
                started = time.monotonic()
                r = http.post("/api/v1/records/batch", json=body)
                took.append(time.monotonic() - started)
                assert r.status_code == 201 and r.json()["created"] == SIZE, r.text
            outcome: list[object] = []

            def in_flight() -> None:
                try:
                    outcome.append(http.post("/api/v1/records/batch", json=batches[KILLED_IN]))
                except httpx.TransportError as exc:
                    outcome.append(exc)

            sender = threading.Thread(target=in_flight)
            sender.start()
            time.sleep(sorted(took)[len(took) // 2])  # a small batch's time: the big one is mid-way
            server.kill()
            sender.join(30)
    finally:
        server.kill()

    # Acknowledged batches are all there; the one in flight is all there or not at all.
    after_crash = external_ids(db)
    killed = sum(x.startswith(f"crash-{KILLED_IN}-") for x in after_crash)
    assert killed in (0, BIG), killed
    assert len(after_crash) == KILLED_IN * SIZE + killed
    assert isinstance(outcome[0], httpx.TransportError) or killed == BIG

    server = Server(db, url_log)
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as http:
            for b, body in enumerate(batches):  # the client re-sends everything
                r = http.post("/api/v1/records/batch", json=body)
                assert r.status_code == 201, r.text
                out = r.json()
                assert out["created"] + out["existing"] == sizes[b]
                if b < KILLED_IN:
                    assert out["existing"] == SIZE
    finally:
        server.kill()

    ids = external_ids(db)
    assert len(ids) == len(set(ids)) == sum(sizes)  # every record exactly once
    assert set(ids) == {r["external_id"] for body in batches for r in body["records"]}
    evaluated = runner.invoke(app, ["evaluate", "--full"])
    assert evaluated.exit_code == 0, evaluated.output
    with db.session() as s:
        stored = {
            (row.subject_id, row.platform_id): row.score
            for row in s.scalars(select(ScoreHistory).where(ScoreHistory.valid_to.is_(None)))
        }
        subjects = s.scalars(select(CreditRecord.subject_id).distinct()).all()
        sums = select(CreditRecord.subject_id, func.sum(CreditRecord.points)).group_by(
            CreditRecord.subject_id
        )
        points = dict(s.execute(sums).all())
        assert len(subjects) == SUBJECTS
        for subject_id in subjects:
            [score] = subject_scores(s, subject_id, clock.today())
            assert stored[(subject_id, score.platform.id)] == score.evaluation.score
            assert score.evaluation.score == max(0, 100 - points[subject_id])
    verified = runner.invoke(app, ["ledger", "verify"])
    assert verified.exit_code == 0 and "校验通过" in verified.output, verified.output
