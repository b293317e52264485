"""Rule ``repeated_behaviour``: one subject recorded for the same behaviour in several projects."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session, aliased

from ggzy_credit.monitoring.config import Rules
from ggzy_credit.monitoring.rules.base import Finding, Rule
from ggzy_credit.monitoring.sql import day_number, removed_records
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.standards.models import StandardItem


class RepeatedBehaviour(Rule):
    code = "repeated_behaviour"
    title = "同一主体在多个项目中重复同一失信行为"
    rationale = (
        "一次失信可能是偶然，同一行为在一段时间内出现在多个不同项目中，说明是习惯做法或有组织的行为"
        "（山东方案（十）：对市场主体在不同项目里同一信用行为信息进行分析；（十六）监测预警）。行为按信用事项名称识别，因此同名事项跨平台也合并计算；"
        "表彰和已撤销、已更正的记录不计。窗口以行为发生日期计。"
    )

    def find(self, session: Session, rules: Rules, today: date) -> list[Finding]:
        cfg = rules.repeated_behaviour
        live = (
            select(
                CreditRecord.id,
                CreditRecord.subject_id,
                CreditRecord.platform_id,
                CreditRecord.project_code,
                CreditRecord.occurred_on,
                StandardItem.name.label("behaviour"),
                day_number(CreditRecord.occurred_on).label("day"),
            )
            .join(StandardItem, StandardItem.id == CreditRecord.item_id)
            .where(
                CreditRecord.project_code.is_not(None),
                StandardItem.kind != "commendation",
                CreditRecord.id.not_in(removed_records()),
            )
            .cte("live")
        )
        a, b = aliased(live, name="a"), aliased(live, name="b")
        window = and_(
            b.c.subject_id == a.c.subject_id,
            b.c.behaviour == a.c.behaviour,
            b.c.day >= a.c.day,
            b.c.day < a.c.day + cfg.window_days,
        )
        anchors = (
            select(a.c.id.label("anchor"))
            .join(b, window)
            .group_by(a.c.id)
            .having(func.count(distinct(b.c.project_code)) >= cfg.min_projects)
            .subquery("anchors")
        )
        rows = session.execute(
            select(
                a.c.id,
                a.c.subject_id,
                a.c.behaviour,
                a.c.day,
                b.c.id,
                b.c.platform_id,
                b.c.project_code,
                b.c.occurred_on,
            )
            .join(anchors, anchors.c.anchor == a.c.id)
            .join(b, window)
            .order_by(a.c.subject_id, a.c.behaviour, a.c.day, a.c.id, b.c.occurred_on, b.c.id)
        ).all()
        clusters: dict[int, dict[str, object]] = {}
        for anchor, subject_id, behaviour, day, rid, platform_id, project, occurred in rows:
            cluster = clusters.setdefault(
                anchor, {"subject_id": subject_id, "behaviour": behaviour, "day": day, "records": []}
            )
            cluster["records"].append(
                {
                    "record_id": rid,
                    "platform_id": platform_id,  # type: ignore[attr-defined]
                    "project_code": project,
                    "occurred_on": occurred.isoformat(),
                }
            )
        findings: list[Finding] = []
        last_kept: dict[tuple[int, str], int] = {}
        for anchor, c in clusters.items():  # in (subject, behaviour, day) order
            group = (int(c["subject_id"]), str(c["behaviour"]))  # type: ignore[call-overload]
            day = int(c["day"])  # type: ignore[call-overload]
            if group in last_kept and day < last_kept[group] + cfg.window_days:
                continue  # inside the window of a cluster already reported
            last_kept[group] = day
            records = c["records"]
            projects = sorted({r["project_code"] for r in records})  # type: ignore[attr-defined]
            start = date(1970, 1, 1) + timedelta(days=day)
            findings.append(
                Finding(
                    rule=self.code,
                    key=f"{group[0]}|{group[1]}|{anchor}",
                    severity=cfg.severity,
                    title=f"{len(projects)} 个项目中重复出现“{group[1]}”",
                    subject_ids=[group[0]],
                    evidence={
                        "behaviour": group[1],
                        "window_days": cfg.window_days,
                        "window_start": start.isoformat(),
                        "window_end": (start + timedelta(days=cfg.window_days - 1)).isoformat(),
                        "projects": projects,
                        "records": records,
                    },
                )
            )
        return findings
