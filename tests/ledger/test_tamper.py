"""Rows changed behind the application's back are caught and named — on SQLite and PostgreSQL.

Each test signs a head over a small realistic log, then plays the database administrator with raw
SQL: changes a record's points, deletes a record, inserts a fake one, rewrites the log tables
consistently (leaf data, leaf hashes and every node recomputed), and so on.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.cli.main import app
from ggzy_credit.ledger import merkle, service
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.ledger.verify import Report, verify
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn

runner = CliRunner()


@pytest.fixture
def logged(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    """Six records of two subjects, each pushed (and signed, as the API does) in its own request."""
    code, _ = item_for("gov_procurement")
    subjects = [make_subject("responder"), make_subject("responder")]
    day = clock.today() - timedelta(days=5)
    records = [
        RecordIn(
            platform="gov_procurement",
            external_id=f"T-{i}",
            subject_id=subjects[i % 2],
            item_code=code,
            occurred_on=day,
            deducted_on=day,
            description=f"第{i}条：串通投标",
            source="system_push",
        )
        for i in range(6)
    ]
    with db.session() as s:
        service.sign(s, key(db))
    ids = []
    for record in records:
        with db.session() as s:
            ids += [o.id for o in ingest(s, cipher, [record], "recorder:test")]
            service.sign_if_grown(s, key(db))
    return db, ids, subjects


def key(db):  # type: ignore[no-untyped-def]
    return signing_key(db.settings.secrets_dir)


def check(db, **options) -> Report:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return verify(s, key(db).public_key(), **options)


def sql(db, statement: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def codes(report: Report) -> set[str]:
    return {p.code for p in report.problems}


def test_an_untouched_log_verifies(logged):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    report = check(db)
    assert report.ok, [p.message for p in report.problems]
    assert report.rows_checked >= len(ids) and report.heads_checked == 7
    assert check(db, block_level=2, id_window=2).ok  # many blocks and windows, same answer


def test_changed_points_are_detected_and_named(logged):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    sql(db, "UPDATE credit_records SET points = points + 10 WHERE id = :id", id=ids[2])
    report = check(db)
    [problem] = report.problems
    assert problem.code == "changed" and (problem.entity, problem.entity_id) == ("credit_records", ids[2])
    assert f"信用记录 #{ids[2]}" in problem.message and "points" in problem.message
    assert [p.entity_id for p in check(db, block_level=1, id_window=1).problems] == [ids[2]]


def test_a_deleted_record_is_detected_and_named(logged):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    sql(db, "DELETE FROM credit_records WHERE id = :id", id=ids[4])
    [problem] = check(db).problems
    assert problem.code == "deleted" and problem.entity_id == ids[4] and f"#{ids[4]}" in problem.message


def test_a_fake_record_is_detected_and_named(logged):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    sql(
        db,
        "INSERT INTO credit_records (platform_id, external_id, subject_id, standard_id, item_id, item_code,"
        " points, occurred_on, deducted_on, source, recorded_by, recorded_at, payload_hash)"
        " SELECT platform_id, 'FAKE-1', subject_id, standard_id, item_id, item_code, points, occurred_on,"
        " deducted_on, source, recorded_by, recorded_at, payload_hash FROM credit_records WHERE id = :id",
        id=ids[0],
    )
    [problem] = check(db).problems
    assert problem.code == "unlogged" and problem.entity_id > ids[-1] and "信用记录" in problem.message


def test_a_record_swapped_for_a_fake_one_is_detected(logged):  # type: ignore[no-untyped-def]
    """One row deleted, one inserted unlogged in the same window: the row and leaf counts still
    balance, so only the leaf without a row tells the anti-join to run (SQLite)."""
    db, ids, _ = logged
    sql(
        db,
        "INSERT INTO credit_records (id, platform_id, external_id, subject_id, standard_id, item_id,"
        " item_code, points, occurred_on, deducted_on, source, recorded_by, recorded_at, payload_hash)"
        " SELECT :new, platform_id, 'FAKE-2', subject_id, standard_id, item_id, item_code, points,"
        " occurred_on, deducted_on, source, recorded_by, recorded_at, payload_hash"
        " FROM credit_records WHERE id = :id",
        id=ids[0],
        new=ids[-1] + 1000,
    )
    sql(db, "DELETE FROM credit_records WHERE id = :id", id=ids[3])
    expected = {("deleted", ids[3]), ("unlogged", ids[-1] + 1000)}
    assert {(p.code, p.entity_id) for p in check(db).problems} == expected
    assert {(p.code, p.entity_id) for p in check(db, id_window=2000).problems} == expected


def test_a_changed_subject_is_detected_and_named(logged):  # type: ignore[no-untyped-def]
    db, _, subjects = logged
    sql(db, "UPDATE subjects SET name = '另一家公司' WHERE id = :id", id=subjects[1])
    sql(db, "DELETE FROM subject_kinds WHERE subject_id = :id", id=subjects[0])
    problems = check(db).problems
    assert {(p.code, p.entity, p.entity_id) for p in problems} == {
        ("changed", "subjects", subjects[0]),
        ("changed", "subjects", subjects[1]),
    }
    assert any("name" in p.message and "另一家公司" in p.message for p in problems)


def rewrite_history(db, record_id: int) -> int:  # type: ignore[no-untyped-def]
    """The administrator's best forgery: change a record, its leaf, and recompute every hash."""
    sql(db, "UPDATE credit_records SET points = 0 WHERE id = :id", id=record_id)
    with db.engine.begin() as conn:
        rows = conn.execute(
            text("SELECT leaf_index, entity, entity_id, data FROM ledger_leaves ORDER BY leaf_index")
        )
        datas = []
        target = -1
        for index, entity, entity_id, data in rows:
            data = bytes(data)
            if entity == "credit_records" and entity_id == record_id:
                event = json.loads(data)
                event["payload"]["points"] = 0
                data = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
                target = index
            datas.append(data)
        memory = merkle.MemoryStore()
        for data in datas:
            for level, idx, value in merkle.append(memory.size, merkle.leaf_hash(data), memory.get):
                memory.put(level, idx, value)
        conn.execute(
            text("UPDATE ledger_leaves SET data = :data, leaf_hash = :hash WHERE leaf_index = :index"),
            {"data": datas[target], "hash": memory.get(0, target), "index": target},
        )
        conn.execute(text("DELETE FROM ledger_nodes"))
        conn.execute(
            text("INSERT INTO ledger_nodes (level, idx, hash) VALUES (:level, :idx, :hash)"),
            [
                {"level": level, "idx": idx, "hash": memory.get(level, idx)}
                for level in range(1, len(datas).bit_length())
                for idx in range(len(datas) >> level)
            ],
        )
    return target


