"""Webhook subscriptions: who receives which events. Secrets are shown once and stored encrypted."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.exchange.outbox import EVENT_TYPES, WILDCARD, known_event
from ggzy_credit.exchange.webhook_models import OutboxMessage, WebhookSubscription
from ggzy_credit.exchange.webhooks import SECRET_COLUMN
from ggzy_credit.pii.cipher import PiiCipher

AUDIENCES = {
    "supervision": "监管（行业主管部门、纪检监察等）",
    "financing": "中小企业融资服务平台",
    "city": "其他城市交易平台",
    "other": "其他",
}


def check_url(url: str) -> str:
    """HTTPS, or plain HTTP only to loopback / private-network hosts (政务外网、内网部署)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput.field("url", "回调地址应为 http(s):// 开头的完整 URL")
    if parts.scheme == "http":
        try:
            address = ipaddress.ip_address(parts.hostname)
            private = address.is_loopback or address.is_private
        except ValueError:
            private = parts.hostname == "localhost"
        if not private:
            raise InvalidInput.field("url", "公网回调地址必须使用 HTTPS")
    return url.strip()


def check_events(event_types: Sequence[str]) -> list[str]:
    """Event types, ``<family>.*`` (e.g. ``record.*``, ``notification.*``) or ``*`` for everything."""
    families = {name.split(".")[0] for name in EVENT_TYPES}
    cleaned = sorted({e.strip() for e in event_types if e.strip()})
    if not cleaned:
        raise InvalidInput.field("event_types", "至少订阅一种事件")
    for event in cleaned:
        family_wildcard = event.endswith(".*") and event[:-2] in families
        if event != WILDCARD and not family_wildcard and not known_event(event):
            raise InvalidInput.field("event_types", f"未知的事件类型 {event}")
    return cleaned


def create(
    session: Session,
    cipher: PiiCipher,
    *,
    name: str,
    url: str,
    audience: str,
    event_types: Sequence[str],
    public_only: bool = True,
    secret: str | None = None,
    by: str,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned once: only its ciphertext is kept)."""
    name = name.strip()
    if not name:
        raise InvalidInput.field("name", "名称不能为空")
    if audience not in AUDIENCES:
        raise InvalidInput.field("audience", f"对象类别应为 {'、'.join(AUDIENCES)} 之一")
    if session.scalar(select(WebhookSubscription.id).where(WebhookSubscription.name == name)) is not None:
        raise Conflict(f"订阅名称“{name}”已存在")
    if secret is not None and len(secret) < 16:
        raise InvalidInput.field("secret", "签名密钥至少 16 个字符")
    secret = secret or secrets.token_urlsafe(32)
    row = WebhookSubscription(
        name=name,
        url=check_url(url),
        audience=audience,
        event_types=check_events(event_types),
        public_only=public_only,
        active=True,
        created_by=by,
        created_at=clock.now(),
        secret_enc=cipher.encrypt(secret, SECRET_COLUMN),
    )
    session.add(row)
    session.flush()
    return row, secret


def get(session: Session, subscription_id: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None:
        raise NotFound(f"订阅 {subscription_id} 不存在")
    return row


def update(
    session: Session,
    subscription_id: int,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    active: bool | None = None,
    public_only: bool | None = None,
) -> WebhookSubscription:
    row = get(session, subscription_id)
    if url is not None:
        row.url = check_url(url)
    if event_types is not None:
        row.event_types = check_events(event_types)
    if active is not None:
        row.active = active
    if public_only is not None:
        row.public_only = public_only
    session.flush()
    return row


def rotate_secret(session: Session, cipher: PiiCipher, subscription_id: int) -> str:
    row = get(session, subscription_id)
    secret = secrets.token_urlsafe(32)
    row.secret_enc = cipher.encrypt(secret, SECRET_COLUMN)
    session.flush()
    return secret


def list_all(session: Session) -> list[tuple[WebhookSubscription, dict[str, int]]]:
    """Every subscription with its outbox counts by status (one grouped query)."""
    counts: dict[int, dict[str, int]] = {}
    for sid, status, n in session.execute(
        select(OutboxMessage.subscription_id, OutboxMessage.status, func.count()).group_by(
            OutboxMessage.subscription_id, OutboxMessage.status
        )
    ):
        counts.setdefault(sid, {})[status] = n
    rows = session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all()
    return [(r, counts.get(r.id, {})) for r in rows]
