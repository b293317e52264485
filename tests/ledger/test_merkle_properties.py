"""Property tests: store-based proofs equal the RFC 9162 recursive definitions and verify.

The reference ``ref_path`` / ``ref_proof`` below are transcriptions of RFC 9162
§2.1.3.1 (PATH) and §2.1.4.1 (PROOF / SUBPROOF) over raw leaf data, using the
reference ``mth``; they know nothing about stored subtrees.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy_credit.ledger.merkle import (
    EMPTY_ROOT,
    MemoryStore,
    append,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    mth,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300


def _k(n: int) -> int:
    """Largest power of two strictly smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, d[:k]), mth(d[k:])]
    return [*ref_path(m - k, d[k:]), mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


def build_store(entries: list[bytes]) -> MemoryStore:
    store = MemoryStore()
    for entry in entries:
        for level, index, value in append(store.size, leaf_hash(entry), store.get):
            store.put(level, index, value)
    return store


ENTRIES = [f"credit-event-{i}".encode() for i in range(MAX_SIZE)]
STORE = build_store(ENTRIES)
ROOTS = [mth(ENTRIES[:n]) for n in range(MAX_SIZE + 1)]


def guarded(get: Callable[[int, int], bytes], size: int, calls: list[tuple[int, int]] | None = None):
    """``get`` that fails the test if a node outside the first ``size`` leaves is requested."""

    def wrapper(level: int, index: int) -> bytes:
        assert level >= 0 and index >= 0
        assert (index + 1) << level <= size, f"node ({level}, {index}) lies outside tree size {size}"
        if calls is not None:
            calls.append((level, index))
        return get(level, index)

    return wrapper


def flip(value: bytes, byte: int, bit: int) -> bytes:
    out = bytearray(value)
    out[byte % len(out)] ^= 1 << bit
    return bytes(out)


# --- roots and appends ----------------------------------------------------------------------


def test_root_of_every_prefix_equals_reference() -> None:
    for n in range(MAX_SIZE + 1):
        assert root(n, guarded(STORE.get, n)) == ROOTS[n], n


def test_store_holds_exactly_the_perfect_subtrees() -> None:
    expected = sum(MAX_SIZE >> level for level in range(MAX_SIZE.bit_length()))
    assert len(STORE) == expected
    for level in range(MAX_SIZE.bit_length()):
        for index in range(MAX_SIZE >> level):
            lo, hi = index << level, (index + 1) << level
            assert STORE.get(level, index) == mth(ENTRIES[lo:hi])


@given(st.lists(st.binary(max_size=12), max_size=70))
def test_append_maintains_root(entries: list[bytes]) -> None:
    store = MemoryStore()
    for n, entry in enumerate(entries):
        nodes = append(n, leaf_hash(entry), guarded(store.get, n))
        # The leaf plus one node per trailing 1-bit of n.
        trailing_ones = (n ^ (n + 1)).bit_length() - 1
        assert len(nodes) == 1 + trailing_ones
        assert nodes[0] == (0, n, leaf_hash(entry))
        for level, index, value in nodes:
            store.put(level, index, value)
        assert root(n + 1, store.get) == mth(entries[: n + 1])
    assert root(len(entries), store.get) == mth(entries)


# --- inclusion ------------------------------------------------------------------------------


def test_inclusion_exhaustive_small_trees() -> None:
    for size in range(1, 65):
        for index in range(size):
            proof = inclusion_proof(index, size, guarded(STORE.get, size))
            assert proof == ref_path(index, ENTRIES[:size]), (index, size)
            assert verify_inclusion(leaf_hash(ENTRIES[index]), index, size, proof, ROOTS[size])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_inclusion_proofs_match_reference_and_resist_tampering(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, MAX_SIZE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(index, size, guarded(STORE.get, size))
    assert proof == ref_path(index, ENTRIES[:size])
    leaf = leaf_hash(ENTRIES[index])
    good_root = ROOTS[size]
    assert verify_inclusion(leaf, index, size, proof, good_root)
    assert len(proof) <= math.ceil(math.log2(size))

    # Any flipped bit in any proof element.
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bad = list(proof)
        bad[i] = flip(bad[i], data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7)))
        assert not verify_inclusion(leaf, index, size, bad, good_root)
        assert not verify_inclusion(leaf, index, size, proof[:-1], good_root)
        assert not verify_inclusion(leaf, index, size, proof[1:], good_root)
    assert not verify_inclusion(leaf, index, size, [*proof, proof[0] if proof else leaf], good_root)
    # Tampered leaf (a different entry's leaf hash, or a flipped bit) and tampered root.
    other = (index + data.draw(st.integers(1, MAX_SIZE - 1), label="other")) % MAX_SIZE
    assert not verify_inclusion(leaf_hash(ENTRIES[other]), index, size, proof, good_root)
    assert not verify_inclusion(flip(leaf, 3, 1), index, size, proof, good_root)
    assert not verify_inclusion(leaf, index, size, proof, flip(good_root, 7, 5))
    assert not verify_inclusion(leaf, index, size, proof, ROOTS[size - 1])
    # The same proof does not place the leaf at another position of the same tree.
    if size > 1:
        j = (index + data.draw(st.integers(1, size - 1), label="offset")) % size
        assert not verify_inclusion(leaf, j, size, proof, good_root)
    assert not verify_inclusion(leaf, size, size, proof, good_root)


