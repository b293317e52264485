"""Pure Merkle-log algorithms (RFC 9162 §2.1, certificate-transparency style).

Hashing (SHA-256, RFC 9162 §2.1.1)::

    EMPTY_ROOT        = SHA-256(b"")
    leaf_hash(d)      = SHA-256(0x00 || d)
    node_hash(l, r)   = SHA-256(0x01 || l || r)
    MTH(D[n]), n > 1  = node_hash(MTH(D[0:k]), MTH(D[k:n])), k = largest power of two < n

Storage model: a log of size ``n`` is fully described by the hashes of its
*perfect subtrees*: node ``(level, index)`` is the MTH of leaves
``[index * 2**level, (index + 1) * 2**level)`` and exists once all of those
leaves exist (level 0 holds the leaf hashes).  Such a node never changes after it
is created, so the store is append-only.  Every range that the RFC recursion
visits while computing a root, an inclusion path or a consistency proof is
either one of those perfect subtrees or splits into ``O(log n)`` of them, which
makes all operations here ``O(log n)`` calls of ``get(level, index)``:

* :func:`append` — the new leaf plus one node per trailing 1-bit of ``n``;
* :func:`root` — one node per 1-bit of ``size``;
* :func:`inclusion_proof` / :func:`consistency_proof` — one node per tree level
  plus at most one non-perfect right subtree (``popcount`` nodes).

The functions take ``get`` (typically ``store.get``) rather than a store object,
never write anything, and never ask for a node outside the requested tree
size.  Whether the store actually holds ``size`` leaves is the caller's concern.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryStore",
    "NodeGetter",
    "SubtreeStore",
    "append",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "mth",
    "node_hash",
    "range_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeGetter = Callable[[int, int], bytes]
"""``get(level, index)``: hash of the perfect subtree over leaves ``[index·2^level, (index+1)·2^level)``."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)`` — the RFC 9162 hash of one log entry."""
    return hashlib.sha256(b"\x00" + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)`` — the RFC 9162 interior-node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


@runtime_checkable
class SubtreeStore(Protocol):
    """Read access to stored perfect-subtree hashes."""

    def get(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``."""
        ...


class MemoryStore:
    """A dict-backed :class:`SubtreeStore` for tests and small in-memory trees.

    Typical use::

        store = MemoryStore()
        for entry in entries:
            for level, index, h in append(store.size, leaf_hash(entry), store.get):
                store.put(level, index, h)
    """

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves stored (the level-0 nodes must be contiguous from 0)."""
        return self._size

    def get(self, level: int, index: int) -> bytes:
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise KeyError(f"no stored subtree at level={level}, index={index}") from None

    def put(self, level: int, index: int, value: bytes) -> None:
        if level < 0 or index < 0:
            raise ValueError(f"level and index must be non-negative, got ({level}, {index})")
        if len(value) != HASH_SIZE:
            raise ValueError(f"node hash must be {HASH_SIZE} bytes, got {len(value)}")
        existing = self._nodes.get((level, index))
        if existing is not None and existing != value:
            raise ValueError(f"node ({level}, {index}) is already stored with a different hash")
        self._nodes[(level, index)] = bytes(value)
        if level == 0:
            while (0, self._size) in self._nodes:
                self._size += 1

    def __contains__(self, key: object) -> bool:
        return key in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)


