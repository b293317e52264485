"""Same-day credit records: validation and all-or-nothing, idempotent, set-based ingestion.

One batch costs a fixed number of statements whatever its size (PostgreSQL; SQLite splits long
``IN`` lists into chunks of 500): subjects, their kinds and existing keys are fetched with one query
each; standards come from a snapshot cached across requests (``standards.catalog``, one version
check per batch); new rows get their ids from the sequence in one query and go in with one
``COPY`` (SQLite: one INSERT … RETURNING). The ledger leaves, notices and outbox rows that follow
are set-based too, all in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from sqlalchemy import ARRAY, Integer, String, and_, bindparam, func, insert, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.db.bulk import insert_rows, is_postgresql, member_filters, next_ids
from ggzy_credit.errors import Conflict, FieldProblem, InvalidInput
from ggzy_credit.exchange import outbox
from ggzy_credit.identifiers import valid_id_number, valid_uscc
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.sources import RECORD_CREATED, RECORDS
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.standards.catalog import ItemInfo, catalog
from ggzy_credit.subjects.models import Subject, SubjectKindRow
from ggzy_credit.subjects.service import ID_COLUMN


@dataclass
class Outcome:
    index: int
    id: int
    points: int
    created: bool


@dataclass
class _Prepared:
    index: int
    row: dict[str, object]
    deducted_explicit: bool
    platform_name: str
    item_name: str


def ingest(
    session: Session,
    cipher: PiiCipher,
    records: Sequence[RecordIn],
    recorded_by: str,
    *,
    loc_prefix: tuple[str | int, ...] = ("body", "records"),
    with_index: bool = True,
) -> list[Outcome]:
    """Validate every row, then write the new ones. Raises before writing anything if any row is bad."""
    problems: list[FieldProblem] = []

    def loc(i: int, field: str) -> tuple[str | int, ...]:
        return (*loc_prefix, i, field) if with_index else (*loc_prefix, field)

    subject_ids = _resolve_subjects(session, cipher, records, problems, loc)
    kinds = _kinds_of(session, {s for s in subject_ids.values() if s is not None})
    resolver = catalog(session)
    today = clock.today()
    prepared: list[_Prepared] = []
    for i, rec in enumerate(records):
        before = len(problems)
        deducted_on = rec.deducted_on or today
        if deducted_on > today:
            problems.append(
                FieldProblem(loc(i, "deducted_on"), f"扣分日期 {deducted_on} 晚于当日 {today}", "future_date")
            )
        if rec.occurred_on > today:
            problems.append(
                FieldProblem(loc(i, "occurred_on"), f"发生日期 {rec.occurred_on} 晚于当日", "future_date")
            )
        elif rec.occurred_on > deducted_on:
            problems.append(FieldProblem(loc(i, "occurred_on"), "发生日期不能晚于扣分日期", "date_order"))
        platform = resolver.platform(rec.platform)
        item: ItemInfo | None = None
        if platform is None:
            problems.append(
                FieldProblem(loc(i, "platform"), f"平台代码 {rec.platform} 不存在", "unknown_code")
            )
        else:
            resolved = resolver.resolve(rec.platform, deducted_on)
            if resolved is None:
                problems.append(
                    FieldProblem(
                        loc(i, "deducted_on"), f"{deducted_on} 该平台没有已备案生效的评估标准", "no_standard"
                    )
                )
            else:
                standard, items = resolved
                item = items.get(rec.item_code)
                if item is None:
                    problems.append(
                        FieldProblem(
                            loc(i, "item_code"),
                            f"信用事项 {rec.item_code} 不在 {deducted_on} 生效的"
                            f"评估标准（{standard.version} 版）中",
                            "unknown_code",
                        )
                    )
        subject_id = subject_ids.get(i)
        if (
            item is not None
            and subject_id is not None
            and not set(item.applies_to) & kinds.get(subject_id, set())
        ):
            problems.append(
                FieldProblem(
                    loc(i, "item_code"),
                    f"信用事项 {item.code} 适用于 {'、'.join(item.applies_to)}，与该主体类别不符",
                    "not_applicable",
                )
            )
        if len(problems) > before or item is None or subject_id is None or platform is None:
            continue
        row = {
            "platform_id": platform.id,
            "external_id": rec.external_id,
            "subject_id": subject_id,
            "standard_id": item.standard_id,
            "item_id": item.id,
            "item_code": item.code,
            "points": item.points,
            "occurred_on": rec.occurred_on,
            "deducted_on": deducted_on,
            "project_code": rec.project_code,
            "project_name": rec.project_name,
            "description": rec.description,
            "source": rec.source.value,
            "recorded_by": recorded_by,
        }
        row["payload_hash"] = payload_hash(row)
        prepared.append(_Prepared(i, row, rec.deducted_on is not None, platform.name, item.name))
    if problems:
        raise InvalidInput(problems)
    return _write(session, prepared, loc)


_HASH_KEYS = (
    "platform_id",
    "external_id",
    "subject_id",
    "item_code",
    "occurred_on",
    "project_code",
    "project_name",
    "description",
    "source",
)
# What json.dumps(..., sort_keys=True, default=str, ensure_ascii=False) builds per call, built once.
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)


def payload_hash(row: dict[str, object]) -> str:
    """What makes two pushes 'the same record' (deduction date compared separately).

    The SHA-256 of ``json.dumps(…, sort_keys=True, default=str, ensure_ascii=False)`` of the
    :data:`_HASH_KEYS` (stored hashes depend on these exact bytes). Rows of the usual types are
    written with one format string, the same bytes (tested); anything else takes the encoder.
    """
    platform_id, subject_id, occurred_on = row["platform_id"], row["subject_id"], row["occurred_on"]
    try:
        if type(platform_id) is not int or type(subject_id) is not int or type(occurred_on) is not date:
            raise TypeError
        s = _json_text
        canonical = (
            f'{{"description": {s(row["description"])}, "external_id": {s(row["external_id"])}, '
            f'"item_code": {s(row["item_code"])}, "occurred_on": "{occurred_on.isoformat()}", '
            f'"platform_id": {platform_id}, "project_code": {s(row["project_code"])}, '
            f'"project_name": {s(row["project_name"])}, "source": {s(row["source"])}, '
            f'"subject_id": {subject_id}}}'
        )
    except TypeError:
        canonical = _HASH_ENCODER.encode({k: row[k] for k in _HASH_KEYS})
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json_text(value: object) -> str:
    """A ``str`` or ``None`` as the encoder writes it; ``TypeError`` for anything else."""
    if value is None:
        return "null"
    if type(value) is not str:
        raise TypeError
    return encode_basestring(value)  # type: ignore[no-any-return]


def _write(session: Session, prepared: list[_Prepared], loc) -> list[Outcome]:  # type: ignore[no-untyped-def]
    keyed = [p for p in prepared if p.row["external_id"] is not None]
    existing = _existing(session, {(p.row["platform_id"], p.row["external_id"]) for p in keyed})
    outcomes: list[Outcome] = []
    seen: dict[tuple[object, object], _Prepared] = {}
    conflicts: list[FieldProblem] = []
    fresh: list[_Prepared] = []
    for p in prepared:
        key = (p.row["platform_id"], p.row["external_id"])
        if p.row["external_id"] is None:
            p.row["external_id"] = _generated_id()
            fresh.append(p)
            continue
        if key in existing:
            rid, points, digest, deducted_on = existing[key]
            if digest != p.row["payload_hash"] or (
                p.deducted_explicit and deducted_on != p.row["deducted_on"]
            ):
                conflicts.append(
                    FieldProblem(
                        loc(p.index, "external_id"),
                        f"编号 {key[1]} 已存在且内容不同（记录 {rid}）",
                        "conflict",
                    )
                )
            else:
                outcomes.append(Outcome(p.index, rid, points, created=False))
            continue
        if key in seen:
            first = seen[key]
            if (
                first.row["payload_hash"] != p.row["payload_hash"]
                or first.row["deducted_on"] != p.row["deducted_on"]
            ):
                conflicts.append(
                    FieldProblem(
                        loc(p.index, "external_id"), f"批次内编号 {key[1]} 重复且内容不同", "conflict"
                    )
                )
            continue
        seen[key] = p
        fresh.append(p)
    if conflicts:
        raise Conflict("部分记录与已有记录冲突，整批未写入", problems=[c.as_dict() for c in conflicts])
    now = clock.now()
    for p in fresh:
        p.row["recorded_at"] = now
    ids: dict[tuple[object, object], int] = {}
    if fresh:
        new_ids = _insert(session, [p.row for p in fresh])
        ids = {
            (p.row["platform_id"], p.row["external_id"]): rid for p, rid in zip(fresh, new_ids, strict=True)
        }
        created = sorted(new_ids)
        # Each subject is told of its new records (in-app notice + outbox row), set-based.
        from ggzy_credit.workflows.notifications import NewRecord, notify_new_records

        notify_new_records(
            session,
            [
                NewRecord(
                    rid,
                    p.row["subject_id"],  # type: ignore[arg-type]
                    p.row["points"],  # type: ignore[arg-type]
                    p.row["deducted_on"],  # type: ignore[arg-type]
                    p.platform_name,
                    p.item_name,
                )
                for p, rid in zip(fresh, new_ids, strict=True)
            ],
        )
        # record.created webhooks, queued in this transaction too (exchange outbox).
        outbox.records_created(session, [p.row | {"id": rid} for p, rid in zip(fresh, new_ids, strict=True)])
        # One ledger leaf per new record, in this transaction (a rollback leaves no leaf). Last: the
        # append takes the log's lock until commit, so concurrent batches wait for the shortest time.
        ledger.log_rows(session, RECORD_CREATED, RECORDS, created)
    inserted = {id(p) for p in fresh}
    for p in prepared:
        key = (p.row["platform_id"], p.row["external_id"])
        if key in ids:
            outcomes.append(Outcome(p.index, ids[key], int(p.row["points"]), created=id(p) in inserted))  # type: ignore[call-overload]
    outcomes.sort(key=lambda o: o.index)
    return outcomes


def _insert(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert the new rows; returns their ids, in ``rows`` order (ascending)."""
    table = CreditRecord.__table__
    session.flush()  # the rows reference subjects a caller may have added in this session
    if is_postgresql(session):
        # Ids from the sequence (one query), then COPY: no statement to parse per row, no read-back.
        ids = next_ids(session, table, len(rows))  # type: ignore[arg-type]
        for row, rid in zip(rows, ids, strict=True):
            row["id"] = rid
        insert_rows(session, table, rows, copy_above=0)  # type: ignore[arg-type]
        return ids
    returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(session.scalars(returning, rows))


