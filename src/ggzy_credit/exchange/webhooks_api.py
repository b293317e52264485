"""/api/v1/webhooks: subscriptions (admin), the outbox with its dead letters, the delivery log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import func, select

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import Conflict, NotFound
from ggzy_credit.exchange import subscriptions
from ggzy_credit.exchange.outbox import EVENT_TYPES
from ggzy_credit.exchange.schemas import (
    DeliveryOut,
    DeliveryPage,
    OutboxOut,
    OutboxPage,
    RequeueOut,
    SecretOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
    SubscriptionSecretOut,
)
from ggzy_credit.exchange.webhook_models import OutboxMessage, WebhookDelivery, WebhookSubscription
from ggzy_credit.exchange.webhooks import requeue
from ggzy_credit.web.deps import CipherDep, SessionDep, allow
from ggzy_credit.web.params import DbId, Offset

router = APIRouter(prefix="/webhooks", tags=["推送订阅 webhooks"])
admin = allow(Role.ADMIN)


def _out(row: WebhookSubscription, counts: dict[str, int] | None = None) -> SubscriptionOut:
    return SubscriptionOut(
        id=row.id,
        name=row.name,
        audience=row.audience,
        url=row.url,
        event_types=row.event_types,
        public_only=row.public_only,
        active=row.active,
        created_by=row.created_by,
        created_at=row.created_at,
        outbox=counts or {},
    )


@router.get("/event-types", summary="可订阅的事件类型", dependencies=[Depends(admin)])
def event_types() -> dict[str, str]:
    return EVENT_TYPES


@router.post(
    "/subscriptions",
    response_model=SubscriptionSecretOut,
    status_code=status.HTTP_201_CREATED,
    summary="新增订阅（签名密钥仅返回一次）",
)
def create_subscription(
    session: SessionDep, cipher: CipherDep, data: SubscriptionIn, caller: Annotated[Caller, Depends(admin)]
) -> SubscriptionSecretOut:
    row, secret = subscriptions.create(
        session,
        cipher,
        name=data.name,
        url=data.url,
        audience=data.audience,
        event_types=data.event_types,
        public_only=data.public_only,
        secret=data.secret,
        by=caller.label,
    )
    return SubscriptionSecretOut(**_out(row).model_dump(), secret=secret)


@router.get(
    "/subscriptions", response_model=list[SubscriptionOut], summary="订阅列表", dependencies=[Depends(admin)]
)
def list_subscriptions(session: SessionDep) -> list[SubscriptionOut]:
    return [_out(row, counts) for row, counts in subscriptions.list_all(session)]


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="订阅详情",
    dependencies=[Depends(admin)],
)
def read_subscription(session: SessionDep, subscription_id: DbId) -> SubscriptionOut:
    return _out(subscriptions.get(session, subscription_id))


@router.patch(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="修改或停用订阅",
    dependencies=[Depends(admin)],
)
def update_subscription(
    session: SessionDep, subscription_id: DbId, data: SubscriptionPatch
) -> SubscriptionOut:
    return _out(subscriptions.update(session, subscription_id, **data.model_dump(exclude_unset=True)))


@router.post(
    "/subscriptions/{subscription_id}/rotate-secret",
    response_model=SecretOut,
    summary="更换签名密钥",
    dependencies=[Depends(admin)],
)
def rotate_secret(session: SessionDep, cipher: CipherDep, subscription_id: DbId) -> SecretOut:
    return SecretOut(secret=subscriptions.rotate_secret(session, cipher, subscription_id))


@router.get(
    "/outbox",
    response_model=OutboxPage,
    summary="待推送事件与死信（status=dead）",
    dependencies=[Depends(admin)],
)
def list_outbox(
    session: SessionDep,
    outbox_status: Annotated[Literal["pending", "delivered", "dead"] | None, Query(alias="status")] = None,
    subscription: Annotated[DbId | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> OutboxPage:
    query = select(OutboxMessage)
    if outbox_status:
        query = query.where(OutboxMessage.status == outbox_status)
    if subscription is not None:
        query = query.where(OutboxMessage.subscription_id == subscription)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)).all()
    return OutboxPage(total=total, items=[OutboxOut.model_validate(r, from_attributes=True) for r in rows])


@router.post(
    "/outbox/{outbox_id}/retry",
    response_model=RequeueOut,
    summary="重新投递一条死信",
    dependencies=[Depends(admin)],
)
def retry_dead_letter(session: SessionDep, outbox_id: DbId) -> RequeueOut:
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise NotFound(f"推送事件 {outbox_id} 不存在")
    if row.status != "dead":
        raise Conflict(f"推送事件 {outbox_id} 当前状态为 {row.status}，只有死信可以重新投递")
    return RequeueOut(requeued=requeue(session, [outbox_id]))


@router.get("/deliveries", response_model=DeliveryPage, summary="投递日志", dependencies=[Depends(admin)])
def list_deliveries(
    session: SessionDep,
    subscription: Annotated[DbId | None, Query()] = None,
    outbox_id: Annotated[DbId | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> DeliveryPage:
    query = select(WebhookDelivery)
    if subscription is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription)
    if outbox_id is not None:
        query = query.where(WebhookDelivery.outbox_id == outbox_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset)).all()
    return DeliveryPage(
        total=total, items=[DeliveryOut.model_validate(r, from_attributes=True) for r in rows]
    )
