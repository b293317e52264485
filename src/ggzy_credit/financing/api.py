"""/api/v1: subjects authorise banks (融资信用查询授权); banks pull credit reports (JSON or PDF).

* ``/subjects/{id}/financing-grants`` — the subject's own account creates, lists and revokes.
* ``/financing/banks`` — the registered banks a subject may name.
* ``/financing/grants`` — a bank sees the grants given to its institution; the centre sees all.
* ``/financing/subjects/{id}/credit-report`` — a bank with a live grant, or the subject itself
  (preview). Everyone else is refused by the route policy; a bank without a live grant gets 403 and
  the refusal is audited. Each report's audit line names the bank, the subject and the grant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session

from ggzy_credit.audit import trail
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.financing import service
from ggzy_credit.financing.models import FinancingGrant
from ggzy_credit.financing.pdf import render
from ggzy_credit.financing.report import build
from ggzy_credit.financing.rules import STATE_NAMES, GrantState
from ggzy_credit.financing.schemas import BanksOut, CreditReportOut, GrantIn, GrantOut, GrantPage
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.subjects.service import get_subject
from ggzy_credit.web.deps import SessionDep, SettingsDep, allow
from ggzy_credit.web.params import DbId, Offset
from ggzy_credit.workflows.notifications import Notice, notify

TAG = "融资信用查询 financing"
router = APIRouter(prefix="/financing", tags=[TAG])
subject_router = APIRouter(prefix="/subjects", tags=[TAG])

owners = allow(Role.SUBJECT, own=Role.SUBJECT)
bank_lookup = allow(Role.SUBJECT, Role.ADMIN, nonpublic=False)
grant_readers = allow(Role.BANK, Role.ADMIN)
report_readers = allow(Role.BANK, Role.SUBJECT, own=Role.SUBJECT)
NOTICE_KIND = "financing_report"
_NO_GRANT = {403: {"description": "没有有效授权（未授权、未生效、已到期、已撤销或属于其他机构）"}}


def outs(session: Session, rows: Sequence[FinancingGrant]) -> list[GrantOut]:
    names = service.subject_names(session, [r.subject_id for r in rows])
    out = []
    for r in rows:
        state = service.state_of(r)
        out.append(
            GrantOut(
                id=r.id,
                subject_id=r.subject_id,
                subject_name=names.get(r.subject_id, ""),
                bank=r.bank,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
                purpose=r.purpose,
                state=state.value,
                state_name=STATE_NAMES[state],
                created_by=r.created_by,
                created_at=r.created_at,
                revoked_at=r.revoked_at,
                revoked_by=r.revoked_by,
            )
        )
    return out


Limit = Annotated[int, Query(ge=1, le=200)]


@subject_router.post(
    "/{subject_id}/financing-grants",
    response_model=GrantOut,
    status_code=status.HTTP_201_CREATED,
    summary="授权金融机构在一定期限内查询本主体的信用报告",
    responses={409: {"description": "对同一金融机构已有期间重叠的有效授权"}},
)
def create_grant(
    session: SessionDep, subject_id: DbId, data: GrantIn, caller: Annotated[Caller, Depends(owners)]
) -> GrantOut:
    grant = service.create_grant(
        session,
        caller,
        subject_id,
        bank=data.bank,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        purpose=data.purpose,
    )
    trail.note(session, grant_id=grant.id, bank=grant.bank, grant="financing")
    return outs(session, [grant])[0]


@subject_router.get(
    "/{subject_id}/financing-grants",
    response_model=GrantPage,
    dependencies=[Depends(owners)],
    summary="本主体给出的信用查询授权",
)
def list_subject_grants(
    session: SessionDep,
    subject_id: DbId,
    state: GrantState | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> GrantPage:
    total, rows = service.listing(session, subject_id=subject_id, state=state, limit=limit, offset=offset)
    return GrantPage(total=total, items=outs(session, rows))


@subject_router.post(
    "/{subject_id}/financing-grants/{grant_id}/revoke",
    response_model=GrantOut,
    summary="撤销信用查询授权（立即生效；重复撤销不改变记录）",
)
def revoke_grant(
    session: SessionDep, subject_id: DbId, grant_id: DbId, caller: Annotated[Caller, Depends(owners)]
) -> GrantOut:
    grant = service.revoke_grant(session, caller, subject_id, grant_id)
    trail.note(session, grant_id=grant.id, bank=grant.bank, grant="financing")
    return outs(session, [grant])[0]


@router.get(
    "/banks",
    response_model=BanksOut,
    dependencies=[Depends(bank_lookup)],
    summary="本平台登记的金融机构（授权对象）",
)
def list_banks(session: SessionDep) -> BanksOut:
    return BanksOut(banks=service.known_banks(session))


@router.get(
    "/grants",
    response_model=GrantPage,
    summary="信用查询授权：金融机构看本机构获得的授权，交易中心看全部",
)
def list_grants(
    session: SessionDep,
    caller: Annotated[Caller, Depends(grant_readers)],
    state: GrantState | None = None,
    subject_id: DbId | None = None,
    bank: Annotated[str | None, Query(max_length=200, description="金融机构（仅交易中心可筛选）")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> GrantPage:
    if caller.role is Role.BANK:
        bank = service.bank_of(caller)
    total, rows = service.listing(
        session, subject_id=subject_id, bank=bank, state=state, limit=limit, offset=offset
    )
    return GrantPage(total=total, items=outs(session, rows))


@router.get(
    "/subjects/{subject_id}/credit-report",
    response_model=CreditReportOut,
    summary="融资信用报告（JSON 或 PDF）：信用记分、信用标注、计入的记录及账本包含证明",
    description="金融机构须持有该主体当日有效的授权；经营主体可预览本主体的报告。每次生成均记入审计日志"
    "（查询机构、主体、授权编号、报告编号），金融机构查询时通知该主体。",
    responses={
        200: {"content": {"application/pdf": {}}, "description": "format=pdf 时为 PDF 文件"},
        **_NO_GRANT,
    },
)
def credit_report(
    session: SessionDep,
    settings: SettingsDep,
    subject_id: DbId,
    caller: Annotated[Caller, Depends(report_readers)],
    fmt: Annotated[Literal["json", "pdf"], Query(alias="format", description="json（缺省）或 pdf")] = "json",
) -> CreditReportOut | Response:
    grant: FinancingGrant | None = None
    if caller.role is Role.BANK:
        try:
            grant = service.live_grant(session, caller, subject_id)
        except service.NoGrant as exc:
            trail.deny(session, exc.message)
            raise
    subject = get_subject(session, subject_id)
    assert settings.secrets_dir is not None
    requested_by = grant.bank if grant is not None else f"经营主体本人预览（{caller.name}）"
    report = build(
        session, subject, signing_key(settings.secrets_dir), grant=grant, requested_by=requested_by
    )
    detail: dict[str, object] = {"report_id": report.report_id, "format": fmt}
    if grant is not None:
        detail |= {"grant": "financing", "bank": grant.bank}
    trail.note(
        session,
        record_ids=[r.id for r in report.records],
        grant_id=grant.id if grant else None,
        purpose=grant.purpose if grant else "经营主体预览本主体信用报告",
        **detail,
    )
    if grant is not None:
        notify(
            session,
            [
                Notice(
                    subject_id=subject_id,
                    kind=NOTICE_KIND,
                    title="金融机构查询了本主体的信用报告",
                    body=f"{grant.bank}依据授权（编号 {grant.id}，用途：{grant.purpose}，"
                    f"期限 {grant.valid_from} 至 {grant.valid_until}）于 "
                    f"{report.generated_at:%Y-%m-%d %H:%M} 生成了本主体的信用报告"
                    f"（报告编号 {report.report_id}）。",
                )
            ],
        )
    if fmt == "pdf":
        return Response(
            content=render(report),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="credit-report-{subject_id}.pdf"'},
        )
    return report
