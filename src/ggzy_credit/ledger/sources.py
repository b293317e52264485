"""Ledger sources for the foundation tables: credit records, evidence, subjects, standard versions.

Payloads hold what the event established, recomputable from the live row: dates as ISO strings,
instants as ISO 8601 in Asia/Shanghai with microseconds (``AwareDateTime`` reads every database
back in that zone), never clear-text personal data (ID numbers and phones only as their blind
indexes and masked copies).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from ggzy_credit.clock import CHINA
from ggzy_credit.ledger import sqljson
from ggzy_credit.ledger.canonical import MAX_SAFE_INTEGER
from ggzy_credit.ledger.registry import EntitySource, IdFilter, LiveRow, register
from ggzy_credit.records.models import CreditRecord, Evidence
from ggzy_credit.standards.models import Standard, StandardItem
from ggzy_credit.subjects.models import Subject, SubjectKindRow

RECORDS, EVIDENCE, SUBJECTS, STANDARDS = "credit_records", "evidence", "subjects", "standards"
RECORD_CREATED = "record.created"
EVIDENCE_ATTACHED = "evidence.attached"
SUBJECT_CREATED, SUBJECT_UPDATED = "subject.created", "subject.updated"
STANDARD_FILED, STANDARD_DRAFTED = "standard.filed", "standard.drafted"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # only if a row bypassed AwareDateTime; it stores UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).isoformat(timespec="microseconds")


_RECORD_COLUMNS = (
    CreditRecord.id,
    CreditRecord.platform_id,
    CreditRecord.external_id,
    CreditRecord.subject_id,
    CreditRecord.standard_id,
    CreditRecord.item_id,
    CreditRecord.item_code,
    CreditRecord.points,
    # Raw column values, no type processing: verify streams millions of these rows.
    type_coerce(CreditRecord.occurred_on, String),
    type_coerce(CreditRecord.deducted_on, String),
    CreditRecord.project_code,
    CreditRecord.project_name,
    CreditRecord.description,
    CreditRecord.source,
    CreditRecord.recorded_by,
    type_coerce(CreditRecord.recorded_at, String),
    CreditRecord.payload_hash,
)


def load_records(session: Session, where: IdFilter) -> list[LiveRow]:
    rows = (
        session.connection()
        .execute(select(*_RECORD_COLUMNS).where(where.on(CreditRecord.id)).order_by(CreditRecord.id))
        .all()
    )
    return [
        LiveRow(
            rid,
            {
                "deducted_on": _raw_day(deducted_on),
                "description": description,
                "external_id": external_id,
                "id": rid,
                "item_code": item_code,
                "item_id": item_id,
                "occurred_on": _raw_day(occurred_on),
                "payload_hash": payload_hash,
                "platform_id": platform_id,
                "points": points,
                "project_code": project_code,
                "project_name": project_name,
                "recorded_at": _raw_instant(recorded_at),
                "recorded_by": recorded_by,
                "source": source,
                "standard_id": standard_id,
                "subject_id": subject_id,
            },
        )
        for (
            rid,
            platform_id,
            external_id,
            subject_id,
            standard_id,
            item_id,
            item_code,
            points,
            occurred_on,
            deducted_on,
            project_code,
            project_name,
            description,
            source,
            recorded_by,
            recorded_at,
            payload_hash,
        ) in rows
    ]


def encode_record(kind: str, entity_id: int, p: dict[str, Any]) -> bytes:
    """:func:`~ggzy_credit.ledger.encoding.event_bytes` of a record payload, specialised for speed.

    Used by verify only, which re-encodes with the reference encoder before reporting a mismatch
    (an unexpected type here raises or mismatches; it can never make a changed row pass).
    """
    s = _nstr
    return (
        f'{{"entity":"credit_records","entity_id":{entity_id},"kind":{s(kind)},"payload":{{'
        f'"deducted_on":{s(p["deducted_on"])},"description":{s(p["description"])},'
        f'"external_id":{s(p["external_id"])},"id":{_int(p["id"])},"item_code":{s(p["item_code"])},'
        f'"item_id":{_int(p["item_id"])},"occurred_on":{s(p["occurred_on"])},'
        f'"payload_hash":{s(p["payload_hash"])},"platform_id":{_int(p["platform_id"])},'
        f'"points":{_int(p["points"])},"project_code":{s(p["project_code"])},'
        f'"project_name":{s(p["project_name"])},"recorded_at":{s(p["recorded_at"])},'
        f'"recorded_by":{s(p["recorded_by"])},"source":{s(p["source"])},'
        f'"standard_id":{_int(p["standard_id"])},"subject_id":{_int(p["subject_id"])}}}}}'
    ).encode()


def record_members() -> list[sqljson.Member]:
    """The record payload for the database to render (must equal ``load_records`` + ``event_bytes``)."""
    r = CreditRecord
    return [
        ("deducted_on", r.deducted_on, "text"),
        ("description", r.description, "text"),
        ("external_id", r.external_id, "text"),
        ("id", r.id, "int"),
        ("item_code", r.item_code, "text"),
        ("item_id", r.item_id, "int"),
        ("occurred_on", r.occurred_on, "text"),
        ("payload_hash", r.payload_hash, "text"),
        ("platform_id", r.platform_id, "int"),
        ("points", r.points, "int"),
        ("project_code", r.project_code, "text"),
        ("project_name", r.project_name, "text"),
        ("recorded_at", r.recorded_at, "instant"),
        ("recorded_by", r.recorded_by, "text"),
        ("source", r.source, "text"),
        ("standard_id", r.standard_id, "int"),
        ("subject_id", r.subject_id, "int"),
    ]


def _nstr(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)  # TypeError for non-strings


def _int(value: int) -> int:
    if value.__class__ is not int:
        raise TypeError("not an int")
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise ValueError("integer outside the range canonical JSON can hold")
    return value


def _raw_day(value: str | date | None) -> str | None:
    """SQLite hands back the stored ISO text, PostgreSQL a ``date``."""
    if value is None or value.__class__ is str:
        return value  # type: ignore[return-value]
    return value.isoformat()  # type: ignore[union-attr]


@lru_cache(maxsize=4096)
def _raw_instant(value: str | datetime | None) -> str | None:
    """SQLite: UTC text as ``AwareDateTime`` stored it; PostgreSQL: an aware ``datetime``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return _instant(value)


