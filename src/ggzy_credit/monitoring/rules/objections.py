"""Rule ``objection_overdue``: objections not answered within the statutory 20 working days.

Pluggable: it reads the ``objections`` table of the workflows feature (issue #6) and is only
offered when that table exists in the database.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ggzy_credit.monitoring.config import Rules
from ggzy_credit.monitoring.rules.base import Finding, Rule

OPEN = ("submitted", "accepted")


class ObjectionOverdue(Rule):
    code = "objection_overdue"
    title = "异议逾期未答复"
    rationale = (
        "上海办法第十九条：交易平台应当自收到异议申请之日起 20 个工作日内作出处理并答复（法定节假日、调休"
        "按国务院安排计算）。逾期未答复的异议既损害主体权益，也说明处理环节存在积压，需要向监管部门预警。"
    )

    def available(self, session: Session) -> bool:
        try:
            from ggzy_credit.workflows.models import Objection  # noqa: F401
        except ImportError:
            return False
        return inspect(session.get_bind()).has_table("objections")

    def find(self, session: Session, rules: Rules, today: date) -> list[Finding]:
        from ggzy_credit.workflows.models import Objection

        cfg = rules.objection_overdue
        rows = session.execute(
            select(
                Objection.id,
                Objection.subject_id,
                Objection.platform_id,
                Objection.record_id,
                Objection.target,
                Objection.status,
                Objection.received_on,
                Objection.due_on,
            )
            .where(Objection.status.in_(OPEN), Objection.due_on < today)
            .order_by(Objection.due_on, Objection.id)
        ).all()
        return [
            Finding(
                rule=self.code,
                key=str(oid),
                severity=cfg.severity,
                title=f"异议 {oid} 已逾期 {(today - due).days} 日未答复（答复期限 {due}）",
                subject_ids=[subject_id],
                platform_id=platform_id,
                evidence={
                    "objection_id": oid,
                    "record_id": record_id,
                    "target": target,
                    "status": status,
                    "received_on": received.isoformat(),
                    "due_on": due.isoformat(),
                    "days_overdue": (today - due).days,
                },
            )
            for oid, subject_id, platform_id, record_id, target, status, received, due in rows
        ]
