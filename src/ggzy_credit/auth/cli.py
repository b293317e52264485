"""``ggzy-credit token``: create, list and revoke API tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from ggzy_credit.auth.models import ApiToken
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import create_token, revoke_token
from ggzy_credit.cli.context import console, domain_errors, open_context

app = typer.Typer(help="API 令牌管理", no_args_is_help=True)


@app.command("create")
@domain_errors
def create(
    role: Annotated[Role, typer.Option(help="角色")],
    name: Annotated[str, typer.Option(help="令牌名称（调用方）")],
    subject_id: Annotated[int | None, typer.Option(help="经营主体令牌对应的主体 ID")] = None,
    valid_days: Annotated[int | None, typer.Option(help="有效天数，缺省不过期")] = None,
) -> None:
    """Create a token; the token itself is printed once, as the last line."""
    ctx = open_context()
    with ctx.transaction() as session:
        row, secret = create_token(session, role, name, subject_id=subject_id, valid_days=valid_days)
    console.print(f"已创建令牌 #{row.id}（角色 {row.role}，名称 {row.name}）。令牌只显示这一次：")
    print(secret)


@app.command("list")
def list_tokens() -> None:
    ctx = open_context()
    table = Table("id", "名称", "角色", "前缀", "主体", "创建", "过期", "吊销")
    with ctx.transaction() as session:
        for t in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            table.add_row(str(t.id), t.name, t.role, t.prefix + "…", str(t.subject_id or ""),
                          f"{t.created_at:%Y-%m-%d}", f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "",
                          f"{t.revoked_at:%Y-%m-%d}" if t.revoked_at else "")
    console.print(table)


@app.command("revoke")
@domain_errors
def revoke(token_id: int) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        revoke_token(session, token_id)
    console.print(f"令牌 #{token_id} 已吊销")
