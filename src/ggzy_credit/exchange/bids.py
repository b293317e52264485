"""Importing per-project bid-submission metadata: the input of the collusion warnings.

One row per bidder per project (platform, project code, bidder). Bidders must be registered:
bid metadata never registers subjects. A row already stored with the same content is a duplicate;
with different content it is refused (the trading system exports the final submission only, so a
change means the two exports disagree and a person has to look).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput
from ggzy_credit.exchange import matching
from ggzy_credit.exchange.formats import Problem, Table
from ggzy_credit.exchange.models import BidSubmission
from ggzy_credit.exchange.report import CREATED, DUPLICATE, ImportReport, RowOutcome
from ggzy_credit.exchange.rows import BidRow, parse_row
from ggzy_credit.exchange.sources import Source
from ggzy_credit.pii.cipher import PiiCipher, mask_phone
from ggzy_credit.standards.models import Platform
from ggzy_credit.subjects.models import Subject
from ggzy_credit.subjects.phones import valid_phone
from ggzy_credit.subjects.service import PHONE_COLUMN

PHONE_ENC_COLUMN = "bid_submissions.contact_phone"
EMAIL_COLUMN = "contact.email"


@dataclass
class _Bid:
    out: RowOutcome
    row: BidRow
    platform_id: int
    key: matching.Key | None
    phone: str | None
    values: dict[str, object] | None = None


def mask_email(value: str) -> str:
    """``zhangwei@example.com`` → ``z***@example.com``."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def import_bids(
    session: Session, cipher: PiiCipher, source: Source, table: Table, report: ImportReport
) -> None:
    platforms = dict(session.execute(select(Platform.code, Platform.id)).tuples().all())
    bids: list[_Bid] = []
    for raw in table.rows:
        out = RowOutcome(raw.line, None)
        report.rows.append(out)
        row, problems = parse_row(BidRow, raw)
        if row is None:
            out.reject(problems)
            continue
        out.key = f"{row.platform}/{row.project_code}"
        platform_id = platforms.get(row.platform)
        if platform_id is None:
            out.reject([Problem(raw.line, "platform", f"平台代码 {row.platform} 不存在")])
            continue
        phone = None
        if row.contact_phone:
            try:
                phone = valid_phone(row.contact_phone, "contact_phone")
            except InvalidInput as exc:
                out.reject([Problem(raw.line, "contact_phone", exc.problems[0].msg)])
                continue
        key = None
        if row.bidder_id is None:
            key, _, problems = matching.identify(
                cipher, row.bidder_uscc, row.bidder_id_number, raw.line, "bidder_"
            )
            if key is None:
                out.reject(problems)
                continue
        bids.append(_Bid(out, row, platform_id, key, phone))
    _resolve_bidders(session, bids)
    bids = [b for b in bids if b.out.subject_id is not None]
    for b in bids:
        b.values = _values(cipher, source, b, report.run_id)
    _write(session, bids)


def _resolve_bidders(session: Session, bids: list[_Bid]) -> None:
    found = matching.lookup(session, [b.key for b in bids if b.key is not None])
    wanted = list({b.row.bidder_id for b in bids if b.row.bidder_id is not None})
    known: set[int] = set()
    for start in range(0, len(wanted), 500):
        known.update(session.scalars(select(Subject.id).where(Subject.id.in_(wanted[start : start + 500]))))
    for b in bids:
        sid = (
            found.get(b.key) if b.key is not None else (b.row.bidder_id if b.row.bidder_id in known else None)
        )
        if sid is None:
            field = "bidder_id" if b.key is None else "bidder_" + b.key[0].removesuffix("_index")
            b.out.reject([Problem(b.out.line, field, "投标人未在本平台登记（投标元数据不自动登记主体）")])
        else:
            b.out.matched, b.out.subject_id = True, sid


