"""Every credit event appends one leaf in the event's own transaction; the public ledger endpoints."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.ledger import store
from ggzy_credit.ledger.models import LedgerHead, LedgerLeaf
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.standards.models import Standard

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NATURAL = {
    "type": "natural",
    "name": "张伟",
    "id_number": "11010519491231002X",
    "phone": "13912345678",
    "address": "北京市朝阳区建国路 1 号",
    "kinds": ["expert"],
}


def count(db, model=LedgerLeaf) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def body(make_subject, item_for):  # type: ignore[no-untyped-def]
    code, _ = item_for("gov_procurement")
    return {
        "platform": "gov_procurement",
        "external_id": "GP-LEDGER-1",
        "subject_id": make_subject("responder"),
        "item_code": code,
        "occurred_on": str(clock.today() - timedelta(days=2)),
        "project_code": "ZFCG2026-0100",
        "project_name": "2026年“智慧校园”\n采购项目",
        "description": '经核实提供虚假材料 "A\\B" 🚧',
        "source": "system_push",
    }


def leaf_hash(data: str) -> str:
    return hashlib.sha256(b"\x00" + data.encode("utf-8")).hexdigest()


def test_a_created_record_is_logged_and_carries_its_ledger_index(client, auth, body, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/records", json=body, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    record = r.json()
    index = record["ledger_index"]
    assert isinstance(index, int)
    entry = client.get(f"/api/v1/ledger/entries/{index}").json()
    assert (entry["kind"], entry["entity"], entry["entity_id"]) == (
        "record.created",
        "credit_records",
        record["id"],
    )
    assert leaf_hash(entry["data"]) == entry["leaf_hash"]
    logged = json.loads(entry["data"])
    assert logged["payload"]["points"] == record["points"]
    assert logged["payload"]["description"] == body["description"]
    assert list(logged) == sorted(logged) and " " not in entry["data"].split('"payload"')[0]
    assert (
        client.get(f"/api/v1/records/{record['id']}", headers=auth("regulator")).json()["ledger_index"]
        == index
    )
    listed = client.get(f"/api/v1/subjects/{body['subject_id']}/records", headers=auth("admin")).json()
    assert listed["items"][0]["ledger_index"] == index
    head = client.get("/api/v1/ledger/head").json()
    assert head["tree_size"] > index  # the write request signed a head covering it


def test_a_batch_logs_one_leaf_per_new_record_and_one_head(client, auth, body, db):  # type: ignore[no-untyped-def]
    leaves, heads = count(db), count(db, LedgerHead)
    batch = {"records": [body | {"external_id": f"GP-B-{i}"} for i in range(3)]}
    r = client.post("/api/v1/records/batch", json=batch, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    assert count(db) == leaves + 3 and count(db, LedgerHead) == heads + 1
    again = client.post("/api/v1/records/batch", json=batch, headers=auth("recorder"))
    assert again.json()["existing"] == 3
    assert count(db) == leaves + 3 and count(db, LedgerHead) == heads + 1  # nothing new, no new head
    indices = [
        client.get(f"/api/v1/records/{row['id']}", headers=auth("admin")).json()["ledger_index"]
        for row in r.json()["results"]
    ]
    assert indices == list(range(indices[0], indices[0] + 3))


def test_a_rejected_batch_leaves_no_leaf(client, auth, body, db):  # type: ignore[no-untyped-def]
    client.post("/api/v1/records", json=body, headers=auth("recorder"))
    leaves = count(db)
    batch = {"records": [body | {"external_id": "NEW-1"}, body | {"description": "不同的内容"}]}
    assert client.post("/api/v1/records/batch", json=batch, headers=auth("recorder")).status_code == 409
    assert count(db) == leaves


def test_event_and_leaf_share_one_transaction(db, cipher, body):  # type: ignore[no-untyped-def]
    """Rule: the leaf exists exactly when the event does — a rolled-back event leaves no leaf."""
    leaves = count(db)
    with pytest.raises(RuntimeError), db.session() as s:
        ingest(s, cipher, [RecordIn.model_validate(body)], "test")
        assert store.size(s) == leaves + 1
        raise RuntimeError("the request failed after the insert")
    assert count(db) == leaves
    with db.session() as s:
        assert store.size(s) == leaves


def test_subject_identity_is_logged_without_clear_personal_data(client, auth, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/subjects", json=NATURAL, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    with db.session() as s:
        created = s.scalar(
            select(func.max(LedgerLeaf.leaf_index)).where(
                LedgerLeaf.entity_id == sid, LedgerLeaf.entity == "subjects"
            )
        )
    public = client.get(f"/api/v1/ledger/entries/{created}").json()
    assert public["kind"] == "subject.created" and public["withheld"] and public["data"] is None
    assert client.get(f"/api/v1/ledger/entries/{created}/data").status_code == 401
    assert client.get(f"/api/v1/ledger/entries/{created}/data", headers=auth("bank")).status_code == 403
    full = client.get(f"/api/v1/ledger/entries/{created}/data", headers=auth("admin")).json()
    assert leaf_hash(full["data"]) == full["leaf_hash"] == public["leaf_hash"]
    payload = json.loads(full["data"])["payload"]
    assert payload["id_number_masked"] == "1101**********002X" and len(payload["id_number_index"]) == 64
    assert "11010519491231002X" not in full["data"] and "13912345678" not in full["data"]
    assert payload["kinds"] == ["expert"] and payload["name"] == "张伟"
    patched = client.patch(f"/api/v1/subjects/{sid}", json={"address": "上海市"}, headers=auth("recorder"))
    assert patched.status_code == 200
    updated = client.get(f"/api/v1/ledger/entries/{created + 1}/data", headers=auth("reviewer")).json()
    assert (
        updated["kind"] == "subject.updated" and json.loads(updated["data"])["payload"]["address"] == "上海市"
    )


def test_legal_person_and_standard_entries_are_public(client, auth, db, fake):  # type: ignore[no-untyped-def]
    body = {"type": "legal", "name": "上海浦江建设工程有限公司", "uscc": fake.uscc(), "kinds": ["responder"]}
    sid = client.post("/api/v1/subjects", json=body, headers=auth("recorder")).json()["id"]
    with db.session() as s:
        index = s.scalar(
            select(LedgerLeaf.leaf_index).where(LedgerLeaf.entity == "subjects", LedgerLeaf.entity_id == sid)
        )
        standards = s.scalar(select(func.count()).select_from(Standard))
        logged = s.scalar(
            select(func.count()).select_from(LedgerLeaf).where(LedgerLeaf.entity == "standards")
        )
    entry = client.get(f"/api/v1/ledger/entries/{index}").json()
    assert not entry["withheld"] and json.loads(entry["data"])["payload"]["uscc"] == body["uscc"]
    assert logged == standards > 0  # every shipped standard version was logged when it was loaded
    first = client.get("/api/v1/ledger/entries/0").json()
    assert first["entity"] == "standards" and first["kind"] == "standard.filed"
    assert json.loads(first["data"])["payload"]["items"]


def test_evidence_is_logged_by_its_hash(client, auth, body, db):  # type: ignore[no-untyped-def]
    record = client.post("/api/v1/records", json=body, headers=auth("recorder")).json()
    leaves = count(db)
    r = client.post(
        f"/api/v1/records/{record['id']}/evidence",
        files={"file": ("证明.pdf", PDF)},
        headers=auth("recorder"),
    )
    assert r.status_code == 201, r.text
    assert count(db) == leaves + 1
    data = client.get(f"/api/v1/ledger/entries/{leaves}/data", headers=auth("admin")).json()
    payload = json.loads(data["data"])["payload"]
    assert payload["sha256"] == hashlib.sha256(PDF).hexdigest() and payload["record_id"] == record["id"]


def test_heads_public_key_and_proofs(client, auth, body, db):  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/ledger/head").status_code == 404  # nothing signed yet
    key = client.get("/api/v1/ledger/public-key").json()
    assert key["algorithm"] == "Ed25519" and key["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert len(key["key_id"]) == 16
    first = client.post("/api/v1/records", json=body, headers=auth("recorder")).json()
    client.post("/api/v1/records", json=body | {"external_id": "GP-LEDGER-2"}, headers=auth("recorder"))
    heads = client.get("/api/v1/ledger/heads").json()
    assert heads["total"] == 2 and heads["items"][0]["tree_size"] < heads["items"][1]["tree_size"]
    latest = client.get("/api/v1/ledger/head").json()
    assert latest == heads["items"][-1] and set(latest) == {
        "tree_size",
        "root_hash",
        "timestamp",
        "signature",
    }
    proof = client.get("/api/v1/ledger/proof/inclusion", params={"index": first["ledger_index"]}).json()
    assert proof["tree_size"] == latest["tree_size"] and proof["root_hash"] == latest["root_hash"]
    older = heads["items"][0]["tree_size"]
    sized = client.get("/api/v1/ledger/proof/inclusion", params={"index": 0, "tree_size": older}).json()
    assert sized["root_hash"] == heads["items"][0]["root_hash"]
    consistency = client.get("/api/v1/ledger/proof/consistency", params={"first": older}).json()
    assert (
        consistency["second"] == latest["tree_size"]
        and consistency["first_root"] == heads["items"][0]["root_hash"]
    )


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/ledger/proof/inclusion", {"index": 10**6, "tree_size": 1}, "index"),
        ("/api/v1/ledger/proof/inclusion", {"index": 0, "tree_size": 10**9}, "tree_size"),
        ("/api/v1/ledger/proof/inclusion", {"index": -1, "tree_size": 1}, "index"),
        ("/api/v1/ledger/proof/inclusion", {"index": 0}, "tree_size"),  # no head yet to default to
        ("/api/v1/ledger/proof/consistency", {"first": 5, "second": 2}, "first"),
        ("/api/v1/ledger/proof/consistency", {"first": 1, "second": 10**9}, "second"),
        ("/api/v1/ledger/entries/-3", {}, "index"),
    ],
)
def test_bad_proof_requests_get_422_naming_the_field(client, path, params, field):  # type: ignore[no-untyped-def]
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field


def test_unknown_entry_is_404(client):  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/ledger/entries/999999").status_code == 404
