"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server.

The server runs in a thread of the test process on a free 127.0.0.1 port, against the ``db``
fixture's database filled with the demo data set plus a few accounts. SQLite only (one backend is
enough to test pages; the page code is tested on both databases in ``tests/portal``). Chromium comes
from Debian (``make test`` installs it); Playwright never downloads a browser here.
Screenshots of the main pages go to ``tests/artifacts/`` (not committed).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from ggzy_credit import clock

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "Browser-test-2026!"
# Inside the years the working-day calendar knows, so objection deadlines can be computed.
TODAY = datetime(2026, 6, 15, 10, 0, tzinfo=clock.CHINA)


@dataclass
class Site:
    url: str
    subject_id: int  # the demo subject the market-entity account acts for
    subject_name: str
    record_id: int  # one of its published deduction records, inside the current cycle
    users: dict[str, str]


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def pinned() -> Iterator[None]:
    with clock.freeze(TODAY):
        yield


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(db, cipher) -> tuple[int, str, int, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The demo data set, plus accounts; returns a subject with a record to dispute."""
    from sqlalchemy import select

    from ggzy_credit.auth.accounts import create_user
    from ggzy_credit.auth.roles import Role
    from ggzy_credit.demo.seed import load_demo
    from ggzy_credit.ledger import service as ledger
    from ggzy_credit.ledger.keys import signing_key
    from ggzy_credit.records.models import CreditRecord
    from ggzy_credit.standards.models import StandardItem
    from ggzy_credit.subjects.models import Subject

    with db.session() as session:
        load_demo(session, cipher, records=400)
        ledger.sign_if_grown(session, signing_key(db.settings.secrets_dir))
    with db.session() as session:
        # A legal-person responder with exactly one record: a published deduction within 12 months.
        candidates = session.execute(
            select(CreditRecord.id, CreditRecord.subject_id, Subject.name)
            .join(StandardItem, StandardItem.id == CreditRecord.item_id)
            .join(Subject, Subject.id == CreditRecord.subject_id)
            .where(
                Subject.type == "legal",
                StandardItem.public.is_(True),
                StandardItem.kind == "deduction",
                CreditRecord.deducted_on > clock.today().replace(year=clock.today().year - 1),
            )
            .order_by(CreditRecord.deducted_on.desc())
        ).all()
        per_subject: dict[int, int] = {}
        for _rid, sid, _name in session.execute(
            select(CreditRecord.id, CreditRecord.subject_id, Subject.name).join(
                Subject, Subject.id == CreditRecord.subject_id
            )
        ):
            per_subject[sid] = per_subject.get(sid, 0) + 1
        record_id, subject_id, name = next((r, s, n) for r, s, n in candidates if per_subject[s] == 1)
        users = {}
        for role in (Role.SUBJECT, Role.RECORDER, Role.REVIEWER, Role.ADMIN, Role.REGULATOR):
            username = f"{role.value}-demo"
            create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                display_name=username,
                organisation="市住房和城乡建设管理委员会" if role is Role.REGULATOR else None,
                subject_ids=[subject_id] if role is Role.SUBJECT else (),
            )
            users[role.value] = username
    return subject_id, name, record_id, users


@pytest.fixture
def site(backend, db, cipher, pinned) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("browser tests run on SQLite only")
    import uvicorn

    from ggzy_credit.web.app import create_app

    subject_id, name, record_id, users = _seed(db, cipher)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(db.settings, db.engine),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", subject_id, name, record_id, users)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser(chromium):  # type: ignore[no-untyped-def]
    """A fresh browser context per test (own cookies), desktop size; ``new_context`` for more."""
    contexts = []

    class Factory:
        def new(self, width: int = 1366, height: int = 768):  # type: ignore[no-untyped-def]
            context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(10_000)
            return page

    yield Factory()
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, site: Site, role: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/login")
    page.get_by_label("用户名").fill(site.users[role])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()


@pytest.fixture
def helpers():  # type: ignore[no-untyped-def]
    class H:
        pass

    h = H()
    h.shot = shot  # type: ignore[attr-defined]
    h.login = login  # type: ignore[attr-defined]
    return h