def _values(cipher: PiiCipher, source: Source, b: _Bid, run_id: int | None) -> dict[str, object]:
    row = b.row
    values: dict[str, object] = {
        "platform_id": b.platform_id,
        "project_code": row.project_code,
        "project_name": row.project_name,
        "bidder_id": b.out.subject_id,
        "price_fen": row.price_fen(),
        "submitted_at": row.submitted_at,
        "file_hash": row.file_hash,
        "machine_fingerprint": row.machine_fingerprint,
        "ip": row.ip,
        "contact_phone_index": cipher.blind_index(b.phone, PHONE_COLUMN) if b.phone else None,
        "contact_email_index": cipher.blind_index(row.contact_email, EMAIL_COLUMN)
        if row.contact_email
        else None,
    }
    values["payload_hash"] = _digest(values)
    values |= {
        "contact_phone_enc": cipher.encrypt(b.phone, PHONE_ENC_COLUMN) if b.phone else None,
        "contact_phone_masked": mask_phone(b.phone) if b.phone else None,
        "contact_email_enc": cipher.encrypt(row.contact_email, EMAIL_COLUMN) if row.contact_email else None,
        "contact_email_masked": mask_email(row.contact_email) if row.contact_email else None,
        "source": source.name,
        "import_run_id": run_id,
    }
    return values


def _digest(values: dict[str, object]) -> str:
    keyed = {
        k: (v.astimezone(clock.CHINA).isoformat() if k == "submitted_at" else v)  # type: ignore[attr-defined]
        for k, v in values.items()
    }
    return hashlib.sha256(json.dumps(keyed, sort_keys=True, default=str).encode()).hexdigest()


def _write(session: Session, bids: list[_Bid]) -> None:
    existing = _existing(session, {(b.platform_id, b.row.project_code) for b in bids})
    seen: dict[tuple[int, str, int], _Bid] = {}
    fresh: list[_Bid] = []
    for b in bids:
        assert b.values is not None and b.out.subject_id is not None
        key = (b.platform_id, b.row.project_code, b.out.subject_id)
        if key in existing:
            sid, digest = existing[key]
            b.out.record_id = sid
            if digest == b.values["payload_hash"]:
                b.out.outcome = DUPLICATE
            else:
                b.out.reject(
                    [Problem(b.out.line, "project_code", f"该投标人在本项目已有内容不同的递交记录（{sid}）")]
                )
        elif key in seen:
            first = seen[key]
            if first.values == b.values:
                b.out.outcome = DUPLICATE
                b.out.notes.append(f"与第 {first.out.line} 行重复")
            else:
                b.out.reject(
                    [
                        Problem(
                            b.out.line,
                            "project_code",
                            f"与第 {first.out.line} 行为同一投标人同一项目而内容不同",
                        )
                    ]
                )
        else:
            seen[key] = b
            fresh.append(b)
    if not fresh:
        return
    now = clock.now()
    session.execute(insert(BidSubmission), [b.values | {"created_at": now} for b in fresh])  # type: ignore[operator]
    ids = _existing(session, {(b.platform_id, b.row.project_code) for b in fresh})
    for b in fresh:
        assert b.out.subject_id is not None
        b.out.outcome = CREATED
        b.out.record_id = ids[(b.platform_id, b.row.project_code, b.out.subject_id)][0]


def _existing(
    session: Session, projects: set[tuple[int, str]]
) -> dict[tuple[int, str, int], tuple[int, str]]:
    out: dict[tuple[int, str, int], tuple[int, str]] = {}
    wanted = list(projects)
    for start in range(0, len(wanted), 400):
        rows = session.execute(
            select(
                BidSubmission.platform_id,
                BidSubmission.project_code,
                BidSubmission.bidder_id,
                BidSubmission.id,
                BidSubmission.payload_hash,
            ).where(
                tuple_(BidSubmission.platform_id, BidSubmission.project_code).in_(wanted[start : start + 400])
            )
        )
        for platform_id, project, bidder, sid, digest in rows:
            out[(platform_id, project, bidder)] = (sid, digest)
    return out
