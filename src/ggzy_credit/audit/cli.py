"""``ggzy-credit audit``: verify the hash chain of the audit trail."""

from __future__ import annotations

import typer

from ggzy_credit.audit import chain
from ggzy_credit.cli.context import console, err_console, open_context

app = typer.Typer(help="审计日志", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Recompute every row's hash from the first; exit 1 at the first row that was changed or removed."""
    ctx = open_context()
    with ctx.transaction() as session:
        report = chain.verify(session)
    if report.ok:
        console.print(f"审计日志完整：共 {report.rows} 条，哈希链校验通过")
        return
    err_console.print(
        f"[red]审计日志校验失败[/red]：第 {report.bad_seq} 条 — {report.problem}（此前 {report.rows} 条完好）"
    )
    raise typer.Exit(1)


@app.command("show")
def show(limit: int = typer.Option(20, min=1, max=1000, help="最近的条数")) -> None:
    """The latest audit lines."""
    from rich.table import Table
    from sqlalchemy import select

    from ggzy_credit.audit.models import AuditEntry

    ctx = open_context()
    table = Table("seq", "时间", "类型", "操作", "调用方", "单位", "主体", "记录", "目的", "IP")
    with ctx.transaction() as session:
        for r in session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)):
            table.add_row(
                str(r.seq),
                f"{r.at:%Y-%m-%d %H:%M:%S}",
                r.kind,
                r.action,
                r.actor,
                r.organisation or "",
                ",".join(map(str, r.subject_ids)),
                ",".join(map(str, r.record_ids)),
                r.purpose or "",
                r.ip or "",
            )
    console.print(table)
