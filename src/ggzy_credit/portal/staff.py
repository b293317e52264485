"""Staff home (工作台): what needs doing, and the dashboard charts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.approvals import service as approvals
from ggzy_credit.approvals.models import ApprovalRequest
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.monitoring.models import EarlyWarning
from ggzy_credit.portal import dashboard, scores, staff_objections
from ggzy_credit.portal.charts import bar_chart
from ggzy_credit.portal.i18n import Translator
from ggzy_credit.portal.render import page, tr
from ggzy_credit.portal.routing import PortalRoute
from ggzy_credit.web.deps import SessionDep, allow
from ggzy_credit.workflows import commitments, complaints, record_reviews, repair
from ggzy_credit.workflows.models import Commitment, Complaint, RepairApplication

router = APIRouter(prefix="/staff", route_class=PortalRoute, include_in_schema=False)
staff = allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER)


def _count(session: Session, model: Any, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def queues(session: Session, caller: Caller, t: Translator, today: date) -> list[dict[str, object]]:
    """The review queues with their counts (one small query each)."""
    _ = t.gettext
    open_objections, overdue = staff_objections.counts(session, today)
    out: list[dict[str, object]] = [
        {"href": "/staff/objections", "label": _("待办异议"), "count": open_objections, "overdue": overdue},
        {
            "href": "/staff/repairs?status=submitted",
            "label": _("待审核的信用修复申请"),
            "count": _count(session, RepairApplication, RepairApplication.status.in_(repair.OPEN)),
        },
        {
            "href": "/staff/complaints",
            "label": _("待核查的质疑举报"),
            "count": _count(session, Complaint, Complaint.status == complaints.SUBMITTED),
        },
        {
            "href": "/staff/commitments",
            "label": _("待核查的信用承诺"),
            "count": _count(session, Commitment, Commitment.status == commitments.SIGNED),
        },
        {
            "href": "/staff/reviews",
            "label": _("待复核的信用记录"),
            "count": _capped(record_reviews.count_unreviewed(session, caller)),
        },
    ]
    if caller.role in approvals.APPROVERS:
        pending = _count(
            session,
            ApprovalRequest,
            ApprovalRequest.state == approvals.State.PENDING.value,
            ApprovalRequest.pending_until > clock.now(),
            ApprovalRequest.requested_by_principal != caller.principal,
        )
        out.append({"href": "/staff/approvals", "label": _("待审批"), "count": pending})
        new_warnings = _count(session, EarlyWarning, EarlyWarning.status == "new")
        out.append({"href": "/staff/warnings", "label": _("待处理的预警"), "count": new_warnings})
    else:
        out.append({"href": "/staff/approvals", "label": _("我的审批申请"), "count": ""})
    if caller.role is Role.ADMIN:
        out.append({"href": "/staff/calendar", "label": _("节假日安排"), "count": ""})
    return out


def _capped(n: int) -> str | int:
    return f"{n}+" if n >= record_reviews.COUNT_CAP else n


@router.get("", response_class=HTMLResponse, summary="工作台")
def home(request: Request, session: SessionDep, caller: Annotated[Caller, Depends(staff)]) -> HTMLResponse:
    t = tr(request)
    _ = t.gettext
    today = clock.today()
    start, end = dashboard.window(today)
    period = _("%(start)s 至 %(end)s", start=start.isoformat(), end=end.isoformat())
    scope = caller.platforms
    charts = [
        bar_chart(
            dashboard.by_item(session, today, platforms=scope),
            chart_id="by-item",
            title=_("扣分最多的信用事项"),
            desc=_("%(p)s 各信用事项的扣分记录条数（前 10 项）", p=period),
            columns=(_("信用事项"), _("记录条数")),
        ),
        bar_chart(
            dashboard.by_platform(session, today, platforms=scope),
            chart_id="by-platform",
            title=_("各平台扣分记录"),
            desc=_("%(p)s 各平台的扣分记录条数", p=period),
            columns=(_("平台"), _("记录条数")),
        ),
        bar_chart(
            dashboard.by_month(session, today, platforms=scope),
            chart_id="by-month",
            horizontal=False,
            title=_("每月扣分记录"),
            desc=_("%(p)s 每月的扣分记录条数", p=period),
            columns=(_("月份"), _("记录条数")),
        ),
    ]
    charts.append(
        bar_chart(
            dashboard.objection_turnaround(session, today),
            chart_id="objection-turnaround",
            horizontal=False,
            title=_("异议办理用时"),
            desc=_("%(p)s 办结的异议从收到到作出决定所用的工作日数（期限为 20 个工作日）", p=period),
            columns=(_("工作日"), _("件数")),
        )
    )
    distribution = scores.distribution(session, today, platforms=scope)
    if distribution is not None:
        charts.append(
            bar_chart(
                distribution,
                chart_id="score-distribution",
                horizontal=False,
                title=_("信用记分分布"),
                desc=_("%(d)s 有扣分记录的经营主体在各平台的记分分布", d=today.isoformat()),
                columns=(_("分数段"), _("主体数")),
            )
        )
    return page(
        request,
        "staff/home.html",
        {
            "queues": queues(session, caller, t, today),
            "charts": charts,
            "can_record": caller.role in (Role.ADMIN, Role.RECORDER),
            "scope": sorted(scope) if scope is not None else None,
        },
        title=_("工作台"),
    )
