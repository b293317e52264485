"""Set-based ingestion (issue #2): large batches, the standards snapshot, USCC spellings, rollback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.ledger.models import LedgerLeaf, LedgerState
from ggzy_credit.ledger.verify import verify
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.standards.catalog import catalog
from ggzy_credit.standards.models import Platform, Standard, StandardItem
from ggzy_credit.subjects.models import Subject
from ggzy_credit.workflows.models import Notification


def _records(subject: int, code: str, count: int, prefix: str = "S") -> list[RecordIn]:
    day = clock.today() - timedelta(days=1)
    return [
        RecordIn(
            platform="gov_procurement",
            external_id=f"{prefix}-{i}",
            subject_id=subject,
            item_code=code,
            occurred_on=day,
            deducted_on=day,
            project_name=f"项目 {i}",
            description='\t第一行\n第二行 "引号" 😀' if i % 7 == 0 else None,
            source="system_push",
        )
        for i in range(count)
    ]


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).select_from(model)
    if model is LedgerLeaf:
        query = query.where(LedgerLeaf.entity == "credit_records")
    with db.session() as s:
        return s.scalar(query) or 0


def test_a_large_batch_gets_ids_leaves_and_notices_and_verifies(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    code, points = item_for("gov_procurement")
    subject = make_subject("responder")
    records = _records(subject, code, 240)
    with db.session() as s:
        out = ingest(s, cipher, records, "recorder:test")
    assert [o.index for o in out] == list(range(240)) and all(o.created and o.points == points for o in out)
    ids = [o.id for o in out]
    assert ids == sorted(ids) and len(set(ids)) == 240
    with db.session() as s:
        stored = dict(s.execute(select(CreditRecord.external_id, CreditRecord.id)).all())
        leaves = s.scalars(
            select(LedgerLeaf.entity_id)
            .where(LedgerLeaf.entity == "credit_records")
            .order_by(LedgerLeaf.leaf_index)
        ).all()
    assert stored == {f"S-{i}": ids[i] for i in range(240)}
    assert list(leaves) == ids
    assert _count(db, Notification) == 240
    # Replaying the batch creates nothing: no record, leaf or notice.
    with db.session() as s:
        again = ingest(s, cipher, records, "recorder:test")
    assert [o.id for o in again] == ids and not any(o.created for o in again)
    assert (_count(db, CreditRecord), _count(db, LedgerLeaf), _count(db, Notification)) == (240, 240, 240)
    key = signing_key(db.settings.secrets_dir)
    with db.session() as s:
        ledger.sign(s, key)
    with db.session() as s:
        report = verify(s, key.public_key())
    assert report.ok, report.problems


def test_a_failure_after_the_insert_leaves_nothing(db, cipher, make_subject, item_for, monkeypatch):  # type: ignore[no-untyped-def]
    import ggzy_credit.workflows.notifications as notifications

    code, _ = item_for("gov_procurement")
    records = _records(make_subject("responder"), code, 120)
    with db.session() as s:
        size_before = s.scalar(select(LedgerState.tree_size))

    def boom(_session, _ids):  # type: ignore[no-untyped-def]
        raise RuntimeError("notice service down")

    monkeypatch.setattr(notifications, "notify_new_records", boom)
    with pytest.raises(RuntimeError), db.session() as s:
        ingest(s, cipher, records, "recorder:test")
    assert (_count(db, CreditRecord), _count(db, LedgerLeaf), _count(db, Notification)) == (0, 0, 0)
    with db.session() as s:
        assert s.scalar(select(LedgerState.tree_size)) == size_before
    monkeypatch.undo()
    with db.session() as s:
        assert len(ingest(s, cipher, records, "recorder:test")) == 120
    assert _count(db, CreditRecord) == 120


def test_a_standard_version_added_later_is_seen_by_the_next_batch(db, cipher, make_subject):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    with db.session() as s:
        first = catalog(s)
        assert catalog(s) is first  # nothing changed: the snapshot is reused
    record = RecordIn(
        platform="gov_procurement",
        external_id="NEW-1",
        subject_id=subject,
        item_code="ZZ-NEW-01",
        occurred_on=clock.today(),
        source="system_push",
    )
    with pytest.raises(InvalidInput) as caught, db.session() as s:
        ingest(s, cipher, [record], "recorder:test")
    assert caught.value.problems[0].type == "unknown_code"
    with db.session() as s:  # another request files a new version effective today
        platform_id = s.scalar(select(Platform.id).where(Platform.code == "gov_procurement"))
        standard = Standard(
            platform_id=platform_id,
            version="2099.9",
            title="测试版本",
            status="filed",
            filed_on=clock.today(),
            filed_with="测试",
            effective_from=clock.today(),
            rules={},
        )
        s.add(standard)
        s.flush()
        s.add(
            StandardItem(
                standard_id=standard.id,
                code="ZZ-NEW-01",
                name="新增事项",
                category="测试",
                applies_to=["responder"],
                kind="deduction",
                points=7,
                severity="general",
            )
        )
    with db.session() as s:
        assert catalog(s) is not first
        [out] = ingest(s, cipher, [record], "recorder:test")
    assert out.created and out.points == 7
    with db.session() as s:
        assert s.get(CreditRecord, out.id).standard_id == standard.id  # type: ignore[union-attr]
    # The day before it took effect, the older version still applies (and lacks the item).
    yesterday = clock.today() - timedelta(days=1)
    earlier = record.model_copy(
        update={"external_id": "NEW-0", "occurred_on": yesterday, "deducted_on": yesterday}
    )
    with pytest.raises(InvalidInput), db.session() as s:
        ingest(s, cipher, [earlier], "recorder:test")


def test_uscc_spelled_differently_still_finds_the_subject(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    code, _ = item_for("gov_procurement")
    subject = make_subject("responder")
    with db.session() as s:
        uscc = s.get(Subject, subject).uscc  # type: ignore[union-attr]
    day = clock.today()
    spelled = [uscc, uscc.lower(), f"{uscc[:6]} {uscc[6:]}"]
    records = [
        RecordIn(
            platform="gov_procurement",
            external_id=f"U-{i}",
            subject_uscc=value,
            item_code=code,
            occurred_on=day,
            source="system_push",
        )
        for i, value in enumerate(spelled)
    ]
    with db.session() as s:
        out = ingest(s, cipher, records, "recorder:test")
    with db.session() as s:
        assert {s.get(CreditRecord, o.id).subject_id for o in out} == {subject}  # type: ignore[union-attr]
    bad = records[0].model_copy(update={"external_id": "U-bad", "subject_uscc": uscc[:-1] + "0"})
    if bad.subject_uscc == uscc:
        bad = bad.model_copy(update={"subject_uscc": uscc[:-1] + "1"})
    with pytest.raises(InvalidInput) as caught, db.session() as s:
        ingest(s, cipher, [*records, bad], "recorder:test")
    assert [p.loc for p in caught.value.problems] == [("body", "records", 3, "subject_uscc")]
    assert _count(db, CreditRecord) == 3


def test_log_rows_reads_a_dense_id_set_by_range_and_logs_only_those(db, cipher, make_subject, item_for):  # type: ignore[no-untyped-def]
    code, _ = item_for("gov_procurement")
    with db.session() as s:
        ids = [o.id for o in ingest(s, cipher, _records(make_subject("responder"), code, 5), "recorder:test")]
    wanted = [ids[3], ids[1]]  # a range would also hold ids[2]: it must not be logged
    with db.session() as s:
        indices = ledger.log_rows(s, "record.created", "credit_records", wanted)
        logged = s.execute(
            select(LedgerLeaf.leaf_index, LedgerLeaf.entity_id).where(LedgerLeaf.leaf_index.in_(indices))
        ).all()
    assert len(indices) == 2 and sorted(logged) == sorted(zip(indices, wanted, strict=True))
