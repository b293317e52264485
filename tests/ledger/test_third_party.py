"""A third party checks the ledger with only the public key, hashlib and ``cryptography``.

This file deliberately imports nothing from ``ggzy_credit``: it talks to the application over HTTP
(the test client) and does the hashing itself, following ``docs/ledger.md`` step by step.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from datetime import date, timedelta

from cryptography.hazmat.primitives.serialization import load_pem_public_key

# --- the procedure from docs/ledger.md, verbatim ------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def head_is_signed(public_pem: bytes, head: dict) -> bool:  # type: ignore[type-arg]
    message = (
        "ggzy-credit/sth/v1\n"
        f'{{"root_hash":"{head["root_hash"]}","timestamp":{head["timestamp"]},"tree_size":{head["tree_size"]}}}'
    ).encode("ascii")
    try:
        load_pem_public_key(public_pem).verify(base64.b64decode(head["signature"]), message)  # type: ignore[call-arg,union-attr]
        return True
    except Exception:
        return False


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2; None when the proof is malformed."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistent(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, for 0 < first <= second."""
    if first == second:
        return not proof and first_root == second_root
    if first > second or not proof:
        return False
    if first & (first - 1) == 0:  # first is an exact power of two
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- the application, seen from outside -------------------------------------------------------


def push(client, auth, make_subject, item_for, count: int, prefix: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    code, _ = item_for("engineering")
    subject = make_subject("responder")
    day = str(date.today() - timedelta(days=3))
    records = [
        {
            "platform": "engineering",
            "external_id": f"{prefix}-{i}",
            "subject_id": subject,
            "item_code": code,
            "occurred_on": day,
            "deducted_on": day,
            "description": f"第 {i} 条：未按约定履行合同",
        }
        for i in range(count)
    ]
    r = client.post("/api/v1/records/batch", json={"records": records}, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    ids = [row["id"] for row in r.json()["results"]]
    return [client.get(f"/api/v1/records/{i}", headers=auth("admin")).json() for i in ids]


def test_a_record_is_proven_in_a_signed_head(client, auth, make_subject, item_for):  # type: ignore[no-untyped-def]
    records = push(client, auth, make_subject, item_for, 5, "TP")
    key = client.get("/api/v1/ledger/public-key").json()["public_key_pem"].encode()
    head = client.get("/api/v1/ledger/head").json()
    assert head_is_signed(key, head)

    for record in records:
        index = record["ledger_index"]
        entry = client.get(f"/api/v1/ledger/entries/{index}").json()
        leaf = bytes.fromhex(entry["leaf_hash"])
        assert entry["data"] is not None and leaf_hash(entry["data"].encode("utf-8")) == leaf
        assert f'"id":{record["id"]},' in entry["data"]  # the leaf is about this record
        proof = client.get(
            "/api/v1/ledger/proof/inclusion", params={"index": index, "tree_size": head["tree_size"]}
        )
        path = [bytes.fromhex(p) for p in proof.json()["audit_path"]]
        assert root_from_inclusion_proof(index, head["tree_size"], leaf, path) == bytes.fromhex(
            head["root_hash"]
        )

        # …and any change to the entry, the path or the head fails the check.
        forged = entry["data"].replace(f'"points":{record["points"]}', f'"points":{record["points"] + 1}')
        assert root_from_inclusion_proof(
            index, head["tree_size"], leaf_hash(forged.encode()), path
        ) != bytes.fromhex(head["root_hash"])
        if path:
            bent = [bytes(32), *path[1:]]
            assert root_from_inclusion_proof(index, head["tree_size"], leaf, bent) != bytes.fromhex(
                head["root_hash"]
            )
    assert not head_is_signed(key, head | {"tree_size": head["tree_size"] + 1})


def test_a_saved_head_is_consistent_with_later_ones(client, auth, make_subject, item_for):  # type: ignore[no-untyped-def]
    push(client, auth, make_subject, item_for, 3, "EARLY")
    key = client.get("/api/v1/ledger/public-key").json()["public_key_pem"].encode()
    saved = client.get("/api/v1/ledger/head").json()
    push(client, auth, make_subject, item_for, 4, "LATER")
    new = client.get("/api/v1/ledger/head").json()
    assert head_is_signed(key, saved) and head_is_signed(key, new) and new["tree_size"] > saved["tree_size"]
    c = client.get(
        "/api/v1/ledger/proof/consistency", params={"first": saved["tree_size"], "second": new["tree_size"]}
    )
    proof = [bytes.fromhex(p) for p in c.json()["proof"]]
    first_root, second_root = bytes.fromhex(saved["root_hash"]), bytes.fromhex(new["root_hash"])
    assert consistent(saved["tree_size"], new["tree_size"], first_root, second_root, proof)
    assert not consistent(saved["tree_size"], new["tree_size"], bytes(32), second_root, proof)

    history = client.get("/api/v1/ledger/heads").json()["items"]
    assert all(head_is_signed(key, h) for h in history)
    for older, newer in itertools.pairwise(history):
        c = client.get(
            "/api/v1/ledger/proof/consistency",
            params={"first": older["tree_size"], "second": newer["tree_size"]},
        )
        assert consistent(
            older["tree_size"],
            newer["tree_size"],
            bytes.fromhex(older["root_hash"]),
            bytes.fromhex(newer["root_hash"]),
            [bytes.fromhex(p) for p in c.json()["proof"]],
        )


def test_the_key_id_is_the_published_fingerprint(client):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    published = client.get("/api/v1/ledger/public-key").json()
    raw = load_pem_public_key(published["public_key_pem"].encode()).public_bytes(
        Encoding.Raw, PublicFormat.Raw
    )
    assert hashlib.sha256(raw).hexdigest()[:16] == published["key_id"]
