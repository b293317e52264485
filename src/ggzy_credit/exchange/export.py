"""Bulk export of public data: published credit records as JSON Lines or CSV, cut at a ledger head.

"Published" is exactly what the portal shows (``portal.publication.published``): the item and its
standard are public, the record is not revoked or corrected, and no repair has taken it off public
display. Identities are as the public sees them: the USCC of organisations, the stored masked ID
number of natural persons, never a phone. The cut is consistent: records up to the highest id at the
moment of the cut, together with the ledger's size and latest signed tree head at that moment, so a
consumer can check any exported record's inclusion proof against a head.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import Platform, Standard, StandardItem
from ggzy_credit.subjects.models import Subject

SCHEMA_VERSION = "1"
# (field, type, meaning) — the documented schema (docs/exchange.md "Public export").
FIELDS: list[tuple[str, str, str]] = [
    ("record_id", "integer", "信用记录 ID（账本 entity_id）"),
    ("platform", "string", "平台代码"),
    ("platform_name", "string", "平台名称"),
    ("external_id", "string", "来源系统中的记录编号"),
    ("subject_id", "integer", "经营主体 ID"),
    ("subject_type", "string", "legal（法人）或 natural（自然人）"),
    ("subject_name", "string", "主体名称或姓名"),
    ("uscc", "string|null", "统一社会信用代码（法人）"),
    ("id_number_masked", "string|null", "身份证号码（脱敏，自然人）"),
    ("item_code", "string", "信用事项代码"),
    ("item_name", "string", "信用事项名称"),
    ("category", "string", "事项类别"),
    ("item_kind", "string", "deduction | record_only | commendation"),
    ("points", "integer", "扣分分值（0：仅记录或表彰）"),
    ("standard_version", "string", "适用的评估标准版本"),
    ("occurred_on", "date", "行为发生日期"),
    ("deducted_on", "date", "扣分（记录）日期"),
    ("project_code", "string|null", "项目编号"),
    ("project_name", "string|null", "项目名称"),
    ("description", "string|null", "事实描述"),
    ("source", "string", "信息来源"),
]
NAMES = [f[0] for f in FIELDS]
# The non-public export (approved bulk_export) adds two flags.
APPROVED_FIELDS = [
    *FIELDS,
    ("published", "boolean", "是否在门户公开展示"),
    ("removed", "boolean", "是否已撤销或更正（不再有效）"),
]
APPROVED_NAMES = [f[0] for f in APPROVED_FIELDS]


@dataclass(frozen=True)
class Cut:
    """Where an export was cut: the records it covers and the ledger state at that moment."""

    cut_at: datetime
    max_record_id: int
    ledger_size: int | None
    ledger_head: dict[str, Any] | None

    def manifest(
        self,
        records: int | None = None,
        sha256: str | None = None,
        fmt: str | None = None,
        fields: list[tuple[str, str, str]] | None = None,
        dataset: str = "public_credit_records",
    ) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "dataset": dataset,
            "format": fmt,
            "cut_at": self.cut_at.isoformat(),
            "max_record_id": self.max_record_id,
            "ledger_size": self.ledger_size,
            "ledger_head": self.ledger_head,
            "records": records,
            "sha256": sha256,
            "fields": [{"name": n, "type": t, "description": d} for n, t, d in fields or FIELDS],
        }


def cut(session: Session) -> Cut:
    max_id = session.scalar(select(func.max(CreditRecord.id))) or 0
    size, head = _ledger_state(session)
    return Cut(clock.now(), max_id, size, head)


def _ledger_state(session: Session) -> tuple[int | None, dict[str, Any] | None]:
    """The ledger's size and latest signed head (None when the ledger feature is not installed)."""
    try:
        from ggzy_credit.ledger import service as ledger
        from ggzy_credit.ledger import store
    except ImportError:
        return None, None
    head = ledger.latest_head(session)
    return store.size(session), head.to_json() if head is not None else None


def rows(
    session: Session,
    at: Cut,
    *,
    subject_ids: Sequence[int] | None = None,
    platforms: frozenset[str] | None = None,
    batch: int = 2000,
) -> Iterator[dict[str, Any]]:
    """Records up to the cut, in id order, streamed in batches (keyset pagination).

    Without ``subject_ids``: the published records (the public export). With them: every record of
    those subjects, published or not, revoked or not, with ``published`` and ``removed`` flags — the
    non-public export an approved ``bulk_export`` grant allows.
    """
    from ggzy_credit.portal.publication import published, removed_ids

    shown = published(session, at.cut_at.date())
    conditions: list[Any] = [CreditRecord.id <= at.max_record_id]
    extra: list[Any] = []
    if subject_ids is None:
        conditions.append(shown)
    else:
        conditions.append(CreditRecord.subject_id.in_(list(subject_ids)))
        extra = [case((shown, True), else_=False), CreditRecord.id.in_(removed_ids())]
    if platforms is not None:
        conditions.append(Platform.code.in_(sorted(platforms)))
    last = 0
    while True:
        page = session.execute(
            select(
                CreditRecord,
                Platform.code,
                Platform.name,
                Subject.type,
                Subject.name,
                Subject.uscc,
                Subject.id_number_masked,
                StandardItem.name,
                StandardItem.category,
                StandardItem.kind,
                Standard.version,
                *extra,
            )
            .join(Platform, Platform.id == CreditRecord.platform_id)
            .join(Subject, Subject.id == CreditRecord.subject_id)
            .join(StandardItem, StandardItem.id == CreditRecord.item_id)
            .join(Standard, Standard.id == CreditRecord.standard_id)
            .where(CreditRecord.id > last, *conditions)
            .order_by(CreditRecord.id)
            .limit(batch)
        ).all()
        if not page:
            return
        for rec, code, pname, stype, sname, uscc, masked, iname, category, ikind, version, *flags in page:
            out = {
                "record_id": rec.id,
                "platform": code,
                "platform_name": pname,
                "external_id": rec.external_id,
                "subject_id": rec.subject_id,
                "subject_type": stype,
                "subject_name": sname,
                "uscc": uscc if stype == "legal" else None,
                "id_number_masked": masked if stype == "natural" else None,
                "item_code": rec.item_code,
                "item_name": iname,
                "category": category,
                "item_kind": ikind,
                "points": rec.points,
                "standard_version": version,
                "occurred_on": rec.occurred_on.isoformat(),
                "deducted_on": rec.deducted_on.isoformat(),
                "project_code": rec.project_code,
                "project_name": rec.project_name,
                "description": rec.description,
                "source": rec.source,
            }
            if flags:
                out["published"], out["removed"] = bool(flags[0]), bool(flags[1])
            yield out
        last = page[-1][0].id


def encode(records: Iterator[dict[str, Any]], fmt: str, names: list[str] | None = None) -> Iterator[bytes]:
    """JSON Lines (one object per line) or CSV (UTF-8 with BOM, header row of field names)."""
    if fmt == "jsonl":
        for record in records:
            yield (json.dumps(record, ensure_ascii=False) + "\n").encode()
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names or NAMES, lineterminator="\r\n")
    writer.writeheader()
    yield ("\ufeff" + buffer.getvalue()).encode()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: ("" if v is None else v) for k, v in record.items()})
        yield buffer.getvalue().encode()