def records_public(session: Session, rows: list[LiveRow]) -> dict[int, bool]:
    """A record's leaf is public when its item is published on the portal (``public``)."""
    item_ids = sorted({r.payload["item_id"] for r in rows})
    public = dict(
        session.connection()
        .execute(select(StandardItem.id, StandardItem.public).where(StandardItem.id.in_(item_ids)))
        .all()
    )
    return {r.id: bool(public.get(r.payload["item_id"], False)) for r in rows}


def load_evidence(session: Session, where: IdFilter) -> list[LiveRow]:
    rows = session.connection().execute(
        select(
            Evidence.id,
            Evidence.record_id,
            Evidence.sha256,
            Evidence.filename,
            Evidence.content_type,
            Evidence.size,
            Evidence.uploaded_by,
            Evidence.uploaded_at,
        )
        .where(where.on(Evidence.id))
        .order_by(Evidence.id)
    )
    return [
        LiveRow(
            eid,
            {
                "id": eid,
                "record_id": record_id,
                "sha256": sha256,
                "filename": filename,
                "content_type": content_type,
                "size": size,
                "uploaded_by": uploaded_by,
                "uploaded_at": _instant(uploaded_at),
            },
        )
        for eid, record_id, sha256, filename, content_type, size, uploaded_by, uploaded_at in rows
    ]


def _never_public(_session: Session, rows: list[LiveRow]) -> dict[int, bool]:
    """Evidence file names may name people; the hash of the file is what matters to a verifier."""
    return {r.id: False for r in rows}


