"""The in-database comparison of rows and leaves (``ledger.sql_compare``) never calls a row intact
that the Python encoder would not: PostgreSQL's plain rendering (no escapes) is trusted only for
rows whose strings hold no quote and no backslash.

These tests call ``suspects`` directly, below ``verify``: the leaves they forge are not re-hashed,
so only the row-against-leaf half is under test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from ggzy_credit import clock
from ggzy_credit.ledger import sql_compare
from ggzy_credit.ledger.canonical import canonical_json
from ggzy_credit.ledger.encoding import event
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.registry import IdFilter
from ggzy_credit.ledger.sources import load_records
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn


@pytest.fixture
def record(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    code, _ = item_for("gov_procurement")
    day = clock.today() - timedelta(days=3)
    new = RecordIn(
        platform="gov_procurement",
        external_id="Q-1",
        subject_id=make_subject("responder"),
        item_code=code,
        occurred_on=day,
        deducted_on=day,
        project_name="甲",
        description=None,
    )
    with db.session() as s:
        [created] = ingest(s, cipher, [new], "recorder:test")
    return db, created.id


def suspects(db, record_id: int) -> set[int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        found, rows = sql_compare.suspects(s, "credit_records", record_id - 1, record_id)
    assert rows == 1
    return found


def test_an_intact_row_is_not_a_suspect(record):  # type: ignore[no-untyped-def]
    db, record_id = record
    assert suspects(db, record_id) == set()


def test_a_value_that_swallows_a_key_the_leaf_holds_is_a_suspect(record):  # type: ignore[no-untyped-def]
    """A leaf holding one more key than the row has columns (as an older payload might), and a row
    value that spells that key out: rendered without escapes, the row *is* the leaf."""
    db, record_id = record
    with db.session() as s:
        [row] = load_records(s, IdFilter(ids=[record_id]))
        kind = s.scalar(
            select(LedgerLeaf.kind).where(
                LedgerLeaf.entity == "credit_records", LedgerLeaf.entity_id == record_id
            )
        )
    longer = {**row.payload, "project_namez": "乙"}
    forged_leaf = canonical_json(event(kind, "credit_records", record_id, longer))
    swallowing = '甲","project_namez":"乙'
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_leaves SET data = :d WHERE entity = 'credit_records' AND entity_id = :id"),
            {"d": forged_leaf, "id": record_id},
        )
        conn.execute(
            text("UPDATE credit_records SET project_name = :v WHERE id = :id"),
            {"v": swallowing, "id": record_id},
        )
    assert suspects(db, record_id) == {record_id}


def test_another_client_encoding_compares_through_convert_to(record):  # type: ignore[no-untyped-def]
    """``textsend()`` gives bytes in the client's encoding; with another one the statement converts."""
    db, record_id = record
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE credit_records SET points = points + 1 WHERE id = :id"), {"id": record_id})
    with db.session() as s:
        if db.engine.dialect.name == "postgresql":
            s.execute(text("SET LOCAL client_encoding = 'LATIN1'"))
            assert not sql_compare._client_utf8(s)
        assert sql_compare.suspects(s, "credit_records", record_id - 1, record_id) == ({record_id}, 1)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE credit_records SET points = points - 1 WHERE id = :id"), {"id": record_id})
    with db.session() as s:
        if db.engine.dialect.name == "postgresql":
            s.execute(text("SET LOCAL client_encoding = 'LATIN1'"))
        assert sql_compare.suspects(s, "credit_records", record_id - 1, record_id) == (set(), 1)
