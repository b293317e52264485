"""``ggzy-credit webhooks``: manage subscriptions, deliver the outbox, inspect and retry dead letters."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from ggzy_credit.cli.context import console, domain_errors, open_context
from ggzy_credit.exchange import subscriptions
from ggzy_credit.exchange.webhook_models import OutboxMessage
from ggzy_credit.exchange.webhooks import WorkerConfig, deliver_once, requeue

app = typer.Typer(help="推送订阅（webhooks）与投递", no_args_is_help=True)


@app.command("add")
@domain_errors
def add(
    name: Annotated[str, typer.Option(help="订阅名称")],
    url: Annotated[str, typer.Option(help="回调地址")],
    event: Annotated[
        list[str], typer.Option("--event", help="事件类型（可重复；record.* 或 * 表示一族或全部）")
    ],
    audience: Annotated[str, typer.Option(help="supervision | financing | city | other")] = "supervision",
    include_nonpublic: Annotated[
        bool, typer.Option("--include-nonpublic", help="也推送非公开信息（监管）")
    ] = False,
) -> None:
    """Add a subscription; prints its signing secret once, as the last line."""
    ctx = open_context()
    with ctx.transaction() as session:
        row, secret = subscriptions.create(
            session,
            ctx.cipher,
            name=name,
            url=url,
            audience=audience,
            event_types=event,
            public_only=not include_nonpublic,
            by="cli:webhooks",
        )
        sid = row.id
    console.print(f"已新增订阅 {sid}：{name} → {url}；签名密钥（仅显示一次）：")
    console.print(secret, soft_wrap=True, highlight=False)


@app.command("list")
@domain_errors
def list_subscriptions() -> None:
    ctx = open_context()
    table = Table("ID", "名称", "对象", "地址", "事件", "启用", "待投递", "死信")
    with ctx.transaction() as session:
        for row, counts in subscriptions.list_all(session):
            table.add_row(
                str(row.id),
                row.name,
                row.audience,
                row.url,
                ",".join(row.event_types),
                "是" if row.active else "否",
                str(counts.get("pending", 0)),
                str(counts.get("dead", 0)),
            )
    console.print(table)


@app.command("disable")
@domain_errors
def disable(subscription_id: int) -> None:
    """Stop delivering to a subscription (its queued events wait until it is enabled again)."""
    ctx = open_context()
    with ctx.transaction() as session:
        subscriptions.update(session, subscription_id, active=False)
    console.print(f"订阅 {subscription_id} 已停用")


@app.command("enable")
@domain_errors
def enable(subscription_id: int) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        subscriptions.update(session, subscription_id, active=True)
    console.print(f"订阅 {subscription_id} 已启用")


@app.command("deliver")
@domain_errors
def deliver(
    once: Annotated[bool, typer.Option("--once", help="投递到期事件后退出（供定时任务调用）")] = False,
    idle: Annotated[float, typer.Option(min=0.1, help="无事可做时的等待秒数")] = 2.0,
) -> None:
    """Deliver due outbox events (retrying with back-off; dead-lettering after the last attempt)."""
    ctx = open_context()
    config = WorkerConfig.from_settings(ctx.settings)
    totals = [0, 0, 0]
    while True:
        stats = deliver_once(ctx.sessions, ctx.cipher, config)
        totals = [totals[0] + stats.delivered, totals[1] + stats.retried, totals[2] + stats.dead]
        if stats.claimed < config.batch:
            if once:
                break
            time.sleep(idle)
    console.print(f"投递成功 {totals[0]}，待重试 {totals[1]}，转入死信 {totals[2]}")


@app.command("dead")
@domain_errors
def dead(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """The dead-letter list."""
    ctx = open_context()
    table = Table("ID", "订阅", "事件", "尝试次数", "最后错误")
    with ctx.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "dead")
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
        for r in rows:
            table.add_row(
                str(r.id), str(r.subscription_id), r.event_type, str(r.attempts), (r.last_error or "")[:80]
            )
    console.print(table)


@app.command("retry")
@domain_errors
def retry(
    outbox_id: Annotated[
        list[int] | None, typer.Argument(help="死信 ID（缺省：全部或 --subscription 的全部）")
    ] = None,
    subscription: Annotated[int | None, typer.Option(help="只重投该订阅的死信")] = None,
) -> None:
    """Put dead letters back in the queue."""
    ctx = open_context()
    with ctx.transaction() as session:
        count = requeue(session, outbox_id or None, subscription_id=subscription)
    console.print(f"已重新排队 {count} 条死信")
