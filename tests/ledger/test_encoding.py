"""Leaf data is RFC 8785 canonical JSON however it is produced: the reference encoder, the fast
paths verify uses, and the database's own rendering (SQLite ``json_object``; PostgreSQL
concatenation with ``replace()`` escapes, exact except for rare control characters, which make the
rendering differ and send the row to the Python re-check; and its plain rendering without escapes,
trusted only for rows whose strings hold no quote or backslash)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from ggzy_credit import clock
from ggzy_credit.ledger import sqljson
from ggzy_credit.ledger.canonical import MAX_SAFE_INTEGER, canonical_json
from ggzy_credit.ledger.encoding import event, event_bytes, event_bytes_reference, event_bytes_unchecked
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.registry import IdFilter
from ggzy_credit.ledger.sources import encode_record, load_records, record_members
from ggzy_credit.ledger.verify import verify
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import RecordIn

text_ = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | text_
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text_, inner, max_size=4),
    max_leaves=12,
)
NASTY = [
    '引号"与反斜杠\\',
    "控制\x01\x08\t\n\x0b\x0c\r\x1f字符",
    "\x7f é 中 😀 \u2028 \ufeff",
    "",
    "/</script>",
    "制表\t符",
    "C:\\目录\\文件",  # backslashes only (an even index: no description, this is the row's one escape)
]


@settings(max_examples=100, deadline=None)
@given(
    kind=text_,
    entity=text_,
    entity_id=st.integers(0, MAX_SAFE_INTEGER),
    payload=st.dictionaries(text_, values),
)
def test_every_encoder_agrees_with_the_reference(kind, entity, entity_id, payload):  # type: ignore[no-untyped-def]
    reference = canonical_json(event(kind, entity, entity_id, payload))
    assert event_bytes(kind, entity, entity_id, payload) == reference
    assert event_bytes_reference(kind, entity, entity_id, payload) == reference
    if all(k.isascii() for k in _keys(payload)):  # the unchecked path's precondition
        assert event_bytes_unchecked(kind, entity, entity_id, payload) == reference


def _keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def test_the_strict_encoder_refuses_what_jcs_forbids() -> None:
    for bad in ({"x": 1.5}, {"x": 2**53}, {"x": "\ud800"}, {"x": datetime(2026, 1, 1)}):
        with pytest.raises((TypeError, ValueError)):
            event_bytes("k", "e", 1, bad)
        assert event_bytes_reference("k", "e", 1, bad) is None


@pytest.fixture
def nasty_records(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    code, _ = item_for("medical")
    subject = make_subject("responder")
    day = clock.today() - timedelta(days=1)
    records = [
        RecordIn(
            platform="medical",
            external_id=f"N-{i}",
            subject_id=subject,
            item_code=code,
            occurred_on=day,
            deducted_on=day,
            project_name=s,
            description=s if i % 2 else None,
            project_code=None,
        )
        for i, s in enumerate(NASTY)
    ]
    whole = datetime.combine(clock.today(), time(9, 30), tzinfo=clock.CHINA)  # no microseconds at all
    with clock.freeze(whole), db.session() as s:
        ingest(s, cipher, records[:2], "recorder:测试")
    with db.session() as s:
        ingest(s, cipher, records[2:], "recorder:测试")
    return db


def test_record_leaves_are_recomputed_identically_by_every_path(nasty_records):  # type: ignore[no-untyped-def]
    db = nasty_records
    dialect = db.engine.dialect.name
    rendered = sqljson.event(
        "credit_records",
        LedgerLeaf.entity_id,
        LedgerLeaf.kind,
        sqljson.obj(record_members(), dialect),
        dialect,
    )
    with db.session() as s:
        rows = s.execute(
            select(LedgerLeaf.entity_id, LedgerLeaf.kind, LedgerLeaf.data, rendered)
            .join(CreditRecord, CreditRecord.id == LedgerLeaf.entity_id)
            .where(LedgerLeaf.entity == "credit_records")
        ).all()
        live = {r.id: r.payload for r in load_records(s, IdFilter())}
    assert len(rows) == len(NASTY)
    for entity_id, kind, data, in_sql in rows:
        data = bytes(data)
        if dialect == "postgresql" and _rare_control(live[entity_id]):
            assert in_sql.encode("utf-8") != data  # never a false "intact": verify re-checks it in Python
        else:
            assert in_sql.encode("utf-8") == data, (in_sql, data)
        assert encode_record(kind, entity_id, live[entity_id]) == data
        assert canonical_json(event(kind, "credit_records", entity_id, live[entity_id])) == data
    stamp = f"{clock.today().isoformat()}T09:30:00.000000+08:00"
    assert [p["recorded_at"] for p in live.values()].count(stamp) == 2


def _rare_control(payload: dict[str, object]) -> bool:
    """A control character PostgreSQL's rendering leaves raw (it escapes line breaks and tabs)."""
    return any(c < " " and c not in "\n\r\t" for v in payload.values() if isinstance(v, str) for c in v)


@pytest.mark.parametrize(
    ("external_id", "forged"),
    [
        ("N-1", NASTY[1].replace("\x01", "\x02")),  # a control character swapped for another
        ("N-0", NASTY[0].replace('"', '\\"')),  # what an unescaped rendering could not tell apart
        ("N-0", NASTY[0].replace("\\", "\\\\")),
        ("N-1", NASTY[1].replace("\n", "\\n")),  # a real line break or a backslash and an n
        # The leaf's own escaped text: rendered without escapes it is the leaf, byte for byte, so
        # PostgreSQL's plain rendering must not be trusted for it (it holds a backslash).
        ("N-0", json.dumps(NASTY[0], ensure_ascii=False)[1:-1]),
        ("N-6", json.dumps(NASTY[6], ensure_ascii=False)[1:-1]),
    ],
)
def test_verify_accepts_nasty_rows_and_catches_a_change_to_one(nasty_records, external_id, forged):  # type: ignore[no-untyped-def]
    db = nasty_records
    public_key = signing_key(db.settings.secrets_dir).public_key()
    with db.session() as s:
        report = verify(s, public_key)
        assert report.ok, [p.message for p in report.problems]
        nasty = s.scalars(select(CreditRecord.id).where(CreditRecord.external_id == external_id)).one()
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE credit_records SET project_name = :v WHERE id = :id"), {"v": forged, "id": nasty}
        )
    with db.session() as s:
        problems = verify(s, public_key).problems
    assert [(p.code, p.entity_id) for p in problems] == [("changed", nasty)]
