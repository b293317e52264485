"""The Merkle log in the database: RFC 9162 known answers, O(log n) appends and proofs, rollbacks.

Known answers are the RFC 6962 / RFC 9162 reference vectors (transparency-dev/merkle
testonly/constants.go), appended through the database store on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import delete, event, func, select, update

from ggzy_credit.ledger import merkle, store
from ggzy_credit.ledger.models import LedgerLeaf, LedgerNode, LedgerState

h = bytes.fromhex

LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]
INCLUSION = [
    (0, 1, []),
    (0, 2, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")]),
    (1, 2, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]


def empty(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        s.execute(delete(LedgerLeaf))
        s.execute(delete(LedgerNode))
        s.execute(update(LedgerState).values(tree_size=0))


def leaves(datas: list[bytes]) -> list[store.NewLeaf]:
    return [store.NewLeaf("test.raw", "test", i, d, True) for i, d in enumerate(datas)]


@pytest.fixture
def reference(db):  # type: ignore[no-untyped-def]
    """The RFC reference tree, appended in uneven batches (3 + 1 + 4)."""
    empty(db)
    for part in (LEAF_INPUTS[:3], LEAF_INPUTS[3:4], LEAF_INPUTS[4:]):
        with db.session() as s:
            start = store.size(s)
            assert store.append_leaves(
                s, [store.NewLeaf("test.raw", "test", start + i, d) for i, d in enumerate(part)]
            ) == list(range(start, start + len(part)))
    return db


def test_roots_at_every_size_are_the_reference_roots(reference):  # type: ignore[no-untyped-def]
    with reference.session() as s:
        assert store.size(s) == 8
        for size, expected in enumerate(ROOTS):
            assert store.root(s, size) == expected, size


def test_every_stored_node_is_a_reference_node(reference):  # type: ignore[no-untyped-def]
    expected = merkle.MemoryStore()
    for data in LEAF_INPUTS:
        for level, idx, value in merkle.append(expected.size, merkle.leaf_hash(data), expected.get):
            expected.put(level, idx, value)
    with reference.session() as s:
        nodes = {
            (lv, i): bytes(v)
            for lv, i, v in s.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash))
        }
        hashes = {(0, i): bytes(v) for i, v in s.execute(select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash))}
    assert len(nodes) == 8 - 1 and all(level > 0 for level, _ in nodes)  # n − popcount(n) inner nodes
    for key, value in (nodes | hashes).items():
        assert expected.get(*key) == value


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_are_the_reference_proofs(reference, index, size, path):  # type: ignore[no-untyped-def]
    with reference.session() as s:
        assert store.inclusion_proof(s, index, size) == path
        assert merkle.verify_inclusion(merkle.leaf_hash(LEAF_INPUTS[index]), index, size, path, ROOTS[size])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_reference_proofs(reference, first, second, proof):  # type: ignore[no-untyped-def]
    with reference.session() as s:
        assert store.consistency_proof(s, first, second) == proof
        assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)


def test_empty_tree_root(db):  # type: ignore[no-untyped-def]
    empty(db)
    with db.session() as s:
        assert store.size(s) == 0 and store.root(s, 0) == merkle.EMPTY_ROOT


def test_batches_of_any_shape_build_the_same_tree(db):  # type: ignore[no-untyped-def]
    empty(db)
    rng = random.Random(7)
    datas = [rng.randbytes(rng.randrange(0, 40)) for _ in range(300)]
    memory = merkle.MemoryStore()
    position = 0
    while position < len(datas):
        take = rng.choice([1, 1, 2, 5, 17, 64])
        with db.session() as s:
            store.append_leaves(s, leaves(datas[position : position + take]))
        position += take
    for d in datas:
        for level, idx, value in merkle.append(memory.size, merkle.leaf_hash(d), memory.get):
            memory.put(level, idx, value)
    with db.session() as s:
        for size in (1, 2, 3, 64, 65, 127, 200, 300):
            assert store.root(s, size) == merkle.mth(datas[:size])
        for index, size in ((0, 300), (299, 300), (150, 257), (64, 65)):
            assert store.inclusion_proof(s, index, size) == merkle.inclusion_proof(index, size, memory.get)
        for first, second in ((1, 300), (64, 300), (100, 257), (255, 256)):
            assert store.consistency_proof(s, first, second) == merkle.consistency_proof(
                first, second, memory.get
            )
        assert s.scalar(select(func.count()).select_from(LedgerNode)) == 300 - (300).bit_count()


class Statements:
    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.count = 0
        self.engine = engine

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1


def test_appends_and_proofs_cost_a_fixed_number_of_statements(db):  # type: ignore[no-untyped-def]
    """O(log n): a batch appends with one read of the frontier and one insert per table, whatever n."""
    empty(db)
    rng = random.Random(3)
    costs = []
    for batch in (1, 10, 100, 1000):
        with db.session() as s, Statements(db.engine) as seen:
            store.append_leaves(s, leaves([rng.randbytes(8) for _ in range(batch)]))
        costs.append(seen.count)
    assert max(costs) <= 6, costs
    with db.session() as s:
        size = store.size(s)
        for index in (0, size // 2, size - 1):
            with Statements(db.engine) as seen:
                path = store.inclusion_proof(s, index, size)
            assert seen.count <= 2 and len(path) <= size.bit_length()
        with Statements(db.engine) as seen:
            store.consistency_proof(s, 333, size)
        assert seen.count <= 2


def test_a_rolled_back_append_leaves_nothing(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        before = store.size(s)
        root = store.root(s, before)
    with pytest.raises(RuntimeError), db.session() as s:
        store.append_leaves(s, leaves([b"a", b"b", b"c"]))
        assert store.size(s) == before + 3
        raise RuntimeError("the event failed after logging")
    with db.session() as s:
        assert store.size(s) == before and store.root(s, before) == root
        assert s.scalar(select(func.count()).select_from(LedgerLeaf)) == before


def test_the_size_row_is_rebuilt_if_missing(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        before = store.size(s)
        s.execute(delete(LedgerState))
    with db.session() as s:
        assert store.append_leaves(s, leaves([b"x"])) == [before]
        assert store.size(s) == before + 1


def test_missing_nodes_are_reported_not_invented(reference):  # type: ignore[no-untyped-def]
    with reference.session() as s:
        s.execute(delete(LedgerNode).where(LedgerNode.level == 2))
    with reference.session() as s, pytest.raises(store.MissingNode):
        store.root(s, 6)  # needs (2, 0) and (1, 2)


def test_concurrent_appenders_are_serialised(db):  # type: ignore[no-untyped-def]
    """The tree size is a global sequence: parallel transactions never share or skip a position."""
    from concurrent.futures import ThreadPoolExecutor

    empty(db)

    def writer(n: int) -> list[int]:
        out = []
        for batch in range(8):
            with db.session() as s:
                out += store.append_leaves(s, leaves([f"{n}:{batch}:{i}".encode() for i in range(n + 1)]))
        return out

    with ThreadPoolExecutor(4) as pool:
        indices = sorted(i for part in pool.map(writer, range(4)) for i in part)
    assert indices == list(range(8 * (1 + 2 + 3 + 4)))
    with db.session() as s:
        datas = [bytes(d) for (d,) in s.execute(select(LedgerLeaf.data).order_by(LedgerLeaf.leaf_index))]
        assert store.root(s, len(datas)) == merkle.mth(datas)
        assert s.scalar(select(func.count()).select_from(LedgerNode)) == len(datas) - len(datas).bit_count()
