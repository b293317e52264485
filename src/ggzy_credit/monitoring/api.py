"""/api/v1/warnings: early warnings for reviewers (decide) and regulators (read)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.monitoring import service
from ggzy_credit.monitoring.config import load_config
from ggzy_credit.monitoring.models import EarlyWarning
from ggzy_credit.monitoring.rules import RULES
from ggzy_credit.monitoring.schemas import (
    ConfirmIn,
    DismissIn,
    RuleOut,
    RunIn,
    RunOut,
    WarningOut,
    WarningPage,
    WarningSubjectOut,
)
from ggzy_credit.standards.models import Platform
from ggzy_credit.web.deps import SessionDep, SettingsDep, allow
from ggzy_credit.web.params import DbId, Offset

router = APIRouter(tags=["监测预警 monitoring"])
readers = allow(Role.ADMIN, Role.REVIEWER, Role.REGULATOR)
deciders = allow(Role.ADMIN, Role.REVIEWER)


def _out(session: SessionDep, rows: list[EarlyWarning]) -> list[WarningOut]:
    subjects = service.subjects_of(session, [r.id for r in rows])
    platforms = dict(session.execute(select(Platform.id, Platform.code)).tuples().all())
    return [
        WarningOut(
            id=r.id,
            rule=r.rule,
            title=r.title,
            severity=r.severity,
            platform=platforms.get(r.platform_id) if r.platform_id else None,
            project_code=r.project_code,
            subjects=[WarningSubjectOut(id=sid, name=name) for sid, name in subjects[r.id]],
            evidence=r.evidence,
            status=r.status,
            reason=r.reason,  # type: ignore[arg-type]
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            raised_at=r.raised_at,
            last_seen_at=r.last_seen_at,
        )
        for r in rows
    ]


@router.get(
    "/warnings",
    response_model=WarningPage,
    summary="预警列表（可按规则、状态、主体、项目筛选）",
    dependencies=[Depends(readers)],
)
def list_warnings(
    session: SessionDep,
    rule: Annotated[str | None, Query(description="规则代码")] = None,
    status: Annotated[str | None, Query(pattern="^(new|confirmed|dismissed)$", description="状态")] = None,
    subject: Annotated[DbId | None, Query(description="涉及的经营主体 ID")] = None,
    project_code: Annotated[str | None, Query(max_length=100)] = None,
    platform: Annotated[str | None, Query(max_length=40)] = None,
    raised_from: Annotated[datetime | None, Query(description="预警时间起")] = None,
    raised_to: Annotated[datetime | None, Query(description="预警时间止（不含）")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> WarningPage:
    where = service.WarningFilter(rule, status, subject, project_code, platform, raised_from, raised_to)
    total, rows = service.list_warnings(session, where, limit=limit, offset=offset)
    return WarningPage(total=total, items=_out(session, rows))


@router.get(
    "/warnings/{warning_id}",
    response_model=WarningOut,
    summary="预警详情（含证据）",
    dependencies=[Depends(readers)],
)
def read_warning(session: SessionDep, warning_id: DbId) -> WarningOut:
    return _out(session, [service.get_warning(session, warning_id)])[0]


@router.post("/warnings/{warning_id}/confirm", response_model=WarningOut, summary="确认预警")
def confirm_warning(
    session: SessionDep, warning_id: DbId, data: ConfirmIn, caller: Annotated[Caller, Depends(deciders)]
) -> WarningOut:
    return _out(session, [service.decide(session, warning_id, "confirm", data.note, caller.label)])[0]


@router.post("/warnings/{warning_id}/dismiss", response_model=WarningOut, summary="排除预警（须说明理由）")
def dismiss_warning(
    session: SessionDep, warning_id: DbId, data: DismissIn, caller: Annotated[Caller, Depends(deciders)]
) -> WarningOut:
    return _out(session, [service.decide(session, warning_id, "dismiss", data.reason, caller.label)])[0]


@router.get(
    "/warning-rules",
    response_model=list[RuleOut],
    summary="预警规则及其依据、阈值",
    dependencies=[Depends(allow(Role.ADMIN, Role.REVIEWER, Role.REGULATOR, nonpublic=False))],
)
def list_rules(session: SessionDep, settings: SettingsDep) -> list[RuleOut]:
    config = load_config(settings.monitoring_rules)
    out = []
    for code, rule in RULES.items():
        cfg = rule.settings(config.rules)
        out.append(
            RuleOut(
                code=code,
                title=rule.title,
                rationale=rule.rationale,
                enabled=cfg.enabled,
                available=rule.available(session),
                settings=cfg.model_dump(),
            )
        )
    return out


@router.post(
    "/warnings/run",
    response_model=RunOut,
    summary="立即运行预警规则",
    dependencies=[Depends(allow(Role.ADMIN))],
)
def run_now(session: SessionDep, settings: SettingsDep, data: RunIn) -> RunOut:
    result = service.run_rules(session, settings=settings, only=data.rules)
    return RunOut(
        findings=result.findings,
        raised=result.raised,
        refreshed=result.refreshed,
        by_rule=result.by_rule,
        skipped=result.skipped,
    )
