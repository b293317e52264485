"""Inclusion proofs of ledger leaves against one signed tree head, for a report.

The latest signed head is used when it covers every leaf asked for; otherwise (a record logged after
the last signature) a fresh head is signed in the request's transaction, so every proof in a report
checks against the one head the report carries. All audit paths are fetched in one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.ledger import merkle, store
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.tree_head import TreeHead


@dataclass(frozen=True)
class Inclusion:
    index: int
    data: bytes
    leaf_hash: bytes
    audit_path: list[bytes]


def prove(
    session: Session, indices: Sequence[int], key: Ed25519PrivateKey
) -> tuple[TreeHead, dict[int, Inclusion]]:
    """A signed head covering every index, and each index's leaf data, hash and audit path."""
    wanted = sorted(set(indices))
    head = ledger.latest_head(session)
    if head is None or (wanted and wanted[-1] >= head.tree_size):
        head = ledger.sign(session, key)
    size = head.tree_size
    paths = store.compute(session, lambda get: [merkle.inclusion_proof(i, size, get) for i in wanted])
    leaves = {
        i: (bytes(data), bytes(h))
        for i, data, h in session.execute(
            select(LedgerLeaf.leaf_index, LedgerLeaf.data, LedgerLeaf.leaf_hash).where(
                LedgerLeaf.leaf_index.in_(wanted)
            )
        )
    }
    return head, {
        i: Inclusion(i, leaves[i][0], leaves[i][1], path)
        for i, path in zip(wanted, paths, strict=True)
        if i in leaves
    }
