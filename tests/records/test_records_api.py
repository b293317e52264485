"""Credit records over HTTP: same-day recording, idempotency, all-or-nothing batches, evidence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.records.models import CreditRecord, Evidence


def count(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(CreditRecord)) or 0


@pytest.fixture
def bidder(make_subject):  # type: ignore[no-untyped-def]
    return make_subject("responder")


@pytest.fixture
def body(bidder, item_for):  # type: ignore[no-untyped-def]
    code, _ = item_for("gov_procurement")
    return {
        "platform": "gov_procurement",
        "external_id": "GP-2026-000001",
        "subject_id": bidder,
        "item_code": code,
        "occurred_on": str(clock.today() - timedelta(days=3)),
        "project_code": "ZFCG2026-0001",
        "project_name": "2026年办公设备采购项目",
        "description": "经核实提供虚假业绩证明材料",
        "source": "system_push",
    }


def test_record_created_same_day_with_points(client, auth, body, item_for, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/records", json=body, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["deducted_on"] == str(clock.today())
    assert out["points"] == item_for("gov_procurement")[1] and out["id"] > 0
    assert out["recorded_by"] == "recorder:test-recorder" and out["standard_version"]
    listed = client.get(f"/api/v1/subjects/{body['subject_id']}/records", headers=auth("regulator")).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == out["id"]


def test_same_payload_again_is_idempotent(client, auth, body, db):  # type: ignore[no-untyped-def]
    first = client.post("/api/v1/records", json=body, headers=auth("recorder"))
    again = client.post("/api/v1/records", json=body, headers=auth("recorder"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and count(db) == 1


def test_same_key_different_payload_conflicts(client, auth, body, db):  # type: ignore[no-untyped-def]
    client.post("/api/v1/records", json=body, headers=auth("recorder"))
    r = client.post("/api/v1/records", json=body | {"description": "不同的描述"}, headers=auth("recorder"))
    assert r.status_code == 409 and count(db) == 1
    r = client.post(
        "/api/v1/records",
        json=body | {"deducted_on": str(clock.today() - timedelta(days=1))},
        headers=auth("recorder"),
    )
    assert r.status_code == 409


def test_subject_by_uscc_or_id_number(client, auth, body, db, make_subject, item_for):  # type: ignore[no-untyped-def]
    with db.session() as s:
        from ggzy_credit.subjects.models import Subject

        uscc = s.get(Subject, body["subject_id"]).uscc
    by_uscc = {k: v for k, v in body.items() if k != "subject_id"} | {
        "subject_uscc": uscc,
        "external_id": "X-1",
    }
    assert client.post("/api/v1/records", json=by_uscc, headers=auth("recorder")).status_code == 201
    expert = make_subject("expert", id_number="11010519491231002X")
    code, _ = item_for("gov_procurement", "expert")
    by_id = {k: v for k, v in body.items() if k != "subject_id"} | {
        "subject_id_number": "11010519491231002x",
        "external_id": "X-2",
        "item_code": code,
    }
    r = client.post("/api/v1/records", json=by_id, headers=auth("recorder"))
    assert r.status_code == 201 and r.json()["subject_id"] == expert


@pytest.mark.parametrize(
    ("change", "field", "kind"),
    [
        ({"platform": "nowhere"}, "platform", "unknown_code"),
        ({"item_code": "NO-SUCH-ITEM"}, "item_code", "unknown_code"),
        ({"deducted_on": "2999-01-01"}, "deducted_on", "future_date"),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "future_date"),
        ({"subject_id": 987654}, "subject_id", "unknown_subject"),
        ({"subject_uscc": "91110000600037341X"}, "subject_uscc", "invalid_check_character"),
        ({"subject_id": None}, "subject_id", "subject_reference"),
        ({"occurred_on": "yesterday"}, "occurred_on", "date_from_datetime_parsing"),
        ({"subject_id": "abc"}, "subject_id", "int_parsing"),
        ({"source": "rumour"}, "source", "enum"),
        ({"colour": "red"}, "colour", "extra_forbidden"),
    ],
)
def test_bad_field_gets_422_naming_it(client, auth, body, db, change, field, kind):  # type: ignore[no-untyped-def]
    payload = {k: v for k, v in (body | change).items() if v is not None}
    if "subject_uscc" in change:
        payload.pop("subject_id")
    r = client.post("/api/v1/records", json=payload, headers=auth("recorder"))
    assert r.status_code == 422, r.text
    problems = r.json()["detail"]
    assert any(p["loc"][-1] == field and p["type"] == kind for p in problems), problems
    assert count(db) == 0


def test_missing_required_fields(client, auth, body, db):  # type: ignore[no-untyped-def]
    for field in ("platform", "item_code", "occurred_on"):
        payload = {k: v for k, v in body.items() if k != field}
        r = client.post("/api/v1/records", json=payload, headers=auth("recorder"))
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", field]
    assert count(db) == 0


def test_item_must_apply_to_the_subjects_kind(client, auth, body, item_for):  # type: ignore[no-untyped-def]
    expert_only = item_for("gov_procurement", "expert")[0]
    r = client.post("/api/v1/records", json=body | {"item_code": expert_only}, headers=auth("recorder"))
    if r.status_code == 422:
        assert r.json()["detail"][0]["type"] == "not_applicable"
    else:  # the chosen expert item happens to apply to responders as well
        assert r.status_code == 201


def test_standard_filed_for_a_future_date_does_not_apply_before_it(client, auth, body, db, make_subject):  # type: ignore[no-untyped-def]
    """The centre's 2027.1 version is filed but effective 2027-01-01: its points apply from that day only."""
    from ggzy_credit.standards.models import Platform, Standard, StandardItem

    with db.session() as s:
        rows = s.execute(
            select(
                Standard.version,
                Standard.effective_from,
                StandardItem.code,
                StandardItem.points,
                StandardItem.applies_to,
            )
            .join(StandardItem)
            .join(Platform)
            .where(Platform.code == "centre", Standard.status == "filed")
        ).all()
    future = {code: (points, kinds) for version, start, code, points, kinds in rows if start > clock.today()}
    current = {code: points for version, start, code, points, kinds in rows if start <= clock.today()}
    changed = sorted(
        code for code, (points, _) in future.items() if code in current and current[code] != points
    )
    assert changed, "the shipped 2027.1 centre standard must change some item's points"
    code = changed[0]
    kind = future[code][1][0]
    subject = make_subject(kind)
    base = body | {"platform": "centre", "item_code": code, "subject_id": subject}
    today = client.post("/api/v1/records", json=base | {"external_id": "F-1"}, headers=auth("recorder"))
    assert today.status_code == 201, today.text
    assert today.json()["points"] == current[code] and not today.json()["standard_version"].startswith("2027")
    from datetime import datetime

    with clock.freeze(datetime(2027, 1, 1, 9, 0, tzinfo=clock.CHINA)):
        later = client.post("/api/v1/records", json=base | {"external_id": "F-2"}, headers=auth("recorder"))
    assert later.status_code == 201 and later.json()["points"] == future[code][0]
    assert later.json()["standard_version"] == "2027.1"