# --- consistency ----------------------------------------------------------------------------


def test_consistency_exhaustive_small_trees() -> None:
    for second in range(1, 41):
        for first in range(0, second + 1):
            proof = consistency_proof(first, second, guarded(STORE.get, second))
            expected = [] if first in (0, second) else ref_proof(first, ENTRIES[:second])
            assert proof == expected, (first, second)
            assert verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_consistency_proofs_match_reference_and_resist_tampering(data: st.DataObject) -> None:
    second = data.draw(st.integers(2, MAX_SIZE), label="second")
    first = data.draw(st.integers(1, second - 1), label="first")
    proof = consistency_proof(first, second, guarded(STORE.get, second))
    assert proof == ref_proof(first, ENTRIES[:second])
    root1, root2 = ROOTS[first], ROOTS[second]
    assert verify_consistency(first, second, root1, root2, proof)
    assert proof

    i = data.draw(st.integers(0, len(proof) - 1), label="element")
    bad = list(proof)
    bad[i] = flip(bad[i], data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7)))
    assert not verify_consistency(first, second, root1, root2, bad)
    assert not verify_consistency(first, second, root1, root2, proof[:-1])
    assert not verify_consistency(first, second, root1, root2, [*proof, root2])
    assert not verify_consistency(first, second, root1, root2, [root1, *proof])
    assert not verify_consistency(first, second, flip(root1, 0, 0), root2, proof)
    assert not verify_consistency(first, second, root1, flip(root2, 31, 7), proof)
    assert not verify_consistency(first, second, root2, root1, proof)
    assert not verify_consistency(second, first, root1, root2, proof)
    # A forked log: same first tree, different later entries.
    forked = build_store([*ENTRIES[:first], *(b"forged-" + e for e in ENTRIES[first:second])])
    forked_root = root(second, forked.get)
    assert forked_root != root2
    assert not verify_consistency(first, second, root1, forked_root, proof)
    assert verify_consistency(first, second, root1, forked_root, consistency_proof(first, second, forked.get))
    # ... and a tree that rewrote history is not an extension of the first tree.
    rewritten = build_store([b"rewritten", *ENTRIES[1:second]])
    rewritten_proof = consistency_proof(first, second, rewritten.get)
    assert not verify_consistency(first, second, root1, root(second, rewritten.get), rewritten_proof)


# --- cost: O(log n) get() calls -------------------------------------------------------------

BIG = 2**17 - 1  # 131071 leaves: every level has a dangling right edge (worst case for popcount)


def synthetic_leaf(i: int) -> bytes:
    return i.to_bytes(8, "big")


@functools.cache
def lazy_node(level: int, index: int) -> bytes:
    """The true stored hash of perfect subtree (level, index) over synthetic leaves, on demand."""
    if level == 0:
        return leaf_hash(synthetic_leaf(index))
    return node_hash(lazy_node(level - 1, 2 * index), lazy_node(level - 1, 2 * index + 1))


def log_bound(n: int) -> int:
    return 4 * math.log2(max(n, 2)) + 4


@pytest.fixture(scope="module")
def big_root() -> bytes:
    return root(BIG, lazy_node)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_proof_costs_are_logarithmic_on_a_large_tree(big_root: bytes, data: st.DataObject) -> None:
    size = data.draw(st.sampled_from([BIG, 100_000, 65_537, 65_536]) | st.integers(2, BIG), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    first = data.draw(st.integers(1, size - 1), label="first")
    depth = math.ceil(math.log2(size))

    calls: list[tuple[int, int]] = []
    size_root = root(size, guarded(lazy_node, size, calls))
    assert len(calls) == bin(size).count("1")
    if size == BIG:
        assert size_root == big_root

    calls.clear()
    proof = inclusion_proof(index, size, guarded(lazy_node, size, calls))
    assert len(calls) <= 2 * depth <= log_bound(size)
    assert verify_inclusion(lazy_node(0, index), index, size, proof, size_root)

    calls.clear()
    cproof = consistency_proof(first, size, guarded(lazy_node, size, calls))
    assert len(calls) <= 2 * depth + 1 <= log_bound(size)
    assert verify_consistency(first, size, root(first, lazy_node), size_root, cproof)

    calls.clear()
    nodes = append(size, leaf_hash(synthetic_leaf(size)), guarded(lazy_node, size, calls))
    assert len(calls) == len(nodes) - 1 <= depth
    assert nodes[-1][2] == lazy_node(nodes[-1][0], nodes[-1][1])


def fake_node(level: int, index: int) -> bytes:
    """Not a consistent tree — only for counting calls on astronomically large sizes."""
    return hashlib.sha256(f"{level}/{index}".encode()).digest()


@given(st.integers(2, 2**62), st.data())
def test_call_counts_stay_logarithmic_for_huge_sizes(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(0, size))
    bound = log_bound(size)
    for run in (
        lambda get: root(size, get),
        lambda get: inclusion_proof(index, size, get),
        lambda get: consistency_proof(first, size, get),
        lambda get: append(size, EMPTY_ROOT, get),
    ):
        calls: list[tuple[int, int]] = []
        run(guarded(fake_node, size, calls))
        assert len(calls) <= bound, (size, len(calls))
