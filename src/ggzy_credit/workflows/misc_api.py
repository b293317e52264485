"""/api/v1/notifications (a caller's own notices) and /api/v1/calendar/years (holiday arrangements)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import ALL_ROLES, Role
from ggzy_credit.web.deps import SessionDep, allow
from ggzy_credit.web.params import DbId, Offset
from ggzy_credit.workflows import calendar_store, notifications
from ggzy_credit.workflows.schemas import (
    CalendarYearIn,
    CalendarYearOut,
    NotificationOut,
    NotificationPage,
)

router = APIRouter()
everyone = allow(*ALL_ROLES, nonpublic=False)


@router.get(
    "/notifications",
    response_model=NotificationPage,
    tags=["通知 notifications"],
    summary="本账号的站内通知（新增记录、异议和修复结果、承诺核查结果）",
)
def list_notifications(
    session: SessionDep,
    caller: Annotated[Caller, Depends(everyone)],
    unread: Annotated[bool, Query(description="只看未读")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> NotificationPage:
    total, unread_count, rows = notifications.list_notifications(
        session, caller, unread=unread, limit=limit, offset=offset
    )
    return NotificationPage(
        total=total,
        unread=unread_count,
        items=[NotificationOut.model_validate(r, from_attributes=True) for r in rows],
    )


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    tags=["通知 notifications"],
    summary="标记通知为已读",
)
def mark_read(
    session: SessionDep, caller: Annotated[Caller, Depends(everyone)], notification_id: DbId
) -> NotificationOut:
    return NotificationOut.model_validate(
        notifications.mark_read(session, caller, notification_id), from_attributes=True
    )


def _year_out(row) -> CalendarYearOut:  # type: ignore[no-untyped-def]
    return CalendarYearOut(
        year=row.year,
        holidays=row.arrangement["holidays"],
        makeup_workdays=row.arrangement["makeup_workdays"],
        loaded_by=row.loaded_by,
        loaded_at=row.loaded_at,
    )


@router.get(
    "/calendar/years",
    response_model=list[CalendarYearOut],
    tags=["工作日 calendar"],
    summary="管理员载入的节假日安排（补充 chinese_calendar 未收录的年份）",
)
def list_years(session: SessionDep, _caller: Annotated[Caller, Depends(everyone)]) -> list[CalendarYearOut]:
    return [_year_out(r) for r in calendar_store.loaded_years(session)]


@router.post(
    "/calendar/years",
    response_model=CalendarYearOut,
    status_code=status.HTTP_201_CREATED,
    tags=["工作日 calendar"],
    summary="载入（或更正）某一年的国务院节假日安排",
)
def load_year(
    session: SessionDep, caller: Annotated[Caller, Depends(allow(Role.ADMIN))], data: CalendarYearIn
) -> CalendarYearOut:
    return _year_out(calendar_store.load_year(session, data.model_dump(), caller.label))
