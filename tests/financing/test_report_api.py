"""The credit report: what a bank with a live grant gets, who is refused, and the audit trail."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import timedelta

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import select

from ggzy_credit import clock
from ggzy_credit.audit.models import AuditEntry

BANK, OTHER_BANK = "中国建设银行上海市分行", "上海浦东发展银行张江支行"  # as in conftest.py
ACTION = "GET /api/v1/financing/subjects/{subject_id}/credit-report"


def report_url(subject_id: int) -> str:
    return f"/api/v1/financing/subjects/{subject_id}/credit-report"


# -- a bank's own check, with hashlib and the public key only (RFC 9162 §2.1.3, recursive form) ------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k else PATH(m - k, D[k:n]) : MTH(D[0:k])."""
    if size == 1:
        return None if path else leaf
    if not path:
        return None
    k = 1 << ((size - 1).bit_length() - 1)  # the largest power of two smaller than size
    *rest, sibling = path
    if index < k:
        left = root_from_path(index, k, leaf, rest)
        return None if left is None else sha(b"\x01" + left + sibling)
    right = root_from_path(index - k, size - k, leaf, rest)
    return None if right is None else sha(b"\x01" + sibling + right)


def head_signed(public_pem: str, head: dict) -> bool:  # type: ignore[type-arg]
    signed = {k: head[k] for k in ("root_hash", "timestamp", "tree_size")}
    message = b"ggzy-credit/sth/v1\n" + json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    try:
        load_pem_public_key(public_pem.encode()).verify(base64.b64decode(head["signature"]), message)  # type: ignore[call-arg,union-attr]
    except Exception:
        return False
    return True


def audit_lines(db, kind: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.kind == kind, AuditEntry.action == ACTION)))


# -- the report -------------------------------------------------------------------------------------


def test_a_bank_with_a_live_grant_gets_a_verifiable_report(client, applicant, grant, bank, db):  # type: ignore[no-untyped-def]
    g = grant(days=30)
    r = client.get(report_url(applicant.subject_id), headers=bank())
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["subject"]["name"] == applicant.name and report["subject"]["uscc"]
    assert report["requested_by"] == BANK and report["grant"]["id"] == g["id"]
    assert report["as_of"] == str(clock.today())

    [engineering] = [s for s in report["scores"] if s["platform"] == "engineering"]
    points = sum(rec["points"] for rec in applicant.records)
    assert engineering["score"] == max(0, 100 - points) and engineering["label"] and engineering["label_name"]
    assert {d["record_id"] for d in engineering["deductions"]} == {rec["id"] for rec in applicant.records}
    assert isinstance(engineering["measures"], list)

    assert [x["id"] for x in report["records"]] == [d["record_id"] for d in engineering["deductions"]]
    assert {x["status"] for x in report["records"]} == {"effective"}
    assert all(x["status_name"] == "有效" and x["objection_status"] is None for x in report["records"])

    ledger = report["ledger"]
    head = ledger["tree_head"]
    assert head_signed(ledger["public_key_pem"], head)
    assert ledger["public_key_pem"] == client.get("/api/v1/ledger/public-key").json()["public_key_pem"]
    root = bytes.fromhex(head["root_hash"])
    for rec in report["records"]:
        proof = rec["ledger"]
        data = proof["leaf_data"].encode("utf-8")
        leaf = sha(b"\x00" + data)
        assert leaf.hex() == proof["leaf_hash"]
        event = json.loads(data)
        assert json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() == data
        assert (event["entity"], event["entity_id"]) == ("credit_records", rec["id"])  # about this record
        path = [bytes.fromhex(p) for p in proof["audit_path"]]
        assert root_from_path(proof["index"], head["tree_size"], leaf, path) == root
        # Any change to the record's data or to the path fails the check.
        event["payload"]["points"] += 1
        forged = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        forged_leaf = sha(b"\x00" + forged)
        assert root_from_path(proof["index"], head["tree_size"], forged_leaf, path) != root
        if path:
            assert root_from_path(proof["index"], head["tree_size"], leaf, [bytes(32), *path[1:]]) != root
    assert not head_signed(ledger["public_key_pem"], head | {"tree_size": head["tree_size"] + 1})

    # The report is in the audit trail: which bank, which subject, which grant, which report.
    [line] = audit_lines(db, "read")
    assert (line.role, line.organisation, line.grant_id) == ("bank", BANK, g["id"])
    assert line.subject_ids == [applicant.subject_id] and line.purpose == g["purpose"]
    assert sorted(line.record_ids) == sorted(x["id"] for x in report["records"])
    assert line.detail == {
        "report_id": report["report_id"],
        "format": "json",
        "grant": "financing",
        "bank": BANK,
    }

    # …the subject sees the bank in its enquiry list and is notified.
    enquiries = client.get(
        f"/api/v1/subjects/{applicant.subject_id}/enquiries", headers=applicant.headers
    ).json()["items"]
    assert any(e["organisation"] == BANK and e["purpose"] == g["purpose"] for e in enquiries)
    from ggzy_credit.workflows.models import Notification

    with db.session() as s:
        [notice] = s.scalars(select(Notification).where(Notification.kind == "financing_report")).all()
        assert notice.subject_id == applicant.subject_id and BANK in notice.body
        assert report["report_id"] in notice.body


