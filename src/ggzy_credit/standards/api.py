"""Public reading of platforms, standards and the data list (数据清单) — no login."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ggzy_credit import clock
from ggzy_credit.errors import NotFound
from ggzy_credit.standards import files, service
from ggzy_credit.standards.models import Standard
from ggzy_credit.standards.schemas import PlatformOut, StandardOut, StandardSummary, standard_out, summary
from ggzy_credit.web.deps import SessionDep, public

router = APIRouter(tags=["平台与评估标准 standards"], dependencies=[Depends(public())])


@router.get("/platforms", response_model=list[PlatformOut], summary="交易平台及现行评估标准")
def list_platforms(session: SessionDep) -> list[PlatformOut]:
    today = clock.today()
    out = []
    for p in service.list_platforms(session):
        current = service.in_force(p.standards, today)
        out.append(
            PlatformOut(
                code=p.code,
                name=p.name,
                kind=p.kind,
                sector=p.sector,
                regulator=p.regulator,
                current_version=current.version if current else None,
                versions=[summary(s) for s in _ordered(p.standards)],
            )
        )
    return out


@router.get("/standards/{platform}", response_model=StandardOut, summary="某日生效的评估标准（含信用事项）")
def get_standard(
    session: SessionDep,
    platform: str,
    as_of: Annotated[date | None, Query(description="日期，缺省为当日")] = None,
) -> StandardOut:
    p = service.get_platform(session, platform)
    on = as_of or clock.today()
    standard = service.standard_in_force(session, p, on)
    if standard is None or not standard.published:
        raise NotFound(f"{on} 平台 {platform} 没有生效的评估标准")
    return standard_out(p, standard)


@router.get(
    "/standards/{platform}/versions", response_model=list[StandardSummary], summary="评估标准的全部版本"
)
def list_versions(session: SessionDep, platform: str) -> list[StandardSummary]:
    p = service.get_platform(session, platform)
    return [summary(s) for s in _ordered(p.standards)]


@router.get(
    "/standards/{platform}/versions/{version}", response_model=StandardOut, summary="某一版本的评估标准"
)
def get_version(session: SessionDep, platform: str, version: str) -> StandardOut:
    p = service.get_platform(session, platform)
    for s in p.standards:
        if s.version == version and s.published:
            return standard_out(p, s)
    raise NotFound(f"平台 {platform} 没有 {version} 版评估标准")


@router.get("/data-list", summary="市场信用信息数据清单")
def data_list() -> dict[str, Any]:
    return files.load_data_list().model_dump(mode="json")


def _ordered(standards: list[Standard]) -> list[Standard]:
    return sorted(
        (s for s in standards if s.published), key=lambda s: (s.effective_from or date.max, s.version)
    )
