"""Record events (revoke, correct, repair) are credit events: one ledger leaf each, appended in the
event's own transaction, public exactly when the record is — and ``ledger verify`` catches a
``record_events`` row edited, deleted or inserted behind the application's back (SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from ggzy_credit import clock
from ggzy_credit.ledger import service
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.verify import Report, verify
from ggzy_credit.records.events import RecordEvent, correct_record, repair_record, revoke_record
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn

REASON = "异议 7 成立：经核查，张三提交的材料属实"


@pytest.fixture
def events(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    """Four records (one under an unpublished expert item); revoke, correct, repair three of them."""
    code, _ = item_for("gov_procurement")
    bidder, expert = make_subject("responder"), make_subject("expert")
    day = clock.today() - timedelta(days=30)

    def record(n: int, subject: int, platform: str, item: str) -> RecordIn:
        return RecordIn(
            platform=platform,
            external_id=f"RE-{n}",
            subject_id=subject,
            item_code=item,
            occurred_on=day,
            deducted_on=day,
            description="串通投标",
        )

    with db.session() as s:
        service.sign(s, signing_key(db.settings.secrets_dir))
        rows = [record(i, bidder, "gov_procurement", code) for i in range(3)]
        rows.append(record(3, expert, "centre", "CT-R-003"))  # not published
        ids = [o.id for o in ingest(s, cipher, rows, "recorder:test")]
    with db.session() as s:
        revoked = revoke_record(s, ids[0], REASON, "reviewer:李四").id
        corrected = correct_record(
            s, cipher, ids[1], {"description": "提供虚假材料"}, "事项有误", "reviewer:王五"
        )
        repaired = repair_record(s, ids[2], clock.today(), "已整改", "reviewer:赵六").id
        hidden = revoke_record(s, ids[3], "复核撤销", "reviewer:李四").id
        service.sign(s, signing_key(db.settings.secrets_dir))
    return db, [revoked, corrected.id, repaired, hidden], ids


def check(db) -> Report:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return verify(s, signing_key(db.settings.secrets_dir).public_key())


def sql(db, statement: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def leaves(db, entity: str = "record_events") -> list[LedgerLeaf]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        found = s.scalars(
            select(LedgerLeaf).where(LedgerLeaf.entity == entity).order_by(LedgerLeaf.leaf_index)
        )
        return list(found)


def test_each_event_appends_one_leaf_and_verify_passes(events):  # type: ignore[no-untyped-def]
    db, event_ids, _ = events
    logged = leaves(db)
    assert [(leaf.entity_id, leaf.kind) for leaf in logged] == [
        (event_ids[0], "record.revoked"),
        (event_ids[1], "record.corrected"),
        (event_ids[2], "record.repaired"),
        (event_ids[3], "record.revoked"),
    ]
    # Public exactly when the record is: the expert's record is under an unpublished item.
    assert [leaf.public for leaf in logged] == [True, True, True, False]
    payload = json.loads(bytes(logged[0].data))["payload"]
    assert payload["reason_sha256"] == hashlib.sha256(REASON.encode()).hexdigest()
    assert REASON not in bytes(logged[0].data).decode() and "张三" not in bytes(logged[0].data).decode()
    assert payload["kind"] == "revoked" and payload["created_by"] == "reviewer:李四"
    assert payload["created_at"].endswith("+08:00") and len(payload["created_at"]) == 32
    corrected = json.loads(bytes(logged[1].data))["payload"]
    assert corrected["replacement_record_id"] is not None and corrected["details_sha256"]
    report = check(db)
    assert report.ok, [p.message for p in report.problems]


def test_the_leaf_rolls_back_with_its_event(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    code, _ = item_for("gov_procurement")
    with db.session() as s:
        [out] = ingest(
            s,
            cipher,
            [
                RecordIn(
                    platform="gov_procurement",
                    external_id="RB-1",
                    subject_id=make_subject("responder"),
                    item_code=code,
                    occurred_on=clock.today(),
                )
            ],
            "test",
        )
    with db.sessions() as s:  # never committed
        revoke_record(s, out.id, "撤销", "test")
        assert len(s.scalars(select(LedgerLeaf).where(LedgerLeaf.entity == "record_events")).all()) == 1
        s.rollback()
    assert leaves(db) == []
    with db.session() as s:
        assert s.scalar(select(RecordEvent.id)) is None


def test_a_changed_event_row_is_detected_and_named(events):  # type: ignore[no-untyped-def]
    db, event_ids, _ = events
    sql(db, "UPDATE record_events SET reason = '另一个理由' WHERE id = :id", id=event_ids[0])
    sql(db, "UPDATE record_events SET effective_on = '2020-01-01' WHERE id = :id", id=event_ids[2])
    problems = check(db).problems
    assert {(p.code, p.entity, p.entity_id) for p in problems} == {
        ("changed", "record_events", event_ids[0]),
        ("changed", "record_events", event_ids[2]),
    }
    named = {p.entity_id: p.message for p in problems}
    assert "reason_sha256" in named[event_ids[0]] and f"#{event_ids[0]}" in named[event_ids[0]]
    assert "effective_on" in named[event_ids[2]] and "2020-01-01" in named[event_ids[2]]


def test_a_deleted_event_row_is_detected(events):  # type: ignore[no-untyped-def]
    db, event_ids, _ = events
    sql(db, "DELETE FROM record_events WHERE id = :id", id=event_ids[0])
    [problem] = check(db).problems
    assert (problem.code, problem.entity, problem.entity_id) == ("deleted", "record_events", event_ids[0])
    assert "信用记录变更" in problem.message


def test_an_inserted_event_row_is_detected(events):  # type: ignore[no-untyped-def]
    db, event_ids, _ = events
    sql(
        db,
        "INSERT INTO record_events (record_id, kind, effective_on, stops_counting, reason, details,"
        " created_by, created_at) SELECT record_id, kind, effective_on, stops_counting, reason, details,"
        " created_by, created_at FROM record_events WHERE id = :id",
        id=event_ids[2],
    )
    [problem] = check(db).problems
    assert (
        problem.code == "unlogged"
        and problem.entity == "record_events"
        and problem.entity_id > max(event_ids)
    )


def test_backfill_logs_existing_event_rows(events):  # type: ignore[no-untyped-def]
    db, event_ids, _ = events
    for table in ("ledger_heads", "ledger_nodes", "ledger_leaves", "ledger_state"):
        sql(db, f"DELETE FROM {table}")
    with db.session() as s:
        assert service.backfill_if_empty(s) > len(event_ids)
        service.sign(s, signing_key(db.settings.secrets_dir))
    logged = leaves(db)
    assert [leaf.entity_id for leaf in logged] == event_ids
    assert {leaf.kind for leaf in logged} == {"record_events.backfilled"}
    assert [leaf.public for leaf in logged] == [True, True, True, False]
    assert check(db).ok
    sql(db, "UPDATE record_events SET created_by = 'admin' WHERE id = :id", id=event_ids[2])
    sql(db, "UPDATE record_events SET kind = 'repaired' WHERE id = :id", id=event_ids[0])
    assert {(p.code, p.entity_id) for p in check(db).problems} == {
        ("changed", event_ids[0]),
        ("changed", event_ids[2]),
    }


def test_record_representation_lists_its_events_with_ledger_indexes(events, client, auth):  # type: ignore[no-untyped-def]
    db, event_ids, record_ids = events
    body = client.get(f"/api/v1/records/{record_ids[0]}", headers=auth("regulator")).json()
    [event] = body["events"]
    [leaf] = [leaf for leaf in leaves(db) if leaf.entity_id == event_ids[0]]
    assert event == {
        "id": event_ids[0],
        "kind": "revoked",
        "effective_on": body["deducted_on"],
        "replacement_record_id": None,
        "created_at": event["created_at"],
        "ledger_index": leaf.leaf_index,
    }
    assert (
        client.get(f"/api/v1/records/{record_ids[3]}", headers=auth("regulator")).json()["events"][0]["kind"]
        == "revoked"
    )
    assert client.get(f"/api/v1/records/{record_ids[1]}", headers=auth("regulator")).json()["events"][0][
        "replacement_record_id"
    ]
