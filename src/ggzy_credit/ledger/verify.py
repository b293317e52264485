"""``ggzy-credit ledger verify``: is the log intact, and does it still describe the live tables?

1. Every live row of every registered table is recomputed into its leaf and compared with its
   latest leaf (:func:`~ggzy_credit.ledger.checks.check_entities`): changed, deleted and
   unlogged rows are named.
2. The tree is rebuilt from the stored leaves in aligned blocks
   (:func:`~ggzy_credit.ledger.tree_check.check_block`), each stored node is compared with the rebuilt
   one, and the blocks are joined here into the upper levels and the root at every head's size.
3. Every stored signed head must carry a valid signature and the rebuilt root at its size: a
   history rewritten consistently (leaves and nodes recomputed) cannot be signed again without the
   private key, so the old heads expose it. A head a third party pinned is checked the same way,
   plus with a consistency proof from the stored nodes, exactly as that third party would.

The jobs are independent; with ``jobs > 1`` they run in that many processes
(:mod:`~ggzy_credit.ledger.verify_jobs`), started before the jobs are listed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit.ledger import merkle, sql_compare, store
from ggzy_credit.ledger.checks import EntityResult, Problem
from ggzy_credit.ledger.keys import key_id
from ggzy_credit.ledger.models import LedgerHead, LedgerLeaf, LedgerNode, LedgerState
from ggzy_credit.ledger.registry import sources
from ggzy_credit.ledger.tree_check import BlockResult
from ggzy_credit.ledger.tree_head import TreeHead, verify_head
from ggzy_credit.ledger.verify_jobs import Jobs, tune

BLOCK_LEVEL = 16  # blocks of 65,536 leaves
ID_WINDOW = 10_000
PARALLEL_FROM = 200_000  # leaves; below this, one process is faster than starting more


@dataclass
class Report:
    tree_size: int = 0
    rows_checked: int = 0
    heads_checked: int = 0
    latest_head: TreeHead | None = None
    pinned: list[TreeHead] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Head:
    id: int
    head: TreeHead
    key_id: str


def verify(
    session: Session,
    public_key: Ed25519PublicKey,
    *,
    pinned: Sequence[TreeHead] = (),
    jobs: int | None = None,
    url: str | None = None,
    block_level: int = BLOCK_LEVEL,
    id_window: int = ID_WINDOW,
) -> Report:
    """Check everything; ``url`` (the database URL) is needed to run jobs in other processes."""
    started = time.perf_counter()
    report = Report(pinned=list(pinned))
    tune(session)
    size, state_problems = _tree_size(session)
    report.tree_size = size
    report.problems += state_problems
    workers = jobs if jobs is not None else (min(os.cpu_count() or 1, 4) if size >= PARALLEL_FROM else 1)
    # Import the sources and compile their statements here, before forking: the workers inherit them.
    sql_compare.prepare(session, sorted(e for e, src in sources().items() if src.sql_members))
    with Jobs(session, workers, url) as runner:
        heads = [
            _Head(
                r.id, TreeHead(r.tree_size, bytes(r.root_hash), r.timestamp_ms, bytes(r.signature)), r.key_id
            )
            for r in session.scalars(select(LedgerHead).order_by(LedgerHead.id))
        ]
        report.latest_head = heads[-1].head if heads else None
        sizes = sorted(
            {h.head.tree_size for h in heads if 0 < h.head.tree_size <= size} | _pinned_size(pinned, size)
        )
        block = 1 << block_level
        # Blocks first: they are the longest jobs, and workers that finish early take the windows.
        runner.submit(
            [
                ("block", s, min(s + block, size), block_level, [m for m in sizes if s < m <= s + block])
                for s in range(0, size, block)
            ]
        )
        runner.submit([("entity", e, a, b) for e, a, b in _windows(session, id_window)])
        # The parent's share, while the workers run.
        report.problems += _node_count(session, size)
        unsigned = _bad_signatures(heads, public_key)
        results = runner.results()
    blocks = [r for r in results if isinstance(r, BlockResult)]
    for res in [r for r in results if isinstance(r, EntityResult)] + blocks:
        report.rows_checked += res.rows if isinstance(res, EntityResult) else 0
        report.problems += res.problems
    roots = _join_blocks(session, sorted(blocks, key=lambda b: b.start), size, block_level, report)
    report.heads_checked = _check_heads(session, heads, unsigned, roots, size, report)
    for head in pinned:
        _check_pinned(session, head, roots, public_key, size, report)
    report.seconds = time.perf_counter() - started
    return report


def _tree_size(session: Session) -> tuple[int, list[Problem]]:
    """The size to check, from one statement (one snapshot: the application may be appending).

    No ``count(*)`` of the leaves (a scan of the whole log): the blocks report every gap in
    ``[0, size)``, so the smallest and largest index are enough to see leaves outside it.
    """
    # Separate subqueries: SQLite looks min() and max() up in the index only one per query.
    first, last, state = session.execute(
        select(
            select(func.min(LedgerLeaf.leaf_index)).scalar_subquery(),
            select(func.max(LedgerLeaf.leaf_index)).scalar_subquery(),
            select(LedgerState.tree_size).where(LedgerState.id == 1).scalar_subquery(),
        )
    ).one()
    if state is None:  # the state row is rebuilt on the next append (store.reserve)
        state = 0 if last is None else last + 1
    size = max(state, 0 if last is None else last + 1)
    problems = []
    if state != size or (first is not None and first < 0):
        count = session.scalar(select(func.count()).select_from(LedgerLeaf))
        message = f"账本规模不一致：记载 {state} 条，实有 {count} 条，最大序号 {last}（日志表被改动）"
        problems.append(Problem("state", message))
    return size, problems


def _node_count(session: Session, size: int) -> list[Problem]:
    """Nodes added outside the tree's shape are seen only here: the blocks read exact ranges."""
    nodes = session.scalar(select(func.count()).select_from(LedgerNode))
    expected = size - size.bit_count()
    if nodes == expected:
        return []
    message = f"账本节点数 {nodes} 与规模 {size} 应有的 {expected} 不符（日志表被改动）"
    return [Problem("node_count", message)]


