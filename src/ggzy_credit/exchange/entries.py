"""Importing external list entries (penalties, commendations, joint punishment, other cities' records).

Each accepted row becomes a credit record (source ``external``) through ``records.ingest.ingest``,
keyed ``{source}:{source_id}`` on the source's platform, plus an ``external_entries`` row that keeps
its origin and publicity state. Rows are checked first; bad rows are rejected with their reasons and
the rest are written chunk by chunk inside savepoints, so a row that ingestion refuses is dropped
with everything it would have created (a new subject included) and the chunk is retried without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.exchange import matching
from ggzy_credit.exchange.formats import Problem, Table
from ggzy_credit.exchange.models import ExternalEntry
from ggzy_credit.exchange.report import CREATED, DUPLICATE, RETIRED, SKIPPED, ImportReport, RowOutcome
from ggzy_credit.exchange.retire import retire_entry
from ggzy_credit.exchange.rows import EntryRow, parse_row
from ggzy_credit.exchange.sources import ITEM_KIND, Source
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn
from ggzy_credit.records.schemas import Source as RecordSource
from ggzy_credit.standards.models import StandardItem
from ggzy_credit.standards.service import StandardResolver
from ggzy_credit.subjects.kinds import SubjectType

CHUNK = 1000


@dataclass
class _Work:
    out: RowOutcome
    row: EntryRow
    item: StandardItem
    key: matching.Key
    identifier: str
    entry: ExternalEntry | None = None
    register: object | None = None  # a LegalPersonIn / NaturalPersonIn when the subject is new
    problems: list[Problem] = field(default_factory=list)


def source_items(session: Session, source: Source) -> tuple[dict[str, StandardItem], list[Problem]]:
    """The items the source maps to, in the standard in force today; problems if it is misconfigured."""
    assert source.platform is not None
    codes = {c for c in [source.item, *source.item_map.values()] if c}
    resolved = StandardResolver(session).resolve(source.platform, clock.today())
    if resolved is None:
        return {}, [
            Problem(
                None,
                None,
                f"来源 {source.name} 配置错误：平台 {source.platform} 不存在或今日无生效的评估标准",
            )
        ]
    _, items = resolved
    found: dict[str, StandardItem] = {}
    problems: list[Problem] = []
    for code in sorted(codes):
        item = items.get(code)
        if item is None:
            problems.append(
                Problem(
                    None,
                    None,
                    f"来源 {source.name} 配置错误：事项 {code} 不在平台 {source.platform} 现行标准中",
                )
            )
        elif item.kind not in ITEM_KIND[source.kind]:
            problems.append(
                Problem(
                    None,
                    None,
                    f"来源 {source.name} 配置错误：事项 {code} 为 {item.kind} 类，"
                    f"{source.kind.value} 来源只能映射到 {'/'.join(sorted(ITEM_KIND[source.kind]))} 事项",
                )
            )
        else:
            found[code] = item
    return found, problems


def import_entries(
    session: Session, cipher: PiiCipher, source: Source, table: Table, report: ImportReport
) -> None:
    items, problems = source_items(session, source)
    if problems:
        report.fail(problems)
        return
    work = _checked_rows(cipher, source, table, items, report)
    work = _drop_repeats(work)
    entries = {e.source_id: e for e in _entries(session, source.name, [w.row.source_id for w in work])}
    registered = matching.lookup(session, [w.key for w in work])
    to_record: list[_Work] = []
    to_retire: list[_Work] = []
    today = clock.today()
    for w in work:
        w.entry = entries.get(w.row.source_id)
        sid = registered.get(w.key)
        if w.entry is not None and sid is not None and w.entry.subject_id != sid:
            w.out.reject(
                [
                    Problem(
                        w.out.line,
                        "source_id",
                        f"来源编号 {w.row.source_id} 已对应另一主体（记录 {w.entry.record_id}）",
                    )
                ]
            )
            continue
        if w.entry is not None:
            w.out.matched, w.out.subject_id, w.out.record_id = True, w.entry.subject_id, w.entry.record_id
        elif sid is not None:
            w.out.matched, w.out.subject_id = True, sid
        expired = (
            source.publicity == "expire"
            and w.row.publicity_until is not None
            and w.row.publicity_until < today
        )
        if w.row.status != "active" or expired:
            _plan_retirement(w, to_retire)
        elif w.entry is not None and w.entry.status != "active":
            w.out.reject(
                [
                    Problem(
                        w.out.line,
                        "status",
                        f"该条目已于 {w.entry.retired_at:%Y-%m-%d} 停止公示或撤销，"
                        "来源又标注为有效：请人工核实后处理",
                    )
                ]
            )
        elif w.out.subject_id is None and not _plan_registration(w, source):
            continue
        else:
            to_record.append(w)
    for start in range(0, len(to_record), CHUNK):
        _write_chunk(session, cipher, source, to_record[start : start + CHUNK], report)
    for w in to_retire:
        assert w.entry is not None
        done = retire_entry(
            session,
            w.entry,
            revoke=w.row.status == "revoked",
            publicity_until=w.row.publicity_until,
            by=source.recorded_by,
        )
        w.out.outcome = DUPLICATE if done.status == "already" else RETIRED
        w.out.notes.append(done.message)


def _checked_rows(
    cipher: PiiCipher, source: Source, table: Table, items: dict[str, StandardItem], report: ImportReport
) -> list[_Work]:
    work: list[_Work] = []
    for raw in table.rows:
        key = raw.data.get("source_id")
        out = RowOutcome(raw.line, str(key) if key is not None else None)
        report.rows.append(out)
        row, problems = parse_row(EntryRow, raw)
        if row is None:
            out.reject(problems)
            continue
        code = source.item_for(row.category)
        if code is None:
            out.reject([Problem(raw.line, "category", f"类别“{row.category or ''}”未配置对应的信用事项")])
            continue
        lookup_key, identifier, problems = matching.identify(cipher, row.uscc, row.id_number, raw.line)
        if lookup_key is None or identifier is None:
            out.reject(problems)
            continue
        work.append(_Work(out, row, items[code], lookup_key, identifier))
    return work


def _drop_repeats(work: list[_Work]) -> list[_Work]:
    """A source id repeated in one file: the same content is a duplicate, different content is refused."""
    first: dict[str, _Work] = {}
    kept: list[_Work] = []
    for w in work:
        seen = first.get(w.row.source_id)
        if seen is None:
            first[w.row.source_id] = w
            kept.append(w)
        elif seen.row == w.row:
            w.out.outcome = DUPLICATE
            w.out.notes.append(f"与第 {seen.out.line} 行重复")
        else:
            w.out.reject([Problem(w.out.line, "source_id", f"来源编号与第 {seen.out.line} 行相同而内容不同")])
    return kept


def _plan_retirement(w: _Work, to_retire: list[_Work]) -> None:
    if w.entry is None:
        w.out.outcome = SKIPPED
        w.out.notes.append("来源已停止公示或撤销该条目，本平台无此条目，未导入")
    elif w.entry.status != "active":
        w.out.outcome = DUPLICATE
        w.out.notes.append(f"该条目已于 {w.entry.retired_at:%Y-%m-%d} 停止公示或撤销")
    else:
        to_retire.append(w)


def _plan_registration(w: _Work, source: Source) -> bool:
    if not source.register_unknown:
        w.out.reject(
            [
                Problem(
                    w.out.line,
                    w.key[0].removesuffix("_index"),
                    "未找到对应的经营主体（该来源不自动登记主体）",
                )
            ]
        )
        return False
    if not w.row.subject_name:
        w.out.reject([Problem(w.out.line, "subject_name", "未找到对应的经营主体，且缺少主体名称，无法登记")])
        return False
    subject_type = SubjectType.LEGAL if w.key[0] == "uscc" else SubjectType.NATURAL
    kind, problems = matching.choose_kind(subject_type, w.item.applies_to, w.row.subject_kind, w.out.line)
    if kind is None:
        w.out.reject(problems)
        return False
    data, problems = matching.registration(
        w.identifier,
        w.key,
        w.row.subject_name,
        kind,
        address=w.row.address,
        legal_representative=w.row.legal_representative,
        line=w.out.line,
    )
    if data is None:
        w.out.reject(problems)
        return False
    w.register = data
    return True


def _write_chunk(
    session: Session, cipher: PiiCipher, source: Source, chunk: list[_Work], report: ImportReport
) -> None:
    pending = list(chunk)
    while pending:
        savepoint = session.begin_nested()
        try:
            new_subjects = _register(session, cipher, pending)
            records = [_record_in(source, w) for w in pending]
            outcomes = ingest(session, cipher, records, source.recorded_by)
        except (InvalidInput, Conflict) as exc:
            savepoint.rollback()
            failed = _mark(pending, exc)
            pending = [w for i, w in enumerate(pending) if i not in failed]
            continue
        now = clock.now()
        entries = []
        for outcome, w in zip(outcomes, pending, strict=True):
            w.out.record_id = outcome.id
            w.out.outcome = CREATED if outcome.created else DUPLICATE
            if w.entry is None:
                entries.append(
                    {
                        "source": source.name,
                        "source_id": w.row.source_id,
                        "record_id": outcome.id,
                        "subject_id": w.out.subject_id,
                        "import_run_id": report.run_id,
                        "authority": w.row.authority,
                        "document_no": w.row.document_no,
                        "publicity_until": w.row.publicity_until,
                        "status": "active",
                        "created_at": now,
                    }
                )
            elif w.entry.publicity_until != w.row.publicity_until:
                w.entry.publicity_until = w.row.publicity_until
                w.out.notes.append("公示截止日期已更新")
        if entries:
            session.execute(insert(ExternalEntry), entries)
        session.flush()
        savepoint.commit()
        for i, w in enumerate(pending):
            w.out.subject_created = new_subjects.get(w.out.subject_id or 0) == i
        return


def _register(session: Session, cipher: PiiCipher, pending: list[_Work]) -> dict[int, int]:
    """Register the chunk's new subjects once each (one bulk registration); returns subject id →
    position of the first row naming it."""
    firsts: dict[matching.Key, int] = {}
    for i, w in enumerate(pending):
        if w.register is not None and w.key not in firsts:
            firsts[w.key] = i
    ids = matching.register_many(session, cipher, [pending[i].register for i in firsts.values()])  # type: ignore[misc]
    by_key = dict(zip(firsts, ids, strict=True))
    for w in pending:
        if w.register is not None:
            w.out.subject_id = by_key[w.key]
    return {by_key[key]: i for key, i in firsts.items()}


def _record_in(source: Source, w: _Work) -> RecordIn:
    assert source.platform is not None and w.out.subject_id is not None
    return RecordIn(
        platform=source.platform,
        external_id=f"{source.name}:{w.row.source_id}",
        subject_id=w.out.subject_id,
        item_code=w.item.code,
        occurred_on=w.row.occurred_on,
        project_code=w.row.project_code,
        project_name=w.row.project_name,
        description=w.row.record_description(),
        source=RecordSource.EXTERNAL,
    )


def _mark(pending: list[_Work], exc: InvalidInput | Conflict) -> set[int]:
    """Reject the rows ingestion named; returns their positions in ``pending``."""
    problems = exc.problems if isinstance(exc, InvalidInput) else exc.extra.get("problems", [])
    failed: set[int] = set()
    for p in problems:
        loc = tuple(p.loc if hasattr(p, "loc") else p["loc"])
        msg = p.msg if hasattr(p, "msg") else p["msg"]
        index = next((x for x in reversed(loc[:-1]) if isinstance(x, int)), None)
        if index is None or not 0 <= index < len(pending):
            continue
        w = pending[index]
        w.out.reject([Problem(w.out.line, str(loc[-1]), msg)])
        if w.register is not None:
            w.out.subject_id = None
        failed.add(index)
    if not failed:  # ingestion refused the chunk without naming a row: refuse all of it, clearly
        for i, w in enumerate(pending):
            w.out.reject([Problem(w.out.line, None, exc.message)])
            failed.add(i)
    return failed


def _entries(session: Session, source: str, source_ids: list[str]) -> list[ExternalEntry]:
    out: list[ExternalEntry] = []
    for start in range(0, len(source_ids), 500):
        out += session.scalars(
            select(ExternalEntry).where(
                ExternalEntry.source == source, ExternalEntry.source_id.in_(source_ids[start : start + 500])
            )
        ).all()
    return out