def test_a_consistently_rewritten_log_is_caught_by_the_signed_head(logged, tmp_path):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    with db.session() as s:
        pinned = service.latest_head(s)
    assert pinned is not None
    target = rewrite_history(db, ids[3])
    report = check(db)
    assert codes(report) == {"head_root"}  # rows match their (forged) leaves; nodes are consistent
    assert len(report.problems) == 3  # the heads signed after records 4, 5 and 6
    first = report.problems[0].message
    assert f"被改写的是条目 {target}（信用记录 #{ids[3]}）" in first
    # Even if the forger also replaced every stored head, a head a witness saved still catches it.
    sql(db, "DELETE FROM ledger_heads")
    with db.session() as s:
        service.sign(s, key(db))
    assert check(db).ok
    pinned_report = check(db, pinned=[pinned])
    assert codes(pinned_report) == {"pinned_root"}


def test_leaf_data_nodes_and_heads_edited_in_place(logged):  # type: ignore[no-untyped-def]
    db, _, _ = logged
    with db.session() as s:
        size = s.execute(text("SELECT COUNT(*) FROM ledger_leaves")).scalar_one()
    sql(db, "UPDATE ledger_leaves SET data = :d WHERE leaf_index = 0", d=b'{"entity":"standards"}')
    sql(db, "UPDATE ledger_nodes SET hash = :h WHERE level = 1 AND idx = 1", h=bytes(32))
    sql(db, "UPDATE ledger_heads SET timestamp_ms = timestamp_ms + 1")
    found = codes(check(db))
    assert {"leaf_data", "node", "head_signature"} <= found, found
    assert size > 0


def test_a_truncated_log_is_detected(logged):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    with db.session() as s:
        size = s.execute(text("SELECT COUNT(*) FROM ledger_leaves")).scalar_one()
    sql(db, "DELETE FROM ledger_leaves WHERE leaf_index >= :n", n=size - 2)
    sql(
        db,
        "DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > :n"
        if db.backend == "postgresql"
        else "DELETE FROM ledger_nodes WHERE (idx + 1) << level > :n",
        n=size - 2,
    )
    sql(db, "UPDATE ledger_state SET tree_size = :n", n=size - 2)
    report = check(db)
    assert "head_size" in codes(report) and "unlogged" in codes(report)
    assert {p.entity_id for p in report.problems if p.code == "unlogged"} == set(ids[-2:])


