"""``ggzy-credit token``: create, list, rotate and revoke API tokens (scoped, expiring)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from ggzy_credit.audit import trail
from ggzy_credit.auth.accounts import get_user
from ggzy_credit.auth.models import ApiToken
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import create_token, revoke_token, rotate_token
from ggzy_credit.cli.context import console, domain_errors, open_context

app = typer.Typer(help="API 令牌管理", no_args_is_help=True)


@app.command("create")
@domain_errors
def create(
    name: Annotated[str, typer.Option(help="令牌名称（调用方）")],
    role: Annotated[Role | None, typer.Option(help="角色（个人令牌取用户的角色）")] = None,
    subject_id: Annotated[int | None, typer.Option(help="经营主体令牌对应的主体 ID")] = None,
    valid_days: Annotated[int | None, typer.Option(help="有效天数，缺省不过期")] = None,
    scope: Annotated[
        list[str] | None, typer.Option(help="权限范围，可重复：read、write、records:write…")
    ] = None,
    platform: Annotated[list[str] | None, typer.Option(help="授权的平台代码，可重复；缺省为全部平台")] = None,
    organisation: Annotated[str | None, typer.Option(help="调用方单位")] = None,
    user: Annotated[str | None, typer.Option(help="个人令牌所属用户名")] = None,
) -> None:
    """Create a token; the token itself is printed once, as the last line."""
    ctx = open_context()
    with ctx.transaction() as session:
        user_id = get_user(session, user).id if user else None
        if role is None and user_id is None:
            from ggzy_credit.errors import InvalidInput

            raise InvalidInput.field("role", "请用 --role 指定角色，或用 --user 签发个人令牌")
        row, secret = create_token(
            session,
            role or Role.ADMIN,
            name,
            subject_id=subject_id,
            valid_days=valid_days,
            scopes=scope,
            platforms=platform,
            organisation=organisation,
            user_id=user_id,
        )
        trail.queue(
            session,
            trail.cli_line(
                "token create",
                subject_ids=[subject_id] if subject_id else [],
                detail={"token_id": row.id, "role": row.role},
            ),
        )
    console.print(f"已创建令牌 #{row.id}（角色 {row.role}，名称 {row.name}）。令牌只显示这一次：")
    print(secret)


@app.command("list")
def list_tokens() -> None:
    ctx = open_context()
    table = Table("id", "名称", "角色", "前缀", "主体", "用户", "范围", "平台", "创建", "过期", "吊销")
    with ctx.transaction() as session:
        for t in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            table.add_row(
                str(t.id),
                t.name,
                t.role,
                t.prefix + "…",
                str(t.subject_id or ""),
                str(t.user_id or ""),
                ",".join(t.scopes or ["*"]),
                ",".join(t.platforms or ["*"]),
                f"{t.created_at:%Y-%m-%d}",
                f"{t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "",
                f"{t.revoked_at:%Y-%m-%d}" if t.revoked_at else "",
            )
    console.print(table)


@app.command("rotate")
@domain_errors
def rotate(
    token_id: int,
    grace_hours: Annotated[int, typer.Option(help="旧令牌继续有效的小时数")] = 24,
) -> None:
    """Issue a successor with the same role and scope; the old token expires after the grace period."""
    ctx = open_context()
    with ctx.transaction() as session:
        row, secret = rotate_token(session, token_id, grace_hours=grace_hours)
        trail.queue(
            session, trail.cli_line("token rotate", detail={"token_id": row.id, "rotated_from": token_id})
        )
    console.print(
        f"已轮换：新令牌 #{row.id}，旧令牌 #{token_id} 将在 {grace_hours} 小时后失效。新令牌只显示这一次："
    )
    print(secret)


@app.command("revoke")
@domain_errors
def revoke(token_id: int) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        revoke_token(session, token_id)
        trail.queue(session, trail.cli_line("token revoke", detail={"token_id": token_id}))
    console.print(f"令牌 #{token_id} 已吊销")
