"""Revocation, correction and repair (records.events): new event rows, never edits, and the
re-evaluation they trigger — visible at once in scores, history and the stored history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.records.events import RecordEvent, correct_record, repair_record, revoke_record
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.scoring import service
from ggzy_credit.scoring.evaluation import run_evaluation
from ggzy_credit.scoring.models import EvaluationRun, ScoreHistory

D = date
TODAY = D(2025, 6, 1)
GP = "gov_procurement"


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with clock.freeze(TODAY):
        yield


def score(db, subject, day=TODAY, platform=GP):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return next(
            p for p in service.subject_scores(s, subject, day) if p.platform.code == platform
        ).evaluation


def stored(db, subject):  # type: ignore[no-untyped-def]
    with db.session() as s:
        rows = s.scalars(
            select(ScoreHistory).where(ScoreHistory.subject_id == subject).order_by(ScoreHistory.valid_from)
        ).all()
        return [(r.valid_from, r.valid_to, r.score) for r in rows]


def test_revocation_is_an_event_and_reevaluates_at_once(db, make_subject, record):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-005", D(2024, 6, 10))  # 10
    b = record(bidder, "GP-R-004", D(2025, 5, 1))  # 20, keeps A's cycle open
    with db.session() as s:
        run_evaluation(s)
    assert score(db, bidder).score == 70 and len(stored(db, bidder)) == 2
    with db.session() as s:
        event = revoke_record(s, a, "异议成立，撤销该记录", "reviewer:张三")
        assert (event.kind, event.effective_on, event.created_by) == (
            "revoked",
            D(2024, 6, 10),
            "reviewer:张三",
        )
    assert score(db, bidder).score == 80  # visible at once
    assert score(db, bidder, D(2024, 7, 1)).score == 100  # the past changed too
    assert stored(db, bidder) == [
        (D(2025, 5, 1), None, 80)
    ]  # stored history recomputed in the same transaction
    with db.session() as s:
        record_row = s.get(CreditRecord, a)
        assert record_row is not None and record_row.points == 10  # the record itself is untouched
        last = s.scalars(select(EvaluationRun).order_by(EvaluationRun.id.desc())).first()
        assert (last.mode, last.changes) == ("event", 1)
        with pytest.raises(Conflict):
            revoke_record(s, a, "再次撤销", "x")
    assert b


def test_correction_creates_a_replacement_record(db, make_subject, record, cipher):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-001", D(2025, 3, 1))  # 30
    assert score(db, bidder).score == 70
    with db.session() as s:
        event = correct_record(s, cipher, a, {"item_code": "GP-R-005"}, "事项认定错误", "reviewer:李四")
        replacement = s.get(CreditRecord, event.replacement_record_id)
        assert replacement is not None
        assert (replacement.external_id, replacement.item_code, replacement.points) == (
            "E-1#c1",
            "GP-R-005",
            10,
        )
        assert replacement.deducted_on == D(2025, 3, 1) and event.details["changes"] == {
            "item_code": "GP-R-005"
        }
    ev = score(db, bidder)
    assert ev.score == 90 and [d.record_id for d in ev.counted] == [replacement.id]
    with db.session() as s:  # correcting the correction keeps numbering from the original id
        again = correct_record(s, cipher, replacement.id, {"deducted_on": "2025-04-01"}, "日期有误", "x")
        assert s.get(CreditRecord, again.replacement_record_id).external_id == "E-1#c2"
    assert score(db, bidder).cycle_start == D(2025, 4, 1)


BAD_CORRECTIONS = [
    ({}, "changes"),
    ({"points": 1}, "points"),
    ({"item_code": "GP-R-001"}, "changes"),  # same as before
    ({"item_code": "NO-SUCH"}, "item_code"),
    ({"deducted_on": "2999-01-01"}, "deducted_on"),
    ({"occurred_on": "not a date"}, "occurred_on"),
    ({"subject_id": 987654}, "subject_id"),
]


def test_bad_correction_names_the_field_and_writes_nothing(db, make_subject, record, cipher):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-001", D(2025, 3, 1))
    for changes, field in BAD_CORRECTIONS:
        with pytest.raises(InvalidInput) as err, db.session() as s:
            correct_record(s, cipher, a, changes, "更正", "x")
        assert err.value.problems[0].loc[-1] == field, changes
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RecordEvent)) == 0
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 1


def test_repair_stops_counting_from_its_effective_date(db, make_subject, record):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-001", D(2025, 1, 10))  # 30
    with db.session() as s:
        event = repair_record(s, a, D(2025, 5, 1), "已整改并提交信用修复申请", "reviewer:王五")
        assert (event.kind, event.effective_on, event.stops_counting) == ("repaired", D(2025, 5, 1), True)
    assert score(db, bidder, D(2025, 4, 30)).score == 70  # days before the repair are unchanged
    assert score(db, bidder).score == 100
    with db.session() as s, pytest.raises(Conflict):
        repair_record(s, a, D(2025, 5, 2), "再次修复", "x")
    with db.session() as s, pytest.raises(InvalidInput) as err:
        repair_record(s, record(bidder, "GP-R-005", D(2025, 5, 20)), D(2025, 5, 20), "当日修复", "x")
    assert err.value.problems[0].loc[-1] == "effective_on"


def test_repair_under_a_standard_that_keeps_counting(db, make_subject, record, item_for):  # type: ignore[no-untyped-def]
    """engineering 2023.1: repair takes the record off public display, the deduction still counts."""
    bidder = make_subject("responder")
    code, points = item_for("engineering", "responder", on=D(2023, 8, 1))
    a = record(bidder, code, D(2023, 8, 1), platform="engineering")
    with db.session() as s:
        assert repair_record(s, a, D(2023, 9, 1), "修复", "x").stops_counting is False
    assert score(db, bidder, D(2023, 10, 1), "engineering").score == 100 - points


def test_errors_leave_nothing_behind(db, make_subject, record):  # type: ignore[no-untyped-def]
    with db.session() as s, pytest.raises(NotFound):
        revoke_record(s, 987654, "理由", "x")
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-001", D(2025, 3, 1))
    with db.session() as s, pytest.raises(InvalidInput) as err:
        revoke_record(s, a, "  ", "x")
    assert err.value.problems[0].loc[-1] == "reason"


def test_history_endpoint_shows_the_revocation_immediately(client, auth, db, make_subject, record):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    a = record(bidder, "GP-R-001", D(2025, 3, 1))
    params = {"from": "2025-02-28", "to": "2025-03-01"}
    url = f"/api/v1/subjects/{bidder}/scores/history"
    days = client.get(url, params=params, headers=auth("admin")).json()["platforms"][0]["days"]
    assert [d["score"] for d in days] == [100, 70]
    with db.session() as s:
        revoke_record(s, a, "撤销", "x")
    days = client.get(url, params=params, headers=auth("admin")).json()["platforms"][0]["days"]
    assert [d["score"] for d in days] == [100, 100]
