"""Rule ``score_drop``: a sudden score drop — many points deducted within a few days.

Computed from the records (the score only ever falls by deductions): for each subject and platform,
a window function sums the points deducted in the trailing ``window_days`` (``RANGE`` frame over day
numbers). The day the sum first reaches ``min_points`` is the drop; each such day is one finding,
so a later, separate drop is a new warning while re-running finds the same one again.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session

from ggzy_credit.monitoring.config import Rules
from ggzy_credit.monitoring.rules.base import Finding, Rule
from ggzy_credit.monitoring.sql import day_number, removed_records
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import StandardItem

EPOCH = date(1970, 1, 1)


class ScoreDrop(Rule):
    code = "score_drop"
    title = "信用评分骤降"
    rationale = (
        "短期内被多次扣分或一次严重扣分，意味着主体的履约状况急剧恶化，需要监管部门及时关注"
        "（山东方案（十六）监测预警；上海办法第十二条：满分 100 分、采取扣分制，扣分即评分下降）。"
        "以扣分日期计，统计同一主体在同一平台最近若干天内的累计扣分；已撤销、已更正的记录不计。"
    )

    def find(self, session: Session, rules: Rules, today: date) -> list[Finding]:
        cfg = rules.score_drop
        day = day_number(CreditRecord.deducted_on)
        partition = (CreditRecord.subject_id, CreditRecord.platform_id)
        trailing = func.sum(CreditRecord.points).over(
            partition_by=partition, order_by=day, range_=(-(cfg.window_days - 1), 0)
        )
        before = func.sum(CreditRecord.points).over(
            partition_by=partition, order_by=day, range_=(-(cfg.window_days - 1), -1)
        )
        windowed = (
            select(
                CreditRecord.subject_id,
                CreditRecord.platform_id,
                day.label("day"),
                trailing.label("trailing"),
                before.label("before"),
            )
            .where(CreditRecord.points > 0, CreditRecord.id.not_in(removed_records()))
            .subquery("windowed")
        )
        since = (today - timedelta(days=cfg.lookback_days) - EPOCH).days
        drops = session.execute(
            select(
                windowed.c.subject_id, windowed.c.platform_id, windowed.c.day, func.max(windowed.c.trailing)
            )
            .where(
                windowed.c.trailing >= cfg.min_points,
                func.coalesce(windowed.c.before, 0) < cfg.min_points,
                windowed.c.day >= since,
            )
            .group_by(windowed.c.subject_id, windowed.c.platform_id, windowed.c.day)
            .order_by(windowed.c.subject_id, windowed.c.platform_id, windowed.c.day)
        ).all()
        if not drops:
            return []
        evidence = self._records(session, [(s, p) for s, p, _, _ in drops], cfg.window_days, drops)
        findings = []
        for subject_id, platform_id, drop_day, points in drops:
            on = EPOCH + timedelta(days=drop_day)
            findings.append(
                Finding(
                    rule=self.code,
                    key=f"{subject_id}|{platform_id}|{on.isoformat()}",
                    severity=cfg.severity,
                    title=f"{cfg.window_days} 天内累计扣 {points} 分",
                    subject_ids=[subject_id],
                    platform_id=platform_id,
                    evidence={
                        "drop_on": on.isoformat(),
                        "window_days": cfg.window_days,
                        "points": int(points),
                        "threshold": cfg.min_points,
                        "records": evidence.get((subject_id, platform_id, drop_day), []),
                    },
                )
            )
        return findings

    def _records(self, session: Session, pairs: list[tuple[int, int]], window: int, drops: list) -> dict:  # type: ignore[type-arg]
        """The deductions inside each drop's window (one query for all drops)."""
        wanted = list(set(pairs))
        by_pair: dict[tuple[int, int], list[tuple[int, int, str, int, date]]] = {}
        for start in range(0, len(wanted), 400):
            rows = session.execute(
                select(
                    CreditRecord.subject_id,
                    CreditRecord.platform_id,
                    CreditRecord.id,
                    CreditRecord.item_code,
                    CreditRecord.points,
                    CreditRecord.deducted_on,
                    StandardItem.name,
                )
                .join(StandardItem, StandardItem.id == CreditRecord.item_id)
                .where(
                    and_(
                        tuple_(CreditRecord.subject_id, CreditRecord.platform_id).in_(
                            wanted[start : start + 400]
                        ),
                        CreditRecord.points > 0,
                        CreditRecord.id.not_in(removed_records()),
                    )
                )
                .order_by(CreditRecord.deducted_on, CreditRecord.id)
            )
            for sid, pid, rid, code, points, deducted, name in rows:
                by_pair.setdefault((sid, pid), []).append(
                    (rid, points, f"{code} {name}", (deducted - EPOCH).days, deducted)
                )
        out: dict[tuple[int, int, int], list[dict[str, object]]] = {}
        for subject_id, platform_id, drop_day, _ in drops:
            out[(subject_id, platform_id, drop_day)] = [
                {"record_id": rid, "item": item, "points": points, "deducted_on": deducted.isoformat()}
                for rid, points, item, d, deducted in by_pair.get((subject_id, platform_id), [])
                if drop_day - window < d <= drop_day
            ]
        return out