_SUBJECT_FIELDS = (
    "id",
    "type",
    "name",
    "uscc",
    "id_number_index",
    "id_number_masked",
    "gender",
    "phone_index",
    "phone_masked",
    "address",
    "legal_representative",
    "contact_person",
    "intermediary_id",
)


def load_subjects(session: Session, where: IdFilter) -> list[LiveRow]:
    """Identity data: names and identifiers, PII only as blind index and masked copy."""
    columns = [getattr(Subject, f) for f in _SUBJECT_FIELDS]
    rows = (
        session.connection().execute(select(*columns).where(where.on(Subject.id)).order_by(Subject.id)).all()
    )
    kinds: dict[int, list[str]] = {}
    if rows:
        for sid, kind in session.connection().execute(
            select(SubjectKindRow.subject_id, SubjectKindRow.kind)
            .where(where.on(SubjectKindRow.subject_id))
            .order_by(SubjectKindRow.subject_id, SubjectKindRow.kind)
        ):
            kinds.setdefault(sid, []).append(kind)
    out = []
    for row in rows:
        payload: dict[str, Any] = dict(zip(_SUBJECT_FIELDS, row, strict=True))
        payload["kinds"] = kinds.get(row[0], [])
        out.append(LiveRow(row[0], payload))
    return out


def subjects_public(_session: Session, rows: list[LiveRow]) -> dict[int, bool]:
    """Natural persons' names and addresses are personal data: their leaves are withheld."""
    return {r.id: r.payload["type"] == "legal" for r in rows}


_STANDARD_FIELDS = (
    "id",
    "platform_id",
    "version",
    "title",
    "status",
    "filed_on",
    "filed_with",
    "effective_from",
    "published",
    "rules",
)
_ITEM_FIELDS = (
    "id",
    "code",
    "name",
    "category",
    "applies_to",
    "kind",
    "points",
    "severity",
    "legal_basis",
    "public",
)


def load_standards(session: Session, where: IdFilter) -> list[LiveRow]:
    """A standard version with every item: what was filed (备案) is what scores records."""
    columns = [getattr(Standard, f) for f in _STANDARD_FIELDS]
    rows = (
        session.connection()
        .execute(select(*columns).where(where.on(Standard.id)).order_by(Standard.id))
        .all()
    )
    items: dict[int, list[dict[str, Any]]] = {}
    if rows:
        item_columns = [getattr(StandardItem, f) for f in _ITEM_FIELDS]
        for standard_id, *values in session.connection().execute(
            select(StandardItem.standard_id, *item_columns)
            .where(where.on(StandardItem.standard_id))
            .order_by(StandardItem.standard_id, StandardItem.code, StandardItem.id)
        ):
            item = dict(zip(_ITEM_FIELDS, values, strict=True))
            item["applies_to"] = list(item["applies_to"])
            items.setdefault(standard_id, []).append(item)
    out = []
    for row in rows:
        payload: dict[str, Any] = dict(zip(_STANDARD_FIELDS, row, strict=True))
        payload["filed_on"] = _day(payload["filed_on"])
        payload["effective_from"] = _day(payload["effective_from"])
        payload["items"] = items.get(row[0], [])
        out.append(LiveRow(row[0], payload))
    return out


def standards_public(_session: Session, rows: list[LiveRow]) -> dict[int, bool]:
    return {r.id: bool(r.payload["published"]) for r in rows}


register(
    EntitySource(
        RECORDS,
        CreditRecord.id,
        load_records,
        records_public,
        label="信用记录",
        fast_encode=encode_record,
        sql_members=record_members,
    )
)
register(EntitySource(EVIDENCE, Evidence.id, load_evidence, _never_public, label="证据材料"))
register(EntitySource(SUBJECTS, Subject.id, load_subjects, subjects_public, label="经营主体"))
register(EntitySource(STANDARDS, Standard.id, load_standards, standards_public, label="评估标准版本"))
