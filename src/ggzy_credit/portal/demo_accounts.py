"""Portal accounts for the demo data set (``ggzy-credit demo``): one per role, so every area of the
portal can be tried after ``make run``. Passwords are random, shown by ``ggzy-credit serve`` and kept
in ``var/demo-accounts.json`` (mode 0600), like the demo tokens."""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.accounts import create_user
from ggzy_credit.auth.roles import Role
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.subjects.models import Subject

FILE = "demo-accounts.json"
ACCOUNTS = [
    ("entity-demo", Role.SUBJECT, "演示经营主体", None),
    ("recorder-demo", Role.RECORDER, "演示记录员", None),
    ("reviewer-demo", Role.REVIEWER, "演示复核员", None),
    ("admin-demo", Role.ADMIN, "演示管理员", None),
    ("regulator-demo", Role.REGULATOR, "演示监管人员", "市住房和城乡建设管理委员会"),
]


def busiest_company(session: Session) -> int | None:
    """The organisation with the most records in the last 12 months: an interesting account to show."""
    since = clock.today() - timedelta(days=365)
    return session.scalar(
        select(CreditRecord.subject_id)
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .where(Subject.type == "legal", CreditRecord.deducted_on > since)
        .group_by(CreditRecord.subject_id)
        .order_by(func.count().desc(), CreditRecord.subject_id)
        .limit(1)
    )


def create(session: Session, var_dir: Path) -> Path | None:
    """Create the accounts (once) and write their passwords to ``var_dir/demo-accounts.json``."""
    subject_id = busiest_company(session)
    if subject_id is None:
        return None
    out: dict[str, dict[str, str]] = {}
    for username, role, display, organisation in ACCOUNTS:
        password = secrets.token_urlsafe(9) + "-Aa1"
        create_user(
            session,
            username=username,
            password=password,
            role=role,
            display_name=display,
            organisation=organisation,
            subject_ids=[subject_id] if role is Role.SUBJECT else (),
        )
        out[username] = {"role": role.value, "password": password}
    path = var_dir / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False, indent=2)
    return path


def lines(var_dir: Path) -> list[str]:
    """``username  role  password`` lines for the serve banner (empty without a demo)."""
    path = var_dir / FILE
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [f"{name:<16} {entry['role']:<10} {entry['password']}" for name, entry in data.items()]
