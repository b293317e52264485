"""Every early-warning rule: cases that must fire and cases that must not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ggzy_credit import clock
from ggzy_credit.monitoring.config import MonitoringConfig
from ggzy_credit.monitoring.rules import RULES
from ggzy_credit.records.events import revoke_record
from ggzy_credit.standards.models import Platform
from ggzy_credit.subjects.models import Subject

TODAY = clock.today()


def find(db, code: str, config: MonitoringConfig | None = None):  # type: ignore[no-untyped-def]
    config = config or MonitoringConfig()
    with db.session() as s:
        return RULES[code].find(s, config.rules, clock.today())


def ago(days: int):  # type: ignore[no-untyped-def]
    return TODAY - timedelta(days=days)


# -- repeated_behaviour ---------------------------------------------------------------------------


def test_same_behaviour_in_three_projects_within_a_year_fires(db, make_subject, add_record):  # type: ignore[no-untyped-def]
    s = make_subject("responder")
    ids = [add_record(s, "GP-R-001", project=f"ZFCG-{n}", occurred_on=ago(300 - n * 100)) for n in range(3)]
    [finding] = find(db, "repeated_behaviour")
    assert finding.subject_ids == [s] and finding.evidence["projects"] == ["ZFCG-0", "ZFCG-1", "ZFCG-2"]
    assert [r["record_id"] for r in finding.evidence["records"]] == ids
    assert "提供虚假材料" in finding.evidence["behaviour"]


def test_repeated_behaviour_must_not_fire(db, cipher, make_subject, add_record):  # type: ignore[no-untyped-def]
    one_project = make_subject("responder")
    for _ in range(3):
        add_record(one_project, "GP-R-001", project="ZFCG-SAME", occurred_on=ago(10))
    spread = make_subject("responder")  # three projects, but never three inside one 365-day window
    for n, days in enumerate((10, 300, 600)):
        add_record(spread, "GP-R-001", project=f"S-{n}", occurred_on=ago(days))
    mixed = make_subject("responder")  # three projects, but three different behaviours
    for n, code in enumerate(("GP-R-001", "GP-R-004", "GP-R-005")):
        add_record(mixed, code, project=f"M-{n}", occurred_on=ago(20))
    revoked = make_subject("responder")  # the third record was revoked
    rids = [add_record(revoked, "GP-R-001", project=f"R-{n}", occurred_on=ago(30)) for n in range(3)]
    no_project = make_subject("responder")
    for _ in range(3):
        add_record(no_project, "GP-R-001", occurred_on=ago(5))
    with db.session() as s:
        revoke_record(s, rids[2], "经复核记录有误", "test")
    assert find(db, "repeated_behaviour") == []


def test_repeated_behaviour_counts_across_platforms_by_behaviour(db, make_subject, add_record):  # type: ignore[no-untyped-def]
    s = make_subject("responder")
    add_record(s, "GP-R-009", project="GP-1", occurred_on=ago(50))  # 签署的信用承诺经查不实
    add_record(s, "CT-R-009", platform="centre", project="CT-1", occurred_on=ago(40))
    add_record(s, "GP-R-009", project="GP-2", occurred_on=ago(30))
    [finding] = find(db, "repeated_behaviour")
    assert {r["platform_id"] for r in finding.evidence["records"]} and len(finding.evidence["projects"]) == 3


# -- shared_contact / shared_bid_origin -----------------------------------------------------------


def test_shared_contacts_fire(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    a = make_subject("responder", contact_phone="13912345678", legal_representative="张 伟")
    b = make_subject("responder", contact_phone="+86 139 1234 5678", legal_representative="张伟")
    c = make_subject("responder", address="上海市黄浦区南京东路１００号")
    d = make_subject("responder", address="上海市黄浦区南京东路 100 号")
    e = make_subject("responder")
    add_bids(
        "JSGC-1",
        [
            (a, "1000.00"),
            (b, "1100.00"),
            (c, "1230.00", {"contact_email": "Bid@Example.com"}),
            (d, "1400.00"),
            (e, "1800.00", {"contact_email": "bid@example.com"}),
        ],
    )
    found = {f.evidence["attribute"]: f for f in find(db, "shared_contact")}
    assert set(found) == {"phone", "legal_representative", "address", "email"}
    assert sorted(found["phone"].subject_ids) == sorted([a, b])
    assert sorted(found["email"].subject_ids) == sorted([c, e])
    assert sorted(found["address"].subject_ids) == sorted([c, d])
    phones = [v["value"] for bidder in found["phone"].evidence["bidders"] for v in bidder["values"]]
    assert phones == ["139****5678", "139****5678"]  # masked, never in clear
    assert found["phone"].project_code == "JSGC-1"


def test_bid_contact_phone_matches_another_bidders_registered_phone(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    a = make_subject("responder", contact_phone="13800001111")
    b = make_subject("responder", contact_phone="13700002222")
    add_bids("P-9", [(a, "1.00"), (b, "2.00", {"contact_phone": "13800001111"})])
    [finding] = find(db, "shared_contact")
    vias = sorted(v["via"] for bidder in finding.evidence["bidders"] for v in bidder["values"])
    assert sorted(finding.subject_ids) == sorted([a, b]) and vias == ["bid", "registered"]


def test_shared_contacts_must_not_fire(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    a = make_subject("responder", contact_phone="13912345678")
    b = make_subject("responder", contact_phone="13912345678")
    c = make_subject("responder")
    add_bids("P-1", [(a, "1000.00"), (c, "1200.00")])
    add_bids("P-2", [(b, "1000.00"), (c, "1300.00")])  # a and b never bid in the same project
    assert find(db, "shared_contact") == []


def test_shared_bid_origin_fires(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    a, b, c, d = (make_subject("responder") for _ in range(4))
    add_bids(
        "GC-7",
        [
            (a, "1000.00", {"file_hash": "ab" * 32}),
            (b, "1300.00", {"file_hash": "AB" * 32}),
            (c, "1500.00", {"machine_fingerprint": "00-1A-2B-3C-4D-5E"}),
            (d, "1700.00", {"machine_fingerprint": "001a2b3c4d5e", "ip": "10.9.9.9"}),
        ],
    )
    add_bids("GC-8", [(a, "1000.00", {"ip": "10.9.9.9"}), (b, "1400.00", {"ip": "10.9.9.9"})])
    found = {
        (f.project_code, f.evidence["attribute"]): sorted(f.subject_ids)
        for f in find(db, "shared_bid_origin")
    }
    assert found == {
        ("GC-7", "file_hash"): sorted([a, b]),
        ("GC-7", "machine_fingerprint"): sorted([c, d]),
        ("GC-8", "ip"): sorted([a, b]),
    }


def test_shared_bid_origin_must_not_fire(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    a, b = make_subject("responder"), make_subject("responder")
    add_bids("GC-1", [(a, "1000.00", {"ip": "10.0.0.1"}), (b, "1200.00", {"ip": "10.0.0.1"})])
    add_bids("GC-2", [(a, "1000.00", {"file_hash": "cd" * 32})])
    add_bids("GC-3", [(b, "1000.00", {"file_hash": "cd" * 32})])  # same file, different projects
    config = MonitoringConfig.model_validate({"rules": {"shared_bid_origin": {"ignore_ips": ["10.0.0.1"]}}})
    assert find(db, "shared_bid_origin", config) == []  # the centre's own terminal is configured away
    assert len(find(db, "shared_bid_origin")) == 1


# -- price_pattern ----------------------------------------------------------------------------------


def test_price_ladder_and_close_prices_fire(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    ladder = [make_subject("responder") for _ in range(4)]
    add_bids(
        "LADDER", [(s, f"{1_000_000 + n * 10_000 + (7 if n == 2 else 0)}.00") for n, s in enumerate(ladder)]
    )
    close = [make_subject("responder") for _ in range(3)]
    add_bids(
        "CLOSE", [(s, price) for s, price in zip(close, ("500000.00", "501200.00", "500450.50"), strict=True)]
    )
    found = {f.project_code: f for f in find(db, "price_pattern")}
    assert set(found) == {"LADDER", "CLOSE"}
    assert found["LADDER"].evidence["patterns"] == ["arithmetic_progression"]
    assert found["LADDER"].evidence["steps"] == ["10000.00", "10007.00", "9993.00"]
    assert found["CLOSE"].evidence["patterns"] == ["close"] and sorted(found["CLOSE"].subject_ids) == sorted(
        close
    )


def test_price_pattern_must_not_fire(db, make_subject, add_bids):  # type: ignore[no-untyped-def]
    bidders = [make_subject("responder") for _ in range(4)]
    add_bids(
        "NORMAL",
        [
            (s, p)
            for s, p in zip(bidders, ("980000.00", "1010000.00", "1085000.00", "1230000.00"), strict=True)
        ],
    )
    add_bids(
        "THREE-STEPS", [(s, p) for s, p in zip(bidders, ("1000.00", "2000.00", "3000.00"), strict=False)]
    )
    add_bids("TWO-SAME", [(s, "7777.00") for s in bidders[:2]])
    assert find(db, "price_pattern") == []


# -- score_drop -------------------------------------------------------------------------------------


def test_sudden_score_drop_fires_once_per_drop(db, make_subject, add_record):  # type: ignore[no-untyped-def]
    s = make_subject("responder")
    add_record(s, "GP-R-005", deducted_on=ago(100))  # 10
    first = add_record(s, "GP-R-006", deducted_on=ago(90))  # 10 more within 30 days: 20 reached
    add_record(s, "GP-R-005", deducted_on=ago(85))  # still inside the same drop
    add_record(s, "GP-R-004", deducted_on=ago(10))  # 20 alone, much later: a second drop
    found = find(db, "score_drop")
    assert [f.evidence["drop_on"] for f in found] == [str(ago(90)), str(ago(10))]
    assert found[0].evidence["points"] == 20 and first in [
        r["record_id"] for r in found[0].evidence["records"]
    ]


def test_score_drop_must_not_fire(db, make_subject, add_record):  # type: ignore[no-untyped-def]
    slow = make_subject("responder")
    add_record(slow, "GP-R-005", deducted_on=ago(100))
    add_record(slow, "GP-R-006", deducted_on=ago(60))  # 40 days apart
    revoked = make_subject("responder")
    add_record(revoked, "GP-R-005", deducted_on=ago(5))
    rid = add_record(revoked, "GP-R-006", deducted_on=ago(4))
    with db.session() as s:
        revoke_record(s, rid, "撤销", "test")
    old = make_subject("responder")
    add_record(old, "GP-R-004", deducted_on=ago(500))  # outside the lookback
    two_platforms = make_subject("responder")
    add_record(two_platforms, "GP-R-005", deducted_on=ago(3))
    add_record(two_platforms, "CT-R-001", platform="centre", deducted_on=ago(2))  # 10 + 10, but per platform
    assert find(db, "score_drop") == []


# -- objection_overdue ------------------------------------------------------------------------------


def test_overdue_objections_fire_and_answered_ones_do_not(db, make_subject):  # type: ignore[no-untyped-def]
    rule = RULES["objection_overdue"]
    with db.session() as s:
        if not rule.available(s):
            pytest.skip("the objections table (issue #6) is not installed")
    from ggzy_credit.workflows.models import Objection

    subject = make_subject("responder")
    with db.session() as s:
        platform = s.scalar(select(Platform.id).where(Platform.code == "centre"))
        common = {
            "subject_id": subject,
            "target": "evaluation",
            "platform_id": platform,
            "reason": "评分有误",
            "received_on": ago(40),
            "submitted_by": "subject:x",
            "submitted_at": clock.now(),
        }
        s.add_all(
            [
                Objection(id=1, status="submitted", due_on=ago(3), **common),
                Objection(id=2, status="accepted", due_on=ago(1), **common),
                Objection(id=3, status="decided", outcome="rejected", due_on=ago(3), **common),
                Objection(id=4, status="submitted", due_on=TODAY, **common),
            ]
        )
    found = find(db, "objection_overdue")
    assert sorted(f.evidence["objection_id"] for f in found) == [1, 2]
    assert {f.evidence["days_overdue"] for f in found} == {1, 3}
    with db.session() as s:
        assert s.get(Subject, subject) is not None
