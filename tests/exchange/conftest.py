"""Exchange test helpers: realistic generated import files, a local webhook receiver."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ggzy_credit import clock
from ggzy_credit.exchange.service import import_bytes
from ggzy_credit.exchange.sources import load_registry


def encode(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """``rows`` as a CSV, JSON Lines or XLSX file (columns: every key, in first-seen order)."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        return buffer.getvalue().encode("utf-8-sig")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for r in rows:  # a worksheet cannot hold control characters: the writer (not our reader) refuses them
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                for v in (r.get(c) for c in columns)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def registry():  # type: ignore[no-untyped-def]
    return load_registry()


@pytest.fixture
def run_import(db, cipher, registry):  # type: ignore[no-untyped-def]
    """Import ``rows`` (or raw bytes) for a source in one transaction; returns the report."""

    def run(source: str, rows: list[dict[str, Any]] | bytes, fmt: str = "jsonl", filename: str | None = None):  # type: ignore[no-untyped-def]
        data = rows if isinstance(rows, bytes) else encode(rows, fmt)
        with db.session() as session:
            return import_bytes(
                session, cipher, registry.get(source), data, filename=filename or f"in.{fmt}", run_by="test"
            )

    return run


@pytest.fixture
def penalty(fake):  # type: ignore[no-untyped-def]
    """A realistic administrative-penalty row for a legal person (new unless ``uscc`` is given)."""
    serial = iter(range(1, 1_000_000))

    def make(**fields: Any) -> dict[str, Any]:
        n = next(serial)
        person = fake.legal_person()
        row = {
            "source_id": f"SHCF-2026-{n:06d}",
            "subject_name": person["name"],
            "uscc": person["uscc"],
            "legal_representative": person["legal_representative"],
            "address": person["address"],
            "occurred_on": str(clock.today() - timedelta(days=30 + n % 200)),
            "publicity_until": str(clock.today() + timedelta(days=300)),
            "authority": "市市场监督管理局",
            "document_no": f"沪市监罚〔2026〕{n}号",
            "description": "发布虚假广告，违反《中华人民共和国广告法》第二十八条",
        }
        row.update(fields)
        return row

    return make


class Receiver:
    """A tiny threaded HTTP server on 127.0.0.1 that records every POST (and can be told to fail)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_with: int | None = None
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.requests.append(({k: v for k, v in self.headers.items()}, body))
                self.send_response(outer.fail_with or 200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def write(path: Path, rows: list[dict[str, Any]] | bytes, fmt: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rows if isinstance(rows, bytes) else encode(rows, fmt or path.suffix.lstrip(".")))
    return path


@pytest.fixture
def encoded():  # type: ignore[no-untyped-def]
    """The file encoder (conftest modules cannot be imported by tests)."""
    return encode


@pytest.fixture
def write_file():  # type: ignore[no-untyped-def]
    return write
