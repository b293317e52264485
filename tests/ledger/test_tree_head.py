from __future__ import annotations

import base64
import dataclasses
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ggzy_credit.ledger.merkle import EMPTY_ROOT
from ggzy_credit.ledger.tree_head import (
    STH_PREFIX,
    TreeHead,
    generate_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    sign_head,
    tree_head_message,
    verify_head,
)

# RFC 8032 §7.1 TEST 1 key pair.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

ROOT8 = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
TS = 1_700_000_000_000

# Regression vector: Ed25519 is deterministic, so this signature is fixed by the format.
EXPECTED_MESSAGE = (
    b'ggzy-credit/sth/v1\n{"root_hash":"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",'
    b'"timestamp":1700000000000,"tree_size":8}'
)
EXPECTED_SIGNATURE = bytes.fromhex(
    "eea9e9b5634f724fca9563209428515c582408169d2ad9e26b958f661290f9a8"
    "fb8c0e9eb9f829885e751bf40e869e74a7d5a1a114bb5266637011b861727c05"
)


@pytest.fixture(scope="module")
def rfc_key() -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw_public == RFC8032_PUBLIC
    return key


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return generate_key()


def test_message_format_and_known_signature(rfc_key: Ed25519PrivateKey) -> None:
    assert tree_head_message(8, ROOT8, TS) == EXPECTED_MESSAGE
    head = sign_head(rfc_key, 8, ROOT8, TS)
    assert head == TreeHead(tree_size=8, root_hash=ROOT8, timestamp_ms=TS, signature=EXPECTED_SIGNATURE)
    assert head.message() == EXPECTED_MESSAGE
    assert verify_head(rfc_key.public_key(), head)


def test_third_party_verification_with_hashlib_and_cryptography_only(rfc_key: Ed25519PrivateKey) -> None:
    """What an outside verifier does, following the documented byte format by hand."""
    head_json = sign_head(rfc_key, 8, ROOT8, TS).to_json()
    # Root of the 8 reference leaves, recomputed with hashlib alone.
    leaves = [
        bytes.fromhex(x)
        for x in [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
    ]
    level = [hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    assert level[0].hex() == head_json["root_hash"]
    message = (
        "ggzy-credit/sth/v1\n"
        f'{{"root_hash":"{head_json["root_hash"]}","timestamp":{head_json["timestamp"]},'
        f'"tree_size":{head_json["tree_size"]}}}'
    ).encode("ascii")
    public = Ed25519PublicKey.from_public_bytes(RFC8032_PUBLIC)
    public.verify(base64.b64decode(head_json["signature"]), message)  # raises if invalid


def test_sign_verify_round_trip(key: Ed25519PrivateKey) -> None:
    for size, root_hash in [(0, EMPTY_ROOT), (8, ROOT8), (2**53 - 1, bytes(32))]:
        head = sign_head(key, size, root_hash, TS)
        assert verify_head(key.public_key(), head)
        assert len(head.signature) == 64
        assert head.message().startswith(STH_PREFIX)


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 9},
        {"tree_size": 7},
        {"root_hash": EMPTY_ROOT},
        {"root_hash": bytes([ROOT8[0] ^ 1]) + ROOT8[1:]},
        {"timestamp_ms": TS + 1},
        {"timestamp_ms": 0},
        {"signature": bytes([EXPECTED_SIGNATURE[0] ^ 1]) + EXPECTED_SIGNATURE[1:]},
        {"signature": EXPECTED_SIGNATURE[:-1] + bytes([EXPECTED_SIGNATURE[-1] ^ 0x80])},
        {"signature": bytes(64)},
        {"signature": EXPECTED_SIGNATURE[:63]},
        {"signature": b""},
        # Malformed heads are rejected, not raised.
        {"root_hash": ROOT8[:31]},
        {"tree_size": -1},
        {"timestamp_ms": "1700000000000"},
        {"tree_size": 2**53},
    ],
)
def test_tampered_heads_are_rejected(rfc_key: Ed25519PrivateKey, change: dict[str, object]) -> None:
    head = sign_head(rfc_key, 8, ROOT8, TS)
    assert not verify_head(rfc_key.public_key(), dataclasses.replace(head, **change))


def test_wrong_key_is_rejected(rfc_key: Ed25519PrivateKey, key: Ed25519PrivateKey) -> None:
    head = sign_head(rfc_key, 8, ROOT8, TS)
    assert not verify_head(key.public_key(), head)


