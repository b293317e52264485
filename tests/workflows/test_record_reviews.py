"""Record review (复核) service: states, four eyes, revoked records, platform scope, the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, Forbidden, InvalidInput
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.ledger.verify import verify
from ggzy_credit.records.events import revoke_record
from ggzy_credit.workflows import record_reviews as reviews


def caller(role: Role, name: str = "r1", platforms: frozenset[str] | None = None) -> Caller:
    return Caller(token_id=None, role=role, name=name, user_id=1, platforms=platforms)


def test_states_and_the_queue(db, make_subject, make_record):
    subject = make_subject("responder")
    first, _ = make_record(subject)
    second, _ = make_record(subject)
    third, _ = make_record(subject, platform="centre")
    reviewer = caller(Role.REVIEWER)
    with db.session() as session:
        total, rows = reviews.queue(session, reviewer)
        assert total == 3 and [r.id for r in rows] == [third, second, first]
        assert [r.id for r in reviews.queue(session, reviewer, platform="centre")[1]] == [third]
        reviews.review(session, reviewer, first, reviews.QUESTIONED, "项目编号与交易系统不符")
        reviews.review(session, caller(Role.ADMIN, "a1"), second, reviews.VERIFIED, None)
    with db.session() as session:
        assert [r.id for r in reviews.queue(session, reviewer)[1]] == [third]
        questioned = reviews.queue(session, reviewer, state=reviews.QUESTIONED)[1]
        assert [(r.id, r.note) for r in questioned] == [(first, "项目编号与交易系统不符")]
        reviews.review(session, reviewer, first, reviews.VERIFIED, "已与记录员核实")
        with pytest.raises(Conflict):
            reviews.review(session, reviewer, first, reviews.QUESTIONED, "再次存疑")
    with db.session() as session:
        history = reviews.history(session, [first])[first]
        assert [(r.seq, r.status) for r in history] == [(1, "questioned"), (2, "verified")]
        assert reviews.state_of(history) == reviews.VERIFIED
        assert reviews.count_unreviewed(session, reviewer) == 1
        with pytest.raises(InvalidInput):
            reviews.queue(session, reviewer, state="maybe")


def _by_admin(session, cipher, like: int) -> int:  # type: ignore[no-untyped-def]
    """A copy of record ``like`` entered by the administrator ``a1``."""
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.models import CreditRecord
    from ggzy_credit.records.schemas import RecordIn

    r = session.get(CreditRecord, like)
    data = RecordIn(
        platform="gov_procurement",
        external_id="BY-ADMIN",
        subject_id=r.subject_id,
        item_code=r.item_code,
        occurred_on=r.occurred_on,
        deducted_on=r.deducted_on,
    )
    return ingest(session, cipher, [data], "admin:a1")[0].id


def test_who_may_review_what(db, cipher, make_subject, make_record):
    subject = make_subject("responder")
    record, _ = make_record(subject)
    with db.session() as session:
        for role in (Role.RECORDER, Role.REGULATOR, Role.SUBJECT, Role.BANK):
            with pytest.raises(Forbidden):
                reviews.review(session, caller(role), record, reviews.VERIFIED, None)
        with pytest.raises(Forbidden, match="四眼"):
            reviews.review(
                session, caller(Role.ADMIN, "a1"), _by_admin(session, cipher, record), "verified", None
            )
        scoped = caller(Role.REVIEWER, platforms=frozenset({"centre"}))
        with pytest.raises(Forbidden, match="平台"):
            reviews.review(session, scoped, record, reviews.VERIFIED, None)
        assert reviews.queue(session, scoped)[0] == 0
        for status, note, field in (
            ("ok", None, "status"),
            (reviews.QUESTIONED, "", "note"),
            (reviews.QUESTIONED, "疑" * 4001, "note"),
        ):
            with pytest.raises(InvalidInput) as err:
                reviews.review(session, caller(Role.REVIEWER), record, status, note)
            assert err.value.problems[0].loc[-1] == field
        revoke_record(session, record, "录入错误", "admin:a1")
        with pytest.raises(Conflict, match="已撤销"):
            reviews.review(session, caller(Role.REVIEWER), record, reviews.VERIFIED, None)
        assert record not in [r.id for r in reviews.queue(session, caller(Role.REVIEWER))[1]]


def test_reviews_are_in_the_ledger_and_tampering_shows(db, make_subject, make_record):
    subject = make_subject("responder")
    record, _ = make_record(subject)
    key = signing_key(db.settings.secrets_dir)
    with db.session() as session:
        row = reviews.review(session, caller(Role.REVIEWER), record, reviews.QUESTIONED, "金额存疑")
        review_id = row.id
        ledger.sign(session, key)
    with db.session() as session:
        report = verify(session, key.public_key())
        assert report.ok, [p.message for p in report.problems]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE record_reviews SET status = 'verified' WHERE id = :id"), {"id": review_id})
    with db.session() as session:
        report = verify(session, key.public_key())
    assert not report.ok
    assert any("record_reviews" in p.message or "信用记录复核" in p.message for p in report.problems)
