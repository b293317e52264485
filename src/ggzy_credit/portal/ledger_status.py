"""The ledger as the portal shows it: whether a record's creation is in the signed log, and its proof.

A record is *included* when the leaf that logged its creation lies inside the latest signed tree
head, *pending* when it is logged but no head covers it yet, and *missing* when no leaf names it
(which ``ggzy-credit ledger verify`` reports as damage). The proof page recomputes the inclusion
proof and checks it, and the head's signature, on the server — and shows every hash so anyone can
check it again with the public key (``/api/v1/ledger/public-key``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ggzy_credit.ledger import merkle, service, store
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.ledger.sources import RECORDS
from ggzy_credit.ledger.tree_head import TreeHead, verify_head

INCLUDED, PENDING, MISSING = "included", "pending", "missing"


@dataclass(frozen=True)
class LedgerState:
    index: int | None
    status: str


@dataclass(frozen=True)
class Proof:
    index: int
    leaf_hash: str
    head: TreeHead
    audit_path: list[str]
    included: bool
    signature_ok: bool | None  # None: the signing key is not on this server


def states(session: Session, record_ids: Sequence[int]) -> dict[int, LedgerState]:
    """Ledger state of each record, in two queries for any number of records."""
    if not record_ids:
        return {}
    indices = service.first_index(session, RECORDS, list(record_ids))
    head = service.latest_head(session)
    size = head.tree_size if head else 0
    out = {}
    for rid in record_ids:
        index = indices.get(rid)
        if index is None:
            out[rid] = LedgerState(None, MISSING)
        else:
            out[rid] = LedgerState(index, INCLUDED if index < size else PENDING)
    return out


def proof(session: Session, secrets_dir: Path | None, record_id: int) -> Proof | None:
    """The inclusion proof of a record's creation in the latest signed head, checked here."""
    index = service.first_index(session, RECORDS, [record_id]).get(record_id)
    head = service.latest_head(session)
    if index is None or head is None or index >= head.tree_size:
        return None
    leaf = store.fetch_nodes(session, {(0, index)})[(0, index)]
    path = store.inclusion_proof(session, index, head.tree_size)
    included = merkle.verify_inclusion(leaf, index, head.tree_size, path, head.root_hash)
    signature_ok: bool | None = None
    if secrets_dir is not None:
        try:
            signature_ok = verify_head(signing_key(secrets_dir).public_key(), head)
        except FileNotFoundError:
            signature_ok = None
    return Proof(index, leaf.hex(), head, [p.hex() for p in path], included, signature_ok)