_KEY_COLUMNS = (
    CreditRecord.platform_id,
    CreditRecord.external_id,
    CreditRecord.id,
    CreditRecord.points,
    CreditRecord.payload_hash,
    CreditRecord.deducted_on,
)


def _existing(
    session: Session, keys: set[tuple[object, object]]
) -> dict[tuple[object, object], tuple[int, int, str, date]]:
    if not keys:
        return {}
    if is_postgresql(session):
        # One query for the whole batch: join the (platform, external id) pairs as two arrays.
        platform_ids, external_ids = zip(*keys, strict=True)
        wanted = (
            func.unnest(
                bindparam("platform_ids", list(platform_ids), type_=ARRAY(Integer)),
                bindparam("external_ids", list(external_ids), type_=ARRAY(String)),
            )
            .table_valued("platform_id", "external_id")
            .render_derived()
        )
        query = select(*_KEY_COLUMNS).join(
            wanted,
            and_(
                CreditRecord.platform_id == wanted.c.platform_id,
                CreditRecord.external_id == wanted.c.external_id,
            ),
        )
        queries = [query]
    else:
        by_platform: dict[object, list[object]] = {}
        for platform_id, external_id in keys:
            by_platform.setdefault(platform_id, []).append(external_id)
        queries = [
            select(*_KEY_COLUMNS).where(CreditRecord.platform_id == platform_id, where)
            for platform_id, external_ids in by_platform.items()
            for where in member_filters(session, CreditRecord.external_id, external_ids)
        ]
    found = {}
    for query in queries:
        for pid, ext, rid, points, digest, deducted_on in session.execute(query):
            found[(pid, ext)] = (rid, points, digest, deducted_on)
    return found


