"""Pure rules of financing authorisations: the allowed period and whether a grant is live on a day.

Periods are Asia/Shanghai calendar days, both ends inclusive. An authorisation lasts at most
:data:`MAX_MONTHS` calendar months (``valid_until`` before ``valid_from`` + 12 months, so
2026-03-01 … 2027-02-28 is the longest period starting on 1 March), may not start in the past
(an authorisation is never retroactive) and starts at most :data:`MAX_LEAD_MONTHS` months ahead.
No database or web imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ggzy_credit.scoring.rule import add_months

MAX_MONTHS = 12
MAX_LEAD_MONTHS = 3
MIN_PURPOSE = 2
MAX_PURPOSE = 200


class GrantState(StrEnum):
    PENDING = "pending"  # 未生效
    ACTIVE = "active"  # 有效
    EXPIRED = "expired"  # 已到期
    REVOKED = "revoked"  # 已撤销


STATE_NAMES = {
    GrantState.PENDING: "未生效",
    GrantState.ACTIVE: "有效",
    GrantState.EXPIRED: "已到期",
    GrantState.REVOKED: "已撤销",
}


@dataclass(frozen=True)
class PeriodProblem:
    field: str
    message: str
    type: str


def period_problems(valid_from: date, valid_until: date, today: date) -> list[PeriodProblem]:
    """What is wrong with an authorisation period asked for on ``today`` (empty: acceptable)."""
    problems: list[PeriodProblem] = []
    if valid_from < today:
        problems.append(
            PeriodProblem("valid_from", f"起始日期 {valid_from} 早于当日 {today}，授权不能追溯", "past_date")
        )
    elif valid_from > add_months(today, MAX_LEAD_MONTHS):
        problems.append(
            PeriodProblem("valid_from", f"起始日期至迟为当日起 {MAX_LEAD_MONTHS} 个月内", "too_far_ahead")
        )
    if valid_until < valid_from:
        problems.append(
            PeriodProblem("valid_until", f"截止日期 {valid_until} 早于起始日期 {valid_from}", "date_order")
        )
    elif valid_until >= add_months(valid_from, MAX_MONTHS):
        problems.append(
            PeriodProblem(
                "valid_until",
                f"授权期限不能超过 {MAX_MONTHS} 个月（截止日期至迟为 {last_day(valid_from)}）",
                "range_too_long",
            )
        )
    return problems


def last_day(valid_from: date) -> date:
    """The latest ``valid_until`` allowed for a period starting on ``valid_from``."""
    return date.fromordinal(add_months(valid_from, MAX_MONTHS).toordinal() - 1)


def state(valid_from: date, valid_until: date, revoked_at: datetime | None, today: date) -> GrantState:
    """The grant's state on ``today``; a revocation takes effect at once, whatever the period says."""
    if revoked_at is not None:
        return GrantState.REVOKED
    if today < valid_from:
        return GrantState.PENDING
    if today > valid_until:
        return GrantState.EXPIRED
    return GrantState.ACTIVE


def refusal(grant_state: GrantState | None, valid_from: date | None, valid_until: date | None) -> str:
    """The zh-CN reason a bank is refused, from the state of its most relevant grant (None: none)."""
    if grant_state is GrantState.REVOKED:
        return "经营主体已撤销对本机构的信用查询授权"
    if grant_state is GrantState.EXPIRED:
        return f"对本机构的信用查询授权已于 {valid_until} 到期"
    if grant_state is GrantState.PENDING:
        return f"对本机构的信用查询授权自 {valid_from} 起生效，尚未生效"
    return "该经营主体未授权本机构查询其信用信息"


def overlaps(a_from: date, a_until: date, b_from: date, b_until: date) -> bool:
    return a_from <= b_until and b_from <= a_until
