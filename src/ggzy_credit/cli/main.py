"""``ggzy-credit``: the platform's command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ggzy_credit.audit.cli import app as audit_app
from ggzy_credit.auth.cli import app as token_app
from ggzy_credit.auth.user_cli import app as user_app
from ggzy_credit.cli.context import console, domain_errors, open_context
from ggzy_credit.db.migrate import upgrade
from ggzy_credit.exchange.cli import app as exchange_app
from ggzy_credit.exchange.jobs import start_background as start_exchange_jobs
from ggzy_credit.exchange.webhooks_cli import app as webhooks_app
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.cli import app as ledger_app
from ggzy_credit.ledger.keys import ensure_signing_key, signing_key
from ggzy_credit.monitoring.cli import app as monitor_app
from ggzy_credit.ops.cli import backup_command, restore_command
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.portal import demo_accounts as portal_demo_accounts
from ggzy_credit.records.cli import app as records_app
from ggzy_credit.scoring.cli import evaluate as evaluate_command
from ggzy_credit.standards.service import load_defaults
from ggzy_credit.subjects.cli import app as subjects_app
from ggzy_credit.workflows.cli import calendar_app, workflows_app

app = typer.Typer(
    help="公共资源交易信用信息平台 ggzy-credit", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(subjects_app, name="subjects")
app.add_typer(records_app, name="records")
app.command("evaluate")(evaluate_command)
app.add_typer(exchange_app, name="exchange")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(monitor_app, name="monitor")
app.add_typer(ledger_app, name="ledger")
app.add_typer(calendar_app, name="calendar")
app.add_typer(workflows_app, name="workflows")
app.command("backup")(backup_command)
app.command("restore")(restore_command)

DEMO_TOKENS = "demo-tokens.json"


@app.command()
def init() -> None:
    """Create keys, migrate the database and load the shipped platforms and standards (idempotent)."""
    ctx = open_context()
    assert ctx.settings.secrets_dir is not None
    pii_cipher(ctx.settings.secrets_dir, create=True)
    signing = ensure_signing_key(ctx.settings.secrets_dir)
    upgrade(ctx.engine)
    with ctx.transaction() as session:
        backfilled = ledger.backfill_if_empty(session)  # rows from before the ledger existed
        report = load_defaults(session)
        ledger.sign_if_grown(session, signing)
    if backfilled:
        console.print(f"已将 {backfilled} 行既有数据记入防篡改账本")
    if report.changed:
        console.print(
            f"已载入 {report.platforms_added} 个平台、{report.versions_added} 个评估标准版本、"
            f"{report.items_added} 个信用事项"
        )
    else:
        console.print("数据库已是最新，无需变更")
    console.print(f"数据库：{ctx.engine.url.render_as_string(hide_password=True)}")


@app.command()
@domain_errors
def demo(
    records: Annotated[int, typer.Option(min=1, max=200_000, help="信用记录条数")] = 3000,
    seed: Annotated[int, typer.Option(help="随机种子")] = 2026,
) -> None:
    """Fill an empty database with a realistic demo data set and demo tokens."""
    from ggzy_credit.demo.seed import has_data, load_demo, write_tokens

    ctx = open_context()
    with ctx.transaction() as session:
        if has_data(session):
            console.print("数据库中已有经营主体，未载入演示数据")
            return
        report = load_demo(session, ctx.cipher, seed=seed, records=records)
        ledger.sign_if_grown(session, signing_key(ctx.settings.secrets_dir))
        accounts = portal_demo_accounts.create(session, ctx.settings.var_dir)  # a portal login per role
    path = ctx.settings.var_dir / DEMO_TOKENS
    write_tokens(path, report.tokens)
    console.print(
        f"已载入演示数据：{report.subjects} 个经营主体，{report.records} 条信用记录；演示令牌见 {path}"
    )
    if accounts:
        console.print(f"门户演示账号及密码见 {accounts}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="端口")] = None,
    workers: Annotated[int, typer.Option(min=1, help="工作进程数")] = 1,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="每日 00:30（北京时间）自动评估并补跑错过的日期；缺省读 GGZY_SCHEDULER",
        ),
    ] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="逐条记录每个 HTTP 请求（uvicorn 访问日志，占用 CPU）；缺省关闭，启动、错误和告警照常记录",
        ),
    ] = False,
) -> None:
    """Serve the portal and the API."""
    import uvicorn

    ctx = open_context()
    host = host or ctx.settings.host
    port = port or ctx.settings.port
    base = f"http://{host}:{port}"
    console.print(
        f"ggzy-credit 已启动：{base}\n  门户：{base}/\n  API 文档：{base}/docs\n"
        f"  OpenAPI：{base}/openapi.json"
    )
    if demo_logins := portal_demo_accounts.lines(ctx.settings.var_dir):
        console.print("  门户演示账号（用户名 角色 密码）：\n    " + "\n    ".join(demo_logins))
    tokens = ctx.settings.var_dir / DEMO_TOKENS
    if tokens.exists():
        console.print("  演示令牌（Authorization: Bearer …）：")
        for role, token in json.loads(tokens.read_text(encoding="utf-8")).items():
            console.print(f"    {role:<10} {token}")
    if start_exchange_jobs(ctx.settings):  # opt-in: GGZY_EXCHANGE_JOBS_INTERVAL seconds > 0
        console.print(f"  数据交换定时任务：每 {ctx.settings.exchange_jobs_interval} 秒")
    if ctx.settings.scheduler if scheduler is None else scheduler:  # one loop per serve, claims per day
        from ggzy_credit.scoring.scheduler import start_background as start_daily_evaluation

        start_daily_evaluation(ctx.settings)
        console.print("  每日信用评估：00:30（北京时间），启动时补跑错过的日期")
    uvicorn.run(
        "ggzy_credit.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",  # startup, shutdown, warnings and errors
        # One log line per request costs CPU on the hot path (benchmarks/score_load.py); the audit log
        # keeps who read what, a reverse proxy's access log the rest. Opt in with --access-log.
        access_log=access_log,
        # A spawned worker re-imports the whole CLI before it answers the supervisor's health check;
        # on a busy machine that takes longer than uvicorn's 5 s, and the worker would be killed and
        # restarted over and over.
        timeout_worker_healthcheck=30,
    )


if __name__ == "__main__":
    app()