def test_the_cli_exits_non_zero_and_names_the_record(logged, cli_env, tmp_path):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    head_file = tmp_path / "head.json"
    with db.session() as s:
        head_file.write_text(json.dumps(service.latest_head(s).to_json()), encoding="utf-8")  # type: ignore[union-attr]
    ok = runner.invoke(app, ["ledger", "verify", "--pinned", str(head_file)])
    assert ok.exit_code == 0, ok.output
    assert "校验通过" in ok.output and "一致" in ok.output
    sql(db, "UPDATE credit_records SET points = 99 WHERE id = :id", id=ids[1])
    bad = runner.invoke(app, ["ledger", "verify"])
    assert bad.exit_code == 1
    assert f"信用记录 #{ids[1]}" in bad.output and "校验未通过" in bad.output
    head_file.write_text('{"tree_size": 1}', encoding="utf-8")
    assert runner.invoke(app, ["ledger", "verify", "--pinned", str(head_file)]).exit_code == 2


def test_parallel_verification_reaches_the_same_verdict(logged):  # type: ignore[no-untyped-def]
    db, ids, _ = logged
    sql(db, "UPDATE credit_records SET description = '改过的' WHERE id = :id", id=ids[5])
    sql(db, "UPDATE ledger_nodes SET hash = :h WHERE level = 2 AND idx = 0", h=bytes(32))
    alone = check(db, block_level=2, id_window=2)
    together = check(db, block_level=2, id_window=2, jobs=2, url=db.url)
    assert [p.message for p in together.problems] == [p.message for p in alone.problems]
    assert {"changed", "node"} <= codes(together) and together.rows_checked == alone.rows_checked


def test_a_leaf_removed_from_the_middle_or_added_past_the_end(logged):  # type: ignore[no-untyped-def]
    db, _, _ = logged
    sql(db, "DELETE FROM ledger_leaves WHERE leaf_index = 3")
    report = check(db, block_level=2)
    assert {"leaf_missing", "unlogged", "head_root"} <= codes(report)
    assert [p.leaf_index for p in report.problems if p.code == "leaf_missing"] == [3]
    with db.session() as s:
        size = s.execute(text("SELECT tree_size FROM ledger_state")).scalar_one()
    sql(
        db,
        "INSERT INTO ledger_leaves (leaf_index, kind, entity, entity_id, leaf_hash, data, public, created_at)"
        " SELECT :n, kind, entity, entity_id, leaf_hash, data, public, created_at FROM ledger_leaves"
        " WHERE leaf_index = 0",
        n=size + 5,
    )
    found = codes(check(db))
    assert {"state", "leaf_missing", "node_count"} <= found, found


def test_node_hashes_recut_so_that_their_concatenation_is_unchanged(logged):  # type: ignore[no-untyped-def]
    """Two neighbouring nodes rewritten as 33 + 31 bytes: the level reads the same when packed."""
    db, _, _ = logged
    with db.session() as s:
        level_one = text("SELECT hash FROM ledger_nodes WHERE level = 1 AND idx < 2 ORDER BY idx")
        left, right = [bytes(h) for (h,) in s.execute(level_one)]
    joined = left + right
    sql(db, "UPDATE ledger_nodes SET hash = :h WHERE level = 1 AND idx = 0", h=joined[:33])
    sql(db, "UPDATE ledger_nodes SET hash = :h WHERE level = 1 AND idx = 1", h=joined[33:])
    report = check(db, block_level=2)
    assert "node" in codes(report), [p.message for p in report.problems]


def test_a_null_forced_into_a_not_null_column_is_detected(logged):  # type: ignore[no-untyped-def]
    """The SQL rendering leaves NOT NULL columns un-coalesced: a NULL there must still come back."""
    db, ids, _ = logged
    if db.engine.dialect.name == "postgresql":
        sql(db, "ALTER TABLE credit_records ALTER COLUMN recorded_by DROP NOT NULL")
        sql(db, "ALTER TABLE credit_records ALTER COLUMN points DROP NOT NULL")
    else:  # SQLite cannot drop a constraint in place: switch the checks off instead
        with db.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA writable_schema = ON")
            conn.exec_driver_sql(
                "UPDATE sqlite_schema SET sql = replace(replace(sql, 'recorded_by VARCHAR(100) NOT NULL',"
                " 'recorded_by VARCHAR(100)'), 'points INTEGER NOT NULL', 'points INTEGER')"
                " WHERE name = 'credit_records'"
            )
        db.engine.dispose()
    sql(db, "UPDATE credit_records SET recorded_by = NULL WHERE id = :id", id=ids[1])
    sql(db, "UPDATE credit_records SET points = NULL WHERE id = :id", id=ids[3])
    report = check(db)
    assert sorted(p.entity_id for p in report.problems if p.code == "changed") == [ids[1], ids[3]]