def _resolve_subjects(session, cipher, records, problems, loc) -> dict[int, int | None]:  # type: ignore[no-untyped-def]
    """Map row index → subject id, from whichever single reference the row gives."""
    wanted_ids: dict[int, int] = {}
    wanted_uscc: dict[int, str] = {}
    wanted_index: dict[int, str] = {}
    # A USCC stored verbatim was validated (and compacted) when its subject was registered: look the
    # given values up first, and run the check-digit validation only on the ones not found.
    registered = _lookup(session, Subject.uscc, {r.subject_uscc for r in records if r.subject_uscc})
    for i, rec in enumerate(records):
        given = [
            n
            for n in ("subject_id", "subject_uscc", "subject_id_number")
            if getattr(rec, n) not in (None, "")
        ]
        if len(given) != 1:
            problems.append(
                FieldProblem(
                    loc(i, "subject_id"),
                    "须且只能提供 subject_id、subject_uscc、subject_id_number 之一",
                    "subject_reference",
                )
            )
            continue
        try:
            if rec.subject_id is not None:
                wanted_ids[i] = rec.subject_id
            elif rec.subject_uscc:
                known = rec.subject_uscc in registered
                wanted_uscc[i] = rec.subject_uscc if known else _valid_uscc_cached(rec.subject_uscc)
            else:
                number = valid_id_number(rec.subject_id_number, "subject_id_number")
                wanted_index[i] = cipher.blind_index(number, ID_COLUMN)
        except InvalidInput as exc:
            problems.extend(FieldProblem(loc(i, p.loc[-1]), p.msg, p.type) for p in exc.problems)  # type: ignore[arg-type]
    by_id = _lookup(session, Subject.id, set(wanted_ids.values()))
    by_uscc = registered | _lookup(session, Subject.uscc, set(wanted_uscc.values()) - registered.keys())
    by_index = _lookup(session, Subject.id_number_index, set(wanted_index.values()))
    out: dict[int, int | None] = {}
    for wanted, table, field in (
        (wanted_ids, by_id, "subject_id"),
        (wanted_uscc, by_uscc, "subject_uscc"),
        (wanted_index, by_index, "subject_id_number"),
    ):
        for i, value in wanted.items():
            out[i] = table.get(value)
            if out[i] is None:
                problems.append(
                    FieldProblem(loc(i, field), "未找到对应的经营主体（请先登记）", "unknown_subject")
                )
    return out


def _lookup(session: Session, column, values: set) -> dict:  # type: ignore[no-untyped-def,type-arg]
    found: dict = {}  # type: ignore[type-arg]
    for where in member_filters(session, column, values):
        found.update({key: sid for key, sid in session.execute(select(column, Subject.id).where(where))})
    return found


def _kinds_of(session: Session, subject_ids: set[int]) -> dict[int, set[str]]:
    kinds: dict[int, set[str]] = {}
    for where in member_filters(session, SubjectKindRow.subject_id, subject_ids):
        for sid, kind in session.execute(select(SubjectKindRow.subject_id, SubjectKindRow.kind).where(where)):
            kinds.setdefault(sid, set()).add(kind)
    return kinds


def _generated_id() -> str:
    return f"M-{clock.today():%Y%m%d}-{uuid.uuid4().hex[:12]}"


@lru_cache(maxsize=65536)
def _valid_uscc_cached(value: str) -> str:
    return valid_uscc(value, "subject_uscc")
