"""Monitoring use cases: run the rules, keep their findings as warnings, decide warnings, list them.

Persisting is set-based: one query finds which fingerprints exist, one bulk insert adds the new
warnings (and one their subjects), one bulk update refreshes the rest. New warnings are pushed out
(``warning.raised`` on the outbox) in the same transaction. A warning still ``new`` follows its
finding (evidence, subjects); a decided one only records that the finding was seen again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.config import Settings
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.exchange.outbox import enqueue_many
from ggzy_credit.monitoring.config import MonitoringConfig, load_config
from ggzy_credit.monitoring.models import EarlyWarning, EarlyWarningSubject
from ggzy_credit.monitoring.rules import RULES, Finding
from ggzy_credit.standards.models import Platform

STATUSES = ("new", "confirmed", "dismissed")


@dataclass
class RunResult:
    findings: int = 0
    raised: int = 0
    refreshed: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)


def run_rules(
    session: Session,
    *,
    settings: Settings | None = None,
    config: MonitoringConfig | None = None,
    only: Sequence[str] | None = None,
) -> RunResult:
    """Run the enabled (or the named) rules over the whole database and persist what they find."""
    config = config or load_config(settings.monitoring_rules if settings else None)
    unknown = [code for code in only or [] if code not in RULES]
    if unknown:
        raise InvalidInput.field("rules", f"未知的规则：{'、'.join(unknown)}（可用：{'、'.join(RULES)}）")
    today = clock.today()
    result = RunResult()
    findings: list[Finding] = []
    for code, rule in RULES.items():
        if only is not None and code not in only:
            continue
        if not rule.settings(config.rules).enabled or not rule.available(session):
            result.skipped.append(code)
            continue
        found = rule.find(session, config.rules, today)
        result.by_rule[code] = len(found)
        findings += found
    result.findings = len(findings)
    result.raised, result.refreshed, result.new_ids = persist(session, findings)
    return result


def persist(session: Session, findings: Sequence[Finding]) -> tuple[int, int, list[int]]:
    """Insert new findings, refresh known ones; returns (raised, refreshed, new warning ids)."""
    unique = {f.fingerprint: f for f in findings}
    existing: dict[str, tuple[int, str]] = {}
    keys = list(unique)
    for start in range(0, len(keys), 500):
        for wid, fp, status in session.execute(
            select(EarlyWarning.id, EarlyWarning.fingerprint, EarlyWarning.status).where(
                EarlyWarning.fingerprint.in_(keys[start : start + 500])
            )
        ):
            existing[fp] = (wid, status)
    now = clock.now()
    fresh = [f for fp, f in unique.items() if fp not in existing]
    new_ids: list[int] = []
    if fresh:
        session.execute(
            insert(EarlyWarning),
            [
                {
                    "rule": f.rule,
                    "fingerprint": f.fingerprint,
                    "title": f.title[:300],
                    "severity": f.severity,
                    "platform_id": f.platform_id,
                    "project_code": f.project_code,
                    "evidence": _plain(f.evidence),
                    "status": "new",
                    "raised_at": now,
                    "last_seen_at": now,
                }
                for f in fresh
            ],
        )
        ids = _ids(session, [f.fingerprint for f in fresh])
        new_ids = [ids[f.fingerprint] for f in fresh]
        _link(session, {ids[f.fingerprint]: f.subject_ids for f in fresh})
        _push(session, fresh, ids)
    following = {
        existing[fp][0]: f for fp, f in unique.items() if fp in existing and existing[fp][1] == "new"
    }
    if following:
        session.execute(
            update(EarlyWarning.__table__)
            .where(EarlyWarning.__table__.c.id == bindparam("wid"))
            .values(title=bindparam("title"), evidence=bindparam("evidence"), last_seen_at=bindparam("seen")),
            [
                {"wid": wid, "title": f.title[:300], "evidence": _plain(f.evidence), "seen": now}
                for wid, f in following.items()
            ],
        )
        session.execute(
            delete(EarlyWarningSubject).where(EarlyWarningSubject.warning_id.in_(list(following)))
        )
        _link(session, {wid: f.subject_ids for wid, f in following.items()})
    decided = [wid for fp, (wid, status) in existing.items() if fp in unique and status != "new"]
    for start in range(0, len(decided), 500):
        session.execute(
            update(EarlyWarning)
            .where(EarlyWarning.id.in_(decided[start : start + 500]))
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(fresh), len(following) + len(decided), new_ids


def _ids(session: Session, fingerprints: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(fingerprints), 500):
        out.update(
            session.execute(
                select(EarlyWarning.fingerprint, EarlyWarning.id).where(
                    EarlyWarning.fingerprint.in_(fingerprints[start : start + 500])
                )
            )
            .tuples()
            .all()
        )
    return out


def _link(session: Session, subjects: dict[int, list[int]]) -> None:
    rows = [
        {"warning_id": wid, "subject_id": sid} for wid, sids in subjects.items() for sid in sorted(set(sids))
    ]
    if rows:
        session.execute(insert(EarlyWarningSubject), rows)


def _push(session: Session, fresh: list[Finding], ids: dict[str, int]) -> None:
    platforms = dict(session.execute(select(Platform.id, Platform.code)).tuples().all())
    enqueue_many(
        session,
        "warning.raised",
        [
            {
                "warning_id": ids[f.fingerprint],
                "rule": f.rule,
                "title": f.title,
                "severity": f.severity,
                "platform": platforms.get(f.platform_id) if f.platform_id else None,
                "project_code": f.project_code,
                "subject_ids": sorted(set(f.subject_ids)),
                "evidence": _plain(f.evidence),
            }
            for f in fresh
        ],
        public=[False] * len(fresh),
    )


def _plain(value: Any) -> Any:
    """Evidence as JSON-ready values (dates as ISO strings, tuples as lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def get_warning(session: Session, warning_id: int) -> EarlyWarning:
    row = session.get(EarlyWarning, warning_id)
    if row is None:
        raise NotFound(f"预警 {warning_id} 不存在")
    return row


def decide(
    session: Session, warning_id: int, action: Literal["confirm", "dismiss"], reason: str | None, by: str
) -> EarlyWarning:
    """new → confirmed | dismissed (a dismissal needs a reason). Decisions are final."""
    warning = get_warning(session, warning_id)
    text = (reason or "").strip()
    if action == "dismiss" and not text:
        raise InvalidInput.field("reason", "排除预警须说明理由")
    if warning.status != "new":
        label = "确认" if warning.status == "confirmed" else "排除"
        raise Conflict(f"预警 {warning_id} 已于 {warning.decided_at:%Y-%m-%d} 被{label}，不能再处理")
    warning.status = "confirmed" if action == "confirm" else "dismissed"
    warning.reason = text or None
    warning.decided_by, warning.decided_at = by, clock.now()
    session.flush()
    return warning


@dataclass
class WarningFilter:
    rule: str | None = None
    status: str | None = None
    subject_id: int | None = None
    project_code: str | None = None
    platform: str | None = None
    raised_from: datetime | None = None
    raised_to: datetime | None = None


def list_warnings(
    session: Session, where: WarningFilter, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[EarlyWarning]]:
    query = select(EarlyWarning)
    if where.rule:
        query = query.where(EarlyWarning.rule == where.rule)
    if where.status:
        query = query.where(EarlyWarning.status == where.status)
    if where.project_code:
        query = query.where(EarlyWarning.project_code == where.project_code)
    if where.platform:
        query = query.where(
            EarlyWarning.platform_id.in_(select(Platform.id).where(Platform.code == where.platform))
        )
    if where.subject_id is not None:
        query = query.where(
            EarlyWarning.id.in_(
                select(EarlyWarningSubject.warning_id).where(
                    EarlyWarningSubject.subject_id == where.subject_id
                )
            )
        )
    if where.raised_from:
        query = query.where(EarlyWarning.raised_at >= where.raised_from)
    if where.raised_to:
        query = query.where(EarlyWarning.raised_at < where.raised_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(EarlyWarning.id.desc()).limit(limit).offset(offset)).all()
    return total, list(rows)


def subjects_of(session: Session, warning_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """(subject id, name) per warning, for a page of warnings in one query."""
    from ggzy_credit.subjects.models import Subject

    out: dict[int, list[tuple[int, str]]] = {wid: [] for wid in warning_ids}
    if warning_ids:
        for wid, sid, name in session.execute(
            select(EarlyWarningSubject.warning_id, Subject.id, Subject.name)
            .join(Subject, Subject.id == EarlyWarningSubject.subject_id)
            .where(EarlyWarningSubject.warning_id.in_(list(warning_ids)))
            .order_by(EarlyWarningSubject.warning_id, Subject.id)
        ):
            out[wid].append((sid, name))
    return out