def test_the_pdf_report_shows_the_subject(client, applicant, grant, bank, db):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    g = grant()
    r = client.get(report_url(applicant.subject_id), params={"format": "pdf"}, headers=bank())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert "attachment" in r.headers["content-disposition"]
    pdf = PdfReader(io.BytesIO(r.content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert applicant.name in text and BANK in text and g["purpose"] in text
    assert "融资信用查询" in text and "计入信用记分的记录" in text
    head = client.get("/api/v1/ledger/head").json()
    assert head["root_hash"] in text.replace("\n", "")
    [line] = audit_lines(db, "read")
    assert line.grant_id == g["id"] and line.detail["format"] == "pdf"
    assert (
        client.get(report_url(applicant.subject_id), params={"format": "doc"}, headers=bank()).status_code
        == 422
    )


def test_the_subject_may_preview_its_own_report(client, applicant, account, make_subject, db):  # type: ignore[no-untyped-def]
    r = client.get(report_url(applicant.subject_id), headers=applicant.headers)
    assert r.status_code == 200 and r.json()["grant"] is None and "本人预览" in r.json()["requested_by"]
    pdf = client.get(report_url(applicant.subject_id), params={"format": "pdf"}, headers=applicant.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    lines = audit_lines(db, "read")
    assert len(lines) == 2 and all(line.grant_id is None and line.role == "subject" for line in lines)
    other = account(make_subject("responder"))
    assert client.get(report_url(applicant.subject_id), headers=other).status_code == 403


def test_revoked_records_are_left_out(client, applicant, grant, bank, db):  # type: ignore[no-untyped-def]
    from ggzy_credit.records.events import revoke_record

    grant()
    with db.session() as s:
        revoke_record(s, applicant.records[0]["id"], "异议成立，撤销", "reviewer:test")
    report = client.get(report_url(applicant.subject_id), headers=bank()).json()
    assert [x["id"] for x in report["records"]] == [applicant.records[1]["id"]]


def test_a_record_logged_after_the_last_signature_gets_a_fresh_head(
    client, applicant, grant, bank, db, cipher, item_for
):  # type: ignore[no-untyped-def]
    from ggzy_credit.records.ingest import ingest
    from ggzy_credit.records.schemas import RecordIn

    grant()
    before = client.get("/api/v1/ledger/head").json()
    code, _ = item_for("engineering")
    with db.session() as s:
        data = RecordIn(
            platform="engineering",
            external_id=f"LATE-{applicant.subject_id}",
            subject_id=applicant.subject_id,
            item_code=code,
            occurred_on=clock.today(),
        )
        [late] = ingest(s, cipher, [data], "recorder:test")  # the service alone signs no head
    report = client.get(report_url(applicant.subject_id), headers=bank()).json()
    head = report["ledger"]["tree_head"]
    assert head["tree_size"] > before["tree_size"] and head_signed(report["ledger"]["public_key_pem"], head)
    [rec] = [x for x in report["records"] if x["id"] == late.id]
    leaf = bytes.fromhex(rec["ledger"]["leaf_hash"])
    path = [bytes.fromhex(p) for p in rec["ledger"]["audit_path"]]
    assert root_from_path(rec["ledger"]["index"], head["tree_size"], leaf, path) == bytes.fromhex(
        head["root_hash"]
    )
    assert client.get("/api/v1/ledger/head").json() == head  # the new head was kept


def test_a_subject_without_records(client, member, grant, bank):  # type: ignore[no-untyped-def]
    grant()
    report = client.get(report_url(member.subject_id), headers=bank()).json()
    assert report["records"] == [] and report["scores"]
    assert all(s["score"] == 100 and not s["has_records"] for s in report["scores"])
    assert report["ledger"]["tree_head"]["tree_size"] >= 1


# -- refusals ---------------------------------------------------------------------------------------


def refused(client, subject_id: int, headers: dict[str, str], reason: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(report_url(subject_id), headers=headers)
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["code"] == "no_financing_grant" and reason in body["detail"], body


def test_no_grant_another_banks_grant_and_no_organisation_are_refused(client, member, grant, bank, auth, db):  # type: ignore[no-untyped-def]
    refused(client, member.subject_id, bank(), "未授权本机构")
    other_bank = bank(OTHER_BANK)
    g = grant(OTHER_BANK)
    refused(client, member.subject_id, bank(), "未授权本机构")  # the grant is another bank's
    refused(client, member.subject_id, auth("bank"), "未登记所属单位")
    assert client.get(report_url(member.subject_id), headers=other_bank).status_code == 200
    denied = audit_lines(db, "denied")
    assert len(denied) == 3 and all(line.subject_ids == [member.subject_id] for line in denied)
    assert "未授权本机构" in denied[0].detail["reason"]
    [read] = audit_lines(db, "read")
    assert read.grant_id == g["id"] and read.organisation == OTHER_BANK


def test_expired_pending_and_revoked_grants_are_refused(client, member, grant, bank, db):  # type: ignore[no-untyped-def]
    banker = bank()
    g = grant(days=10)
    with clock.freeze(clock.now() + timedelta(days=11)):
        refused(client, member.subject_id, banker, "到期")
    with clock.freeze(clock.now() + timedelta(days=10)):
        assert client.get(report_url(member.subject_id), headers=banker).status_code == 200  # last day
    client.post(
        f"/api/v1/subjects/{member.subject_id}/financing-grants/{g['id']}/revoke", headers=member.headers
    )
    refused(client, member.subject_id, banker, "已撤销")
    grant(start=3, days=5)
    refused(client, member.subject_id, banker, "尚未生效")
    with clock.freeze(clock.now() + timedelta(days=3)):
        assert client.get(report_url(member.subject_id), headers=banker).status_code == 200
    assert len(audit_lines(db, "denied")) == 3 and len(audit_lines(db, "read")) == 2


def test_other_roles_are_refused(client, member, grant, auth, account):  # type: ignore[no-untyped-def]
    grant()
    for role in ("admin", "recorder", "reviewer", "regulator"):
        r = client.get(report_url(member.subject_id), headers=auth(role))
        assert r.status_code == 403 and r.json()["code"] == "forbidden", role
    assert client.get(report_url(member.subject_id), headers=account(role="regulator")).status_code == 403
    assert client.get(report_url(member.subject_id)).status_code == 401


def test_an_unknown_subject_is_refused_without_saying_it_does_not_exist(client, bank):  # type: ignore[no-untyped-def]
    refused(client, 999_999, bank(), "未授权本机构")