def test_backfilled_deduction_date_uses_the_standard_then_in_force(client, auth, body, db):  # type: ignore[no-untyped-def]
    old = body | {"deducted_on": "2024-03-01", "occurred_on": "2024-02-20", "external_id": "OLD-1"}
    r = client.post("/api/v1/records", json=old, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    assert r.json()["standard_version"].startswith("2024")
    r = client.post(
        "/api/v1/records",
        json=old | {"deducted_on": "1999-01-01", "occurred_on": "1999-01-01", "external_id": "OLD-2"},
        headers=auth("recorder"),
    )
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "no_standard"


def test_batch_is_all_or_nothing(client, auth, body, db):  # type: ignore[no-untyped-def]
    good = [body | {"external_id": f"B-{i}"} for i in range(5)]
    bad = [*good, body | {"external_id": "B-bad", "item_code": "NOPE"}]
    r = client.post("/api/v1/records/batch", json={"records": bad}, headers=auth("recorder"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "records", 5, "item_code"]
    assert count(db) == 0
    r = client.post("/api/v1/records/batch", json={"records": good}, headers=auth("recorder"))
    assert r.status_code == 201 and r.json()["created"] == 5
    again = client.post(
        "/api/v1/records/batch",
        json={"records": [*good, body | {"external_id": "B-new"}]},
        headers=auth("recorder"),
    )
    assert again.status_code == 201 and again.json()["existing"] == 5 and again.json()["created"] == 1
    assert [x["status"] for x in again.json()["results"]][-1] == "created"
    clash = [body | {"external_id": "B-0", "description": "改过的"}, body | {"external_id": "B-7"}]
    r = client.post("/api/v1/records/batch", json={"records": clash}, headers=auth("recorder"))
    assert r.status_code == 409 and r.json()["problems"][0]["loc"] == ["body", "records", 0, "external_id"]
    assert count(db) == 6


def test_batch_duplicates_within_the_batch(client, auth, body, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/records/batch", json={"records": [body, body]}, headers=auth("recorder"))
    assert r.status_code == 201 and r.json()["created"] == 1 and r.json()["existing"] == 1
    assert len({x["id"] for x in r.json()["results"]}) == 1
    r = client.post(
        "/api/v1/records/batch",
        json={"records": [body | {"external_id": "D"}, body | {"external_id": "D", "description": "x"}]},
        headers=auth("recorder"),
    )
    assert r.status_code == 409 and count(db) == 1


def test_batch_size_limits(client, auth, body, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/records/batch", json={"records": []}, headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "records"]
    big = [body | {"external_id": f"O-{i}"} for i in range(1001)]
    r = client.post("/api/v1/records/batch", json={"records": big}, headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "too_long"
    assert count(db) == 0
    r = client.post("/api/v1/records/batch", json={"records": "not a list"}, headers=auth("recorder"))
    assert r.status_code == 422


def test_only_recorders_and_admins_write(client, auth, body, db):  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/records", json=body).status_code == 401
    for role in ("reviewer", "regulator", "bank"):
        assert client.post("/api/v1/records", json=body, headers=auth(role)).status_code == 403
        assert (
            client.post("/api/v1/records/batch", json={"records": [body]}, headers=auth(role)).status_code
            == 403
        )
    assert count(db) == 0
    assert client.post("/api/v1/records", json=body, headers=auth("admin")).status_code == 201


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_evidence_is_content_addressed_and_type_checked(client, auth, body, db):  # type: ignore[no-untyped-def]
    record = client.post("/api/v1/records", json=body, headers=auth("recorder")).json()
    url = f"/api/v1/records/{record['id']}/evidence"
    r = client.post(url, files={"file": ("证明.pdf", PDF, "application/pdf")}, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    ev = r.json()
    import hashlib

    assert ev["sha256"] == hashlib.sha256(PDF).hexdigest() and ev["content_type"] == "application/pdf"
    again = client.post(url, files={"file": ("copy.pdf", PDF, "application/pdf")}, headers=auth("recorder"))
    assert again.json()["id"] == ev["id"]
    fake_pdf = client.post(
        url, files={"file": ("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}, headers=auth("recorder")
    )
    assert fake_pdf.status_code == 422 and fake_pdf.json()["detail"][0]["type"] == "bad_type"
    empty = client.post(url, files={"file": ("x.pdf", b"", "application/pdf")}, headers=auth("recorder"))
    assert empty.status_code == 422
    db.settings.evidence_max_bytes = 100
    big = client.post(
        url, files={"file": ("big.pdf", PDF + b"0" * 200, "application/pdf")}, headers=auth("recorder")
    )
    assert big.status_code == 422 and big.json()["detail"][0]["type"] == "too_large"
    assert (
        client.post(
            "/api/v1/records/99999/evidence", files={"file": ("x.pdf", PDF)}, headers=auth("recorder")
        ).status_code
        == 404
    )
    assert client.post(url, files={"file": ("x.pdf", PDF)}, headers=auth("bank")).status_code == 403
    listed = client.get(url, headers=auth("regulator")).json()
    assert [e["id"] for e in listed] == [ev["id"]]
    download = client.get(f"/api/v1/evidence/{ev['sha256']}", headers=auth("regulator"))
    assert download.status_code == 200 and download.content == PDF
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Evidence)) == 1


def test_record_read_requires_a_token(client, auth, body):  # type: ignore[no-untyped-def]
    record = client.post("/api/v1/records", json=body, headers=auth("recorder")).json()
    assert client.get(f"/api/v1/records/{record['id']}").status_code == 401
    assert client.get(f"/api/v1/records/{record['id']}", headers=auth("bank")).status_code == 200
    assert client.get("/api/v1/records/424242", headers=auth("bank")).status_code == 404


def test_deduction_date_defaults_to_shanghai_today(client, auth, body):  # type: ignore[no-untyped-def]
    from datetime import datetime

    # 2026-03-01 00:30 in Shanghai is still 2026-02-28 in UTC: the record is dated 03-01.
    with clock.freeze(datetime(2026, 3, 1, 0, 30, tzinfo=clock.CHINA)):
        r = client.post(
            "/api/v1/records", json=body | {"occurred_on": "2026-02-27"}, headers=auth("recorder")
        )
    assert r.status_code == 201 and r.json()["deducted_on"] == str(date(2026, 3, 1))


def test_nul_character_is_rejected_not_a_500(client, auth, body, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/records", json=body | {"description": "虚假\x00材料"}, headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "description"]
    assert count(db) == 0
