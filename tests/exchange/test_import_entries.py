"""External list imports: matching by USCC / ID number, registering, deduplicating, reporting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.exchange.models import ExternalEntry, ImportRun
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.subjects.models import Subject, SubjectKindRow


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def uscc_of(db, subject_id: int) -> str:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.get(Subject, subject_id).uscc  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_penalties_match_register_and_reject_with_reasons(db, run_import, penalty, make_subject, fmt):  # type: ignore[no-untyped-def]
    known = [make_subject("responder") for _ in range(3)]
    rows = [penalty() for _ in range(12)]
    rows += [penalty(uscc=uscc_of(db, sid), subject_name=None) for sid in known]
    rows += [
        penalty(uscc="91310000MA1FL0XX8Y"),  # wrong check character
        penalty(subject_name=None),  # unknown subject without a name: cannot be registered
        penalty(occurred_on=str(clock.today() + timedelta(days=3))),  # in the future
        penalty(source_id=None),  # no source id
    ]
    report = run_import("credit_penalties", rows, fmt)
    counts = report.counts()
    assert report.status == "succeeded", report.file_errors
    assert counts == counts | {
        "rows": 19,
        "created": 15,
        "matched": 3,
        "subjects_created": 12,
        "duplicate": 0,
        "rejected": 4,
    }
    rejected = {r.line: r.reasons for r in report.rows if r.outcome == "rejected"}
    messages = " ".join(reason["message"] for reasons in rejected.values() for reason in reasons)
    assert "校验位" in messages and "缺少主体名称" in messages and "晚于当日" in messages
    fields = {reason["field"] for reasons in rejected.values() for reason in reasons}
    assert fields == {"uscc", "subject_name", "occurred_on", "source_id"}
    with db.session() as s:
        records = s.scalars(select(CreditRecord)).all()
        assert {r.source for r in records} == {"external"}
        assert {r.recorded_by for r in records} == {"exchange:credit_penalties"}
        assert all(r.external_id.startswith("credit_penalties:SHCF-") and r.points == 0 for r in records)
        assert {r.item_code for r in records} == {"CT-R-014"}
        assert "决定机关：市市场监督管理局" in records[0].description  # type: ignore[operator]
        kinds = set(s.scalars(select(SubjectKindRow.kind)))
        assert kinds == {"responder"}
        run = s.get(ImportRun, report.run_id)
        assert run.status == "succeeded" and run.created == 15 and run.rejected == 4  # type: ignore[union-attr]
        assert len(run.report["rows"]) == 19  # type: ignore[union-attr]
        entries = s.scalars(select(ExternalEntry)).all()
        assert len(entries) == 15 and all(e.import_run_id == report.run_id for e in entries)


def test_reimport_is_all_duplicates_and_changes_nothing(db, run_import, penalty):  # type: ignore[no-untyped-def]
    rows = [penalty() for _ in range(8)]
    first = run_import("credit_penalties", rows, "csv")
    assert first.counts()["created"] == 8
    again = run_import("credit_penalties", rows, "jsonl")
    assert again.counts() == again.counts() | {
        "created": 0,
        "duplicate": 8,
        "matched": 8,
        "subjects_created": 0,
    }
    assert count(db, CreditRecord) == 8 and count(db, Subject) == 8 and count(db, ExternalEntry) == 8


def test_same_source_id_with_other_content(db, run_import, penalty):  # type: ignore[no-untyped-def]
    row = penalty()
    run_import("credit_penalties", [row])
    changed = run_import("credit_penalties", [row | {"description": "另一事由"}])
    assert changed.counts()["rejected"] == 1
    assert "已存在且内容不同" in changed.rows[0].reasons[0]["message"]
    twice = run_import("credit_penalties", [penalty(source_id="X-1"), penalty(source_id="X-1")])
    outcomes = [r.outcome for r in twice.rows]
    assert (
        outcomes == ["created", "rejected"] and "第 1 行相同而内容不同" in twice.rows[1].reasons[0]["message"]
    )
    same = penalty(source_id="X-2")
    repeated = run_import("credit_penalties", [same, same])
    assert [r.outcome for r in repeated.rows] == ["created", "duplicate"]


def test_natural_persons_are_matched_by_blind_index_and_registered(db, run_import, fake, make_subject):  # type: ignore[no-untyped-def]
    person = fake.natural_person()
    expert = make_subject("expert", id_number=person["id_number"])
    stranger = fake.natural_person()
    rows = [
        {"source_id": "N-1", "id_number": person["id_number"].lower(), "occurred_on": "2026-03-02"},
        {
            "source_id": "N-2",
            "subject_name": stranger["name"],
            "id_number": stranger["id_number"],
            "occurred_on": "2026-03-02",
        },
    ]
    report = run_import("credit_penalties", rows)
    assert [r.outcome for r in report.rows] == ["created", "created"]
    assert report.rows[0].matched and report.rows[0].subject_id == expert
    assert report.rows[1].subject_created and not report.rows[1].matched
    with db.session() as s:
        new = s.get(Subject, report.rows[1].subject_id)
        assert new.type == "natural" and new.id_number_masked.endswith(stranger["id_number"][-4:])  # type: ignore[union-attr]
        assert stranger["id_number"] not in str(new.id_number_enc)  # type: ignore[union-attr]


def test_item_must_apply_to_the_matched_subject(db, run_import, penalty, make_subject):  # type: ignore[no-untyped-def]
    tenderer = make_subject("initiator")  # GP-R-020 applies to responders and intermediaries only
    rows = [penalty() for _ in range(4)] + [penalty(uscc=uscc_of(db, tenderer), subject_name=None)]
    report = run_import("gp_blacklist", rows)
    assert [r.outcome for r in report.rows] == ["created"] * 4 + ["rejected"]
    assert report.rows[-1].reasons[0]["field"] == "item_code"
    assert count(db, CreditRecord) == 4


def test_rejected_row_leaves_no_registered_subject(db, cipher, run_import, penalty):  # type: ignore[no-untyped-def]
    """A row refused by ingestion after its new subject was registered takes the subject with it."""
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.schemas import RecordIn

    other = penalty()
    run_import("credit_penalties", [other])
    with db.session() as s:
        sid = s.scalar(select(Subject.id))
        ingest(
            s,
            cipher,
            [
                RecordIn(
                    platform="centre",
                    external_id="credit_penalties:CLASH",
                    subject_id=sid,
                    item_code="CT-R-014",
                    occurred_on=clock.today(),
                )
            ],
            "test",
        )
    before = count(db, Subject)
    report = run_import("credit_penalties", [penalty(source_id="CLASH"), penalty()])
    assert [r.outcome for r in report.rows] == ["rejected", "created"]
    assert report.rows[0].subject_id is None and not report.rows[0].subject_created
    assert count(db, Subject) == before + 1


def test_city_records_map_categories_and_never_register(db, run_import, penalty, make_subject):  # type: ignore[no-untyped-def]
    known = make_subject("responder")
    rows = [
        penalty(uscc=uscc_of(db, known), category="行政处罚", source_id="HZ-1"),
        penalty(uscc=uscc_of(db, known), category="表彰", source_id="HZ-2"),
        penalty(uscc=uscc_of(db, known), category="投诉", source_id="HZ-3"),
        penalty(category="行政处罚", source_id="HZ-4"),  # unknown subject: this source does not register
    ]
    report = run_import("yrd_cities", rows)
    assert [r.outcome for r in report.rows] == ["created", "created", "rejected", "rejected"]
    assert (
        "未配置" in report.rows[2].reasons[0]["message"]
        and "不自动登记" in report.rows[3].reasons[0]["message"]
    )
    with db.session() as s:
        assert set(s.scalars(select(CreditRecord.item_code))) == {"CT-R-014", "CT-R-016"}


def test_misconfigured_source_fails_the_whole_file(db, cipher, penalty, tmp_path, monkeypatch, encoded):  # type: ignore[no-untyped-def]
    from ggzy_credit.exchange.service import import_bytes
    from ggzy_credit.exchange.sources import load_registry

    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - {name: wrong, title: 错误映射, kind: penalty, platform: centre, item: CT-R-001}\n",
        encoding="utf-8",
    )
    source = load_registry(path).get("wrong")
    with db.session() as s:
        report = import_bytes(
            s, cipher, source, encoded([penalty()], "jsonl"), filename="a.jsonl", run_by="t"
        )
    assert report.status == "failed" and "record_only" in report.file_errors[0]["message"]
    assert count(db, CreditRecord) == 0 and count(db, Subject) == 0 and count(db, ImportRun) == 1