def test_signature_over_another_message_is_rejected(rfc_key: Ed25519PrivateKey) -> None:
    # Same fields without the domain-separation prefix: not a valid tree head signature.
    head = sign_head(rfc_key, 8, ROOT8, TS)
    bare = rfc_key.sign(EXPECTED_MESSAGE[len(STH_PREFIX) :])
    assert not verify_head(rfc_key.public_key(), dataclasses.replace(head, signature=bare))


@pytest.mark.parametrize(
    ("size", "root_hash", "timestamp", "error"),
    [
        (-1, ROOT8, TS, ValueError),
        (2**53, ROOT8, TS, ValueError),
        (True, ROOT8, TS, TypeError),
        (8, ROOT8[:31], TS, ValueError),
        (8, ROOT8.hex(), TS, TypeError),
        (8, ROOT8, -1, ValueError),
        (8, ROOT8, 1.7e12, TypeError),
    ],
)
def test_sign_head_rejects_bad_fields(
    rfc_key: Ed25519PrivateKey, size: object, root_hash: object, timestamp: object, error: type
) -> None:
    with pytest.raises(error):
        sign_head(rfc_key, size, root_hash, timestamp)  # type: ignore[arg-type]


def test_json_round_trip(rfc_key: Ed25519PrivateKey) -> None:
    head = sign_head(rfc_key, 8, ROOT8, TS)
    data = head.to_json()
    assert data == {
        "tree_size": 8,
        "root_hash": ROOT8.hex(),
        "timestamp": TS,
        "signature": base64.b64encode(EXPECTED_SIGNATURE).decode(),
    }
    assert TreeHead.from_json(data) == head
    assert verify_head(rfc_key.public_key(), TreeHead.from_json(data))


def test_json_minus_signature_is_the_signed_body(rfc_key: Ed25519PrivateKey) -> None:
    from ggzy_credit.ledger.canonical import canonical_json

    data = sign_head(rfc_key, 8, ROOT8, TS).to_json()
    del data["signature"]
    assert STH_PREFIX + canonical_json(data) == EXPECTED_MESSAGE


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": "8"},
        {"tree_size": -1},
        {"tree_size": True},
        {"timestamp": 1.0},
        {"root_hash": ROOT8.hex().upper()},
        {"root_hash": ROOT8.hex()[:-2]},
        {"root_hash": 5},
        {"signature": base64.b64encode(EXPECTED_SIGNATURE).decode().rstrip("=")},
        {"signature": base64.urlsafe_b64encode(b"\xfb" * 64).decode()},
        {"signature": base64.b64encode(EXPECTED_SIGNATURE[:32]).decode()},
        {"signature": "not base64!"},
        {"signature": EXPECTED_SIGNATURE},
        {"extra": 1},
    ],
)
def test_from_json_rejects_malformed_input(rfc_key: Ed25519PrivateKey, change: dict[str, object]) -> None:
    data = {**sign_head(rfc_key, 8, ROOT8, TS).to_json(), **change}
    with pytest.raises((ValueError, TypeError)):
        TreeHead.from_json(data)


def test_from_json_rejects_missing_keys(rfc_key: Ed25519PrivateKey) -> None:
    data = sign_head(rfc_key, 8, ROOT8, TS).to_json()
    del data["timestamp"]
    with pytest.raises(ValueError, match="missing"):
        TreeHead.from_json(data)


def test_pem_round_trip(key: Ed25519PrivateKey) -> None:
    pem = private_key_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = load_private_key(pem)
    pub_pem = public_key_pem(key.public_key())
    assert pub_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert public_key_pem(loaded.public_key()) == pub_pem
    public = load_public_key(pub_pem)
    head = sign_head(loaded, 3, ROOT8, TS)
    assert verify_head(public, head)
    assert verify_head(key.public_key(), head)


def test_encrypted_pem_round_trip(key: Ed25519PrivateKey) -> None:
    pem = private_key_pem(key, password=b"correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        load_private_key(pem)  # password required
    with pytest.raises(ValueError):
        load_private_key(pem, password=b"wrong")
    loaded = load_private_key(pem, password=b"correct horse")
    assert public_key_pem(loaded.public_key()) == public_key_pem(key.public_key())


def test_pem_loaders_reject_other_key_types() -> None:
    other = X25519PrivateKey.generate()
    private_pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(TypeError, match="Ed25519"):
        load_private_key(private_pem)
    with pytest.raises(TypeError, match="Ed25519"):
        load_public_key(public_pem)