def _pinned_size(pinned: Sequence[TreeHead], size: int) -> set[int]:
    return {h.tree_size for h in pinned if 0 < h.tree_size <= size}


def _windows(session: Session, width: int) -> Iterator[tuple[str, int | None, int | None]]:
    """Id windows per table covering every live row and every leaf (so deleted rows are seen)."""
    for entity, src in sorted(sources().items()):
        live = src.id_bounds(session)
        of_entity = LedgerLeaf.entity == entity
        low_leaf, high_leaf = session.execute(  # one subquery each: see ``_tree_size``
            select(
                select(func.min(LedgerLeaf.entity_id)).where(of_entity).scalar_subquery(),
                select(func.max(LedgerLeaf.entity_id)).where(of_entity).scalar_subquery(),
            )
        ).one()
        bounds = [b for b in (live, None if low_leaf is None else (low_leaf, high_leaf)) if b is not None]
        if not bounds:
            continue
        low, high = min(b[0] for b in bounds), max(b[1] for b in bounds)
        edges = list(range(low - 1, high, width))
        for i, after in enumerate(edges):
            yield entity, None if i == 0 else after, None if i == len(edges) - 1 else after + width


# -- joining the blocks: upper levels and roots ----------------------------------------------------


def _join_blocks(
    session: Session, blocks: list[BlockResult], size: int, level: int, report: Report
) -> dict[int, bytes]:
    """Root hash at every head size, rebuilt from the blocks; upper stored nodes checked on the way."""
    stored = {
        (lv, idx): bytes(h)
        for lv, idx, h in session.connection().execute(
            select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(LedgerNode.level > level)
        )
    }
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    stack: list[bytes] = []  # the perfect subtrees (all ≥ one block) before the current block
    for number, block in enumerate(blocks):
        for at, partial in block.partial.items():
            roots[at] = _fold(stack + partial)
        if block.root is None:
            continue
        value, k, lv = block.root, number, level
        while k & 1:
            value = merkle.node_hash(stack.pop(), value)
            k >>= 1
            lv += 1
            if stored.get((lv, k)) != value:
                report.problems.append(
                    Problem("node", f"账本节点 (level {lv}, index {k}) 缺失或与重算结果不符（日志表被改动）")
                )
        stack.append(value)
    if size and size % (1 << level) == 0:
        roots[size] = _fold(stack)
    return roots


