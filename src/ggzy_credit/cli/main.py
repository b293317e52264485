"""``ggzy-credit``: the platform's command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ggzy_credit.auth.cli import app as token_app
from ggzy_credit.cli.context import console, domain_errors, open_context
from ggzy_credit.db.migrate import upgrade
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.records.cli import app as records_app
from ggzy_credit.standards.service import load_defaults
from ggzy_credit.subjects.cli import app as subjects_app

app = typer.Typer(help="公共资源交易信用信息平台 ggzy-credit", no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(token_app, name="token")
app.add_typer(subjects_app, name="subjects")
app.add_typer(records_app, name="records")

DEMO_TOKENS = "demo-tokens.json"


@app.command()
def init() -> None:
    """Create keys, migrate the database and load the shipped platforms and standards (idempotent)."""
    ctx = open_context()
    assert ctx.settings.secrets_dir is not None
    pii_cipher(ctx.settings.secrets_dir, create=True)
    upgrade(ctx.engine)
    with ctx.transaction() as session:
        report = load_defaults(session)
    if report.changed:
        console.print(f"已载入 {report.platforms_added} 个平台、{report.versions_added} 个评估标准版本、"
                      f"{report.items_added} 个信用事项")
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
    path = ctx.settings.var_dir / DEMO_TOKENS
    write_tokens(path, report.tokens)
    console.print(f"已载入演示数据：{report.subjects} 个经营主体，{report.records} 条信用记录；演示令牌见 {path}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="端口")] = None,
    workers: Annotated[int, typer.Option(min=1, help="工作进程数")] = 1,
) -> None:
    """Serve the API (and, later, the portal)."""
    import uvicorn

    ctx = open_context()
    host = host or ctx.settings.host
    port = port or ctx.settings.port
    base = f"http://{host}:{port}"
    console.print(f"ggzy-credit 已启动：{base}\n  API 文档：{base}/docs\n  OpenAPI：{base}/openapi.json")
    tokens = ctx.settings.var_dir / DEMO_TOKENS
    if tokens.exists():
        console.print("  演示令牌（Authorization: Bearer …）：")
        for role, token in json.loads(tokens.read_text(encoding="utf-8")).items():
            console.print(f"    {role:<10} {token}")
    uvicorn.run("ggzy_credit.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info")


if __name__ == "__main__":
    app()
