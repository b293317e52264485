"""``ggzy-credit monitor``: run the early-warning rules, list warnings."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ggzy_credit.cli.context import console, domain_errors, open_context
from ggzy_credit.monitoring import service
from ggzy_credit.monitoring.rules import RULES

app = typer.Typer(help="监测预警", no_args_is_help=True)


@app.command("run")
@domain_errors
def run(
    rule: Annotated[list[str] | None, typer.Option("--rule", help="只运行该规则（可重复）")] = None,
) -> None:
    """Run the rules over the whole database; new warnings are queued for push delivery."""
    ctx = open_context()
    with ctx.transaction() as session:
        result = service.run_rules(session, settings=ctx.settings, only=rule or None)
    for code, count in result.by_rule.items():
        console.print(f"  {code:<20} {count} 项")
    if result.skipped:
        console.print(f"  未运行（未启用或数据不存在）：{'、'.join(result.skipped)}")
    console.print(
        f"预警规则运行完成：发现 {result.findings} 项，"
        f"新增预警 {result.raised} 条，更新 {result.refreshed} 条"
    )


@app.command("list")
@domain_errors
def list_warnings(
    status: Annotated[str | None, typer.Option(help="new | confirmed | dismissed")] = "new",
    rule: Annotated[str | None, typer.Option(help="规则代码")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List warnings (default: the new ones)."""
    ctx = open_context()
    with ctx.transaction() as session:
        total, rows = service.list_warnings(
            session, service.WarningFilter(rule=rule, status=status), limit=limit
        )
        table = Table("ID", "规则", "严重程度", "状态", "项目", "说明")
        for r in rows:
            table.add_row(str(r.id), r.rule, r.severity, r.status, r.project_code or "", r.title)
    console.print(table)
    console.print(f"共 {total} 条")


@app.command("rules")
def rules() -> None:
    """The rule set with each rule's rationale."""
    for code, rule in RULES.items():
        console.print(f"[bold]{code}[/bold] {rule.title}\n  {rule.rationale}\n")
