"""``ggzy-credit user``: create accounts, set passwords, lock and unlock, enable a second factor."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ggzy_credit.audit import trail
from ggzy_credit.auth import accounts
from ggzy_credit.auth.roles import Role
from ggzy_credit.cli.context import console, domain_errors, open_context

app = typer.Typer(help="用户账号管理", no_args_is_help=True)
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码（脚本用）")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("密码", hide_input=True, confirmation_prompt=True))


@app.command("create")
@domain_errors
def create(
    username: Annotated[str, typer.Option(help="用户名（登录名）")],
    role: Annotated[Role, typer.Option(help="角色")],
    display_name: Annotated[str, typer.Option(help="姓名或显示名")],
    organisation: Annotated[str | None, typer.Option(help="所属单位（监管部门、金融机构必填）")] = None,
    subject: Annotated[list[int] | None, typer.Option(help="经营主体账号代表的主体 ID，可重复")] = None,
    platform: Annotated[list[str] | None, typer.Option(help="授权的平台代码，可重复；缺省为全部平台")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account; the password is asked for twice (or read from stdin)."""
    password = _password(password_stdin)
    ctx = open_context()
    with ctx.transaction() as session:
        user = accounts.create_user(
            session,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            organisation=organisation,
            subject_ids=subject or [],
            platforms=platform,
        )
        trail.queue(
            session,
            trail.cli_line(
                "user create", subject_ids=subject or [], detail={"user": user.username, "role": user.role}
            ),
        )
    console.print(f"已创建用户 #{user.id} {user.username}（{user.role}）")


@app.command("passwd")
@domain_errors
def passwd(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password; the user's sessions end."""
    password = _password(password_stdin)
    ctx = open_context()
    with ctx.transaction() as session:
        user = accounts.get_user(session, username)
        accounts.set_password(session, user, password)
        trail.queue(session, trail.cli_line("user passwd", detail={"user": user.username}))
    console.print(f"已为 {username} 设置新密码，其登录会话已全部失效")


@app.command("lock")
@domain_errors
def lock(username: str) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        accounts.lock(session, accounts.get_user(session, username))
        trail.queue(session, trail.cli_line("user lock", detail={"user": username}))
    console.print(f"已锁定 {username}：会话与个人令牌随即失效")


@app.command("unlock")
@domain_errors
def unlock(username: str) -> None:
    """Clear the manual lock and the failed-login back-off."""
    ctx = open_context()
    with ctx.transaction() as session:
        accounts.unlock(session, accounts.get_user(session, username))
        trail.queue(session, trail.cli_line("user unlock", detail={"user": username}))
    console.print(f"已解锁 {username}")


@app.command("totp-enable")
@domain_errors
def totp_enable(username: str) -> None:
    """Give a staff or regulator account a second factor: scan the printed URI into an authenticator app."""
    ctx = open_context()
    with ctx.transaction() as session:
        user = accounts.get_user(session, username)
        secret, uri = accounts.enable_totp(session, ctx.cipher, user)
        trail.queue(session, trail.cli_line("user totp-enable", detail={"user": user.username}))
    from ggzy_credit.auth.totp import base32

    console.print(f"已为 {username} 开启动态口令。请在身份验证器中添加（只显示这一次）：")
    console.print(f"  密钥：{base32(secret)}")
    print(uri)


@app.command("totp-disable")
@domain_errors
def totp_disable(username: str) -> None:
    ctx = open_context()
    with ctx.transaction() as session:
        accounts.disable_totp(accounts.get_user(session, username))
        trail.queue(session, trail.cli_line("user totp-disable", detail={"user": username}))
    console.print(f"已关闭 {username} 的动态口令")


@app.command("list")
def list_users() -> None:
    ctx = open_context()
    table = Table("id", "用户名", "姓名", "角色", "单位", "主体", "平台", "动态口令", "锁定")
    with ctx.transaction() as session:
        for u in accounts.list_users(session):
            table.add_row(
                str(u.id),
                u.username,
                u.display_name,
                u.role,
                u.organisation or "",
                ",".join(map(str, accounts.subjects_of(session, u.id))),
                ",".join(u.platforms or ["*"]),
                "是" if u.totp_secret_enc else "",
                "是" if u.locked_at else "",
            )
    console.print(table)
