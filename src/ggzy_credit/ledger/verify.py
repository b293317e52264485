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

The jobs are independent; with ``jobs > 1`` they run in that many processes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from ggzy_credit.ledger import merkle, sql_compare, store
from ggzy_credit.ledger.checks import EntityResult, Problem, check_entities
from ggzy_credit.ledger.keys import key_id
from ggzy_credit.ledger.models import LedgerHead, LedgerLeaf, LedgerNode, LedgerState
from ggzy_credit.ledger.registry import source, sources
from ggzy_credit.ledger.tree_check import BlockResult, check_block
from ggzy_credit.ledger.tree_head import TreeHead, verify_head

BLOCK_LEVEL = 16  # blocks of 65,536 leaves
ID_WINDOW = 20_000
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
    _tune(session)
    size, state_problems = _tree_size(session)
    report.tree_size = size
    report.problems += state_problems
    heads = [
        _Head(r.id, TreeHead(r.tree_size, bytes(r.root_hash), r.timestamp_ms, bytes(r.signature)), r.key_id)
        for r in session.scalars(select(LedgerHead).order_by(LedgerHead.id))
    ]
    report.latest_head = heads[-1].head if heads else None
    sizes = sorted(
        {h.head.tree_size for h in heads if 0 < h.head.tree_size <= size} | _pinned_size(pinned, size)
    )
    block = 1 << block_level
    entity_jobs = [("entity", e, a, b) for e, a, b in _windows(session, id_window)]
    block_jobs = [
        ("block", s, min(s + block, size), block_level, [m for m in sizes if s < m <= s + block])
        for s in range(0, size, block)
    ]
    workers = jobs if jobs is not None else (min(os.cpu_count() or 1, 4) if size >= PARALLEL_FROM else 1)
    sql_compare.prepare(session, sorted({e for _kind, e, _a, _b in entity_jobs if source(e).sql_payload}))
    # Blocks first: they are the longest jobs, and workers that finish early take the windows.
    results = list(_run(session, block_jobs + entity_jobs, workers, url))
    blocks = [r for r in results if isinstance(r, BlockResult)]
    for res in [r for r in results if isinstance(r, EntityResult)] + blocks:
        report.rows_checked += res.rows if isinstance(res, EntityResult) else 0
        report.problems += res.problems
    roots = _join_blocks(session, sorted(blocks, key=lambda b: b.start), size, block_level, report)
    report.heads_checked = _check_heads(session, heads, roots, public_key, size, report)
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
    first, last, nodes, state = session.execute(
        select(
            select(func.min(LedgerLeaf.leaf_index)).scalar_subquery(),
            select(func.max(LedgerLeaf.leaf_index)).scalar_subquery(),
            select(func.count()).select_from(LedgerNode).scalar_subquery(),
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
    if nodes != size - size.bit_count():
        problems.append(
            Problem(
                "node_count",
                f"账本节点数 {nodes} 与规模 {size} 应有的 {size - size.bit_count()} 不符（日志表被改动）",
            )
        )
    return size, problems


def _pinned_size(pinned: Sequence[TreeHead], size: int) -> set[int]:
    return {h.tree_size for h in pinned if 0 < h.tree_size <= size}


def _windows(session: Session, width: int) -> Iterator[tuple[str, int | None, int | None]]:
    """Id windows per table covering every live row and every leaf (so deleted rows are seen)."""
    for entity, src in sorted(sources().items()):
        live = src.id_bounds(session)
        low_leaf, high_leaf = session.execute(
            select(func.min(LedgerLeaf.entity_id), func.max(LedgerLeaf.entity_id)).where(
                LedgerLeaf.entity == entity
            )
        ).one()
        bounds = [b for b in (live, None if low_leaf is None else (low_leaf, high_leaf)) if b is not None]
        if not bounds:
            continue
        low, high = min(b[0] for b in bounds), max(b[1] for b in bounds)
        edges = list(range(low - 1, high, width))
        for i, after in enumerate(edges):
            yield entity, None if i == 0 else after, None if i == len(edges) - 1 else after + width


# -- running jobs --------------------------------------------------------------------------------

_worker_sessions: sessionmaker[Session] | None = None


def _run(session: Session, jobs: list[tuple[Any, ...]], workers: int, url: str | None) -> Iterator[Any]:
    """Run the jobs here, or in ``workers`` forked processes (each opens its own engine).

    Forking is safe here: a worker never touches the connections it inherits (it makes its own
    engine in ``_init_worker``) and leaves with ``os._exit``, so the parent's are not closed under it.
    """
    if workers <= 1 or url is None or len(jobs) < 2:
        for job in jobs:
            yield _dispatch(session, job)
        return
    with ProcessPoolExecutor(
        workers, mp_context=get_context("fork"), initializer=_init_worker, initargs=(url,)
    ) as pool:
        yield from pool.map(_worker, jobs)


def _init_worker(url: str) -> None:
    global _worker_sessions
    from ggzy_credit.db.engine import make_engine, make_sessionmaker

    _worker_sessions = make_sessionmaker(make_engine(url))


def _tune(session: Session) -> None:
    """Settings for this session's scans.

    SQLite: map the file into memory (reads skip the page cache's syscalls). PostgreSQL, for this
    transaction only: ISO dates (the SQL rendering of a row prints them as text), room for a
    window's rows and leaves in the join's hash table rather than temporary files, and no JIT
    (compiling the long rendering expression costs more than it saves on a window).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA mmap_size = 17179869184"))
    else:
        for setting in ("datestyle = 'ISO, YMD'", "work_mem = '64MB'", "jit = off"):
            session.execute(text(f"SET LOCAL {setting}"))


def _worker(job: tuple[Any, ...]) -> Any:
    assert _worker_sessions is not None
    with _worker_sessions() as session:
        _tune(session)
        return _dispatch(session, job)


def _dispatch(session: Session, job: tuple[Any, ...]) -> EntityResult | BlockResult:
    kind, *args = job
    run: Callable[..., EntityResult | BlockResult] = check_entities if kind == "entity" else check_block
    return run(session, *args)


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


def _check_heads(
    session: Session,
    heads: list[_Head],
    roots: dict[int, bytes],
    public_key: Ed25519PublicKey,
    size: int,
    report: Report,
) -> int:
    expected_key = key_id(public_key)
    good_sizes = [0]
    previous: _Head | None = None
    for h in heads:
        label = f"签名树头 #{h.id}（规模 {h.head.tree_size}，时间戳 {h.head.timestamp_ms}）"
        if h.key_id != expected_key or not verify_head(public_key, h.head):
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