def _fold(stack: list[bytes]) -> bytes:
    value = stack[-1]
    for left in reversed(stack[:-1]):
        value = merkle.node_hash(left, value)
    return value


# -- heads -------------------------------------------------------------------------------------------


def _bad_signatures(heads: list[_Head], public_key: Ed25519PublicKey) -> set[int]:
    """Ids of the heads not signed by this log's key."""
    expected_key = key_id(public_key)
    return {h.id for h in heads if h.key_id != expected_key or not verify_head(public_key, h.head)}


def _check_heads(
    session: Session,
    heads: list[_Head],
    unsigned: set[int],
    roots: dict[int, bytes],
    size: int,
    report: Report,
) -> int:
    good_sizes = [0]
    previous: _Head | None = None
    for h in heads:
        label = f"签名树头 #{h.id}（规模 {h.head.tree_size}，时间戳 {h.head.timestamp_ms}）"
        if h.id in unsigned:
            report.problems.append(
                Problem("head_signature", f"{label}：签名无效（树头被改动或非本日志密钥所签）")
            )
        if h.head.tree_size > size:
            report.problems.append(Problem("head_size", f"{label}：规模超过现有日志 {size} 条（日志被截短）"))
        elif roots.get(h.head.tree_size) != h.head.root_hash:
            report.problems.append(
                Problem(
                    "head_root",
                    f"{label}：根哈希与重算的日志不符（历史被改写）{_suspects(session, good_sizes, h)}",
                )
            )
        else:
            good_sizes.append(h.head.tree_size)
        if previous is not None and (
            h.head.tree_size < previous.head.tree_size or h.head.timestamp_ms < previous.head.timestamp_ms
        ):
            report.problems.append(
                Problem("head_order", f"{label}：早于前一个树头 #{previous.id}（树头表被改动）")
            )
        previous = h
    return len(heads)


def _suspects(session: Session, good_sizes: list[int], head: _Head) -> str:
    """The entries between the last head that still matches and this one: where the rewrite is."""
    low = max([s for s in good_sizes if s < head.head.tree_size], default=0)
    rows = session.execute(
        select(LedgerLeaf.leaf_index, LedgerLeaf.entity, LedgerLeaf.entity_id)
        .where(LedgerLeaf.leaf_index >= low, LedgerLeaf.leaf_index < head.head.tree_size)
        .order_by(LedgerLeaf.leaf_index)
        .limit(10)
    ).all()
    named = {e: s for e, s in sources().items()}
    listing = "、".join(
        f"{i}（{named[e].name_of(eid) if e in named else f'{e} #{eid}'}）" for i, e, eid in rows
    )
    more = "等" if head.head.tree_size - low > len(rows) else ""
    if head.head.tree_size - low == 1:
        return f"：被改写的是条目 {listing}"
    return f"：被改写的条目在序号 {low}–{head.head.tree_size - 1} 之间：{listing}{more}"


def _check_pinned(
    session: Session,
    pinned: TreeHead,
    roots: dict[int, bytes],
    public_key: Ed25519PublicKey,
    size: int,
    report: Report,
) -> None:
    label = f"外部保存的树头（规模 {pinned.tree_size}，时间戳 {pinned.timestamp_ms}）"
    if not verify_head(public_key, pinned):
        report.problems.append(Problem("pinned_signature", f"{label}：签名无效"))
        return
    if pinned.tree_size > size:
        report.problems.append(Problem("pinned_size", f"{label}：规模超过现有日志 {size} 条（日志被截短）"))
        return
    if roots.get(pinned.tree_size) != pinned.root_hash:
        report.problems.append(Problem("pinned_root", f"{label}：与重算的日志不符（历史被改写）"))
        return
    latest = report.latest_head
    if latest is None or latest.tree_size < pinned.tree_size:
        return
    try:
        proof = store.consistency_proof(session, pinned.tree_size, latest.tree_size)
    except store.MissingNode as exc:
        report.problems.append(Problem("pinned_proof", f"{label}：无法生成一致性证明：{exc}"))
        return
    if not merkle.verify_consistency(
        pinned.tree_size, latest.tree_size, pinned.root_hash, latest.root_hash, proof
    ):
        report.problems.append(
            Problem("pinned_proof", f"{label}：到最新树头的一致性证明不成立（历史被改写）")
        )