def _check_size(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def append(store_size: int, leaf: bytes, get: NodeGetter) -> list[tuple[int, int, bytes]]:
    """Nodes to persist when appending a leaf to a log of ``store_size`` leaves.

    ``leaf`` is the new entry's *leaf hash* (``leaf_hash(data)``), not its data.
    Returns ``(level, index, hash)`` for the leaf at ``(0, store_size)`` followed
    by every perfect subtree it completes, bottom-up; that is one node per
    trailing 1-bit of ``store_size``, each needing one ``get`` of its left sibling.
    """
    _check_size("store_size", store_size)
    if len(leaf) != HASH_SIZE:
        raise ValueError(f"leaf must be a {HASH_SIZE}-byte leaf hash, got {len(leaf)} bytes")
    current = bytes(leaf)
    nodes = [(0, store_size, current)]
    level, index = 0, store_size
    while index & 1:
        current = node_hash(get(level, index - 1), current)
        level, index = level + 1, index >> 1
        nodes.append((level, index, current))
    return nodes


def range_hash(start: int, end: int, get: NodeGetter) -> bytes:
    """MTH of leaves ``[start, end)`` (``EMPTY_ROOT`` when empty), from stored perfect subtrees.

    The range is split as RFC 9162 splits ``D[start:end]``.  When ``start`` is a
    multiple of the smallest power of two ``>= end - start`` — true of every
    range the RFC recursion visits, and of every prefix ``[0, size)`` — each
    left part is a stored perfect subtree and the cost is ``popcount(end - start)``
    calls of ``get``.  Other ranges are still computed correctly, but may
    descend to individual leaves.
    """
    _check_size("start", start)
    _check_size("end", end)
    if start > end:
        raise ValueError(f"start ({start}) must not exceed end ({end})")
    if start == end:
        return EMPTY_ROOT
    return _range(start, end, get)


def _range(start: int, end: int, get: NodeGetter) -> bytes:
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return get(level, start >> level)
    k = _split(n)
    return node_hash(_range(start, start + k, get), _range(start + k, end, get))


def root(size: int, get: NodeGetter) -> bytes:
    """MTH of the first ``size`` leaves: ``popcount(size)`` calls of ``get``."""
    return range_hash(0, size, get)


def inclusion_proof(index: int, size: int, get: NodeGetter) -> list[bytes]:
    """RFC 9162 §2.1.3.1 ``PATH(index, D[0:size])``, leaf-side sibling first."""
    _check_size("index", index)
    _check_size("size", size)
    if index >= size:
        raise ValueError(f"leaf index {index} is out of range for tree size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            # PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])
            path.append(_range(start + k, end, get))
            end = start + k
        else:
            # PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append(_range(start, start + k, get))
            start += k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, get: NodeGetter) -> list[bytes]:
    """RFC 9162 §2.1.4.1 ``PROOF(first, D[0:second])``.

    Empty when ``first == second`` (``SUBPROOF(m, D[m], true)``) and when
    ``first == 0`` (the RFC defines proofs for ``0 < first``; the empty tree is
    consistent with every tree, see :func:`verify_consistency`).
    """
    _check_size("first", first)
    _check_size("second", second)
    if first > second:
        raise ValueError(f"first tree size {first} exceeds second tree size {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    start, end = 0, second
    whole_first_subtree = True  # the "b" flag of SUBPROOF
    while end != first:
        # Invariant: start < first < end, so end - start >= 2.
        k = _split(end - start)
        if first <= start + k:
            # SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            proof.append(_range(start + k, end, get))
            end = start + k
        else:
            # SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            proof.append(_range(start, start + k, get))
            start += k
            whole_first_subtree = False
    if not whole_first_subtree:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}; here D[start:end] is a perfect subtree.
        proof.append(_range(start, end, get))
    proof.reverse()
    return proof


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show ``leaf_hash`` at ``index`` in the tree ``(size, root)``?

    Never raises for malformed input: out-of-range indices, negative sizes and
    hashes that are not 32 bytes simply fail verification.
    """
    if not (_is_size(index) and _is_size(size) and _is_hash(leaf_hash) and _is_hash(root)):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    # 1. leaf_index >= tree_size fails.
    if index >= size:
        return False
    # 2.-3.
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    # 4.
    for p in proof:
        p = bytes(p)
        if sn == 0:
            return False
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
    # 5.
    return sn == 0 and hmac.compare_digest(r, bytes(root))


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``(second, second_root)`` an extension of ``(first, first_root)``?

    Beyond the RFC's ``0 < first < second`` case:

    * ``first == second``: valid iff the proof is empty and the roots are equal;
    * ``first == 0``: valid iff the proof is empty and ``first_root`` is
      ``EMPTY_ROOT`` (the empty tree is a prefix of every tree);
    * ``first > second``, negative sizes, hashes that are not 32 bytes: invalid.

    Never raises for malformed input.
    """
    if not (_is_size(first) and _is_size(second) and _is_hash(first_root) and _is_hash(second_root)):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    first_root, second_root = bytes(first_root), bytes(second_root)
    if first > second:
        return False
    if first == second:
        if first == 0 and not hmac.compare_digest(first_root, EMPTY_ROOT):
            return False
        return len(proof) == 0 and hmac.compare_digest(first_root, second_root)
    if first == 0:
        return len(proof) == 0 and hmac.compare_digest(first_root, EMPTY_ROOT)
    # 1. An empty consistency_path fails.
    if len(proof) == 0:
        return False
    path = [bytes(p) for p in proof]
    # 2. If first is an exact power of 2, prepend first_hash.
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    # 3.
    fn, sn = first - 1, second - 1
    # 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    return sn == 0 and hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)


def mth(leaves: Sequence[bytes]) -> bytes:
    """Reference RFC 9162 §2.1.1 Merkle Tree Hash over raw leaf *data* (O(n); for tests)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(leaves[0])
    k = _split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))
