"""``ggzy-credit exchange``: import files from external sources, watch the drop folder, export."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ggzy_credit.cli.context import console, domain_errors, err_console, fail, open_context
from ggzy_credit.exchange import export
from ggzy_credit.exchange.report import REJECTED, ImportReport
from ggzy_credit.exchange.retire import retire_expired
from ggzy_credit.exchange.service import import_path, registry_for
from ggzy_credit.exchange.watch import process_drop_folder

app = typer.Typer(help="数据交换：外部信用信息导入、投递目录、公开数据导出", no_args_is_help=True)


@app.command("import")
@domain_errors
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV、JSON Lines（.jsonl）或 XLSX 文件")],
    source: Annotated[str, typer.Option("--source", help="数据来源代码（见 exchange sources）")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv | jsonl | xlsx（缺省按扩展名）")] = None,
    report: Annotated[Path | None, typer.Option(help="另存导入报告（JSON）")] = None,
    run_by: Annotated[str, typer.Option(help="操作人")] = "cli:exchange",
) -> None:
    """Import one file for one source; prints the report. Exit 2 when the file is malformed."""
    if not file.is_file():
        raise fail(f"文件不存在：{file}")
    ctx = open_context()
    found = registry_for(ctx.settings).get(source)
    with ctx.transaction() as session:
        result = import_path(session, ctx.cipher, found, file, fmt=fmt, run_by=run_by)
    _print(result)
    target = report or file.with_name(file.name + ".report.json")
    console.print(f"导入报告：{result.write_json(target)}（导入记录 {result.run_id}）")
    if result.status == "failed":
        raise typer.Exit(2)


def _print(report: ImportReport) -> None:
    for problem in report.file_errors[:50]:
        where = f"第 {problem['line']} 行 " if problem.get("line") else ""
        err_console.print(f"[red]文件错误[/red] {where}{problem.get('field') or ''} {problem['message']}")
    rejected = [r for r in report.rows if r.outcome == REJECTED]
    for row in rejected[:200]:
        reasons = "；".join(f"{r['field'] or ''} {r['message']}".strip() for r in row.reasons)
        err_console.print(f"[yellow]拒收[/yellow] 第 {row.line} 行（{row.key or '-'}）：{reasons}")
    if len(rejected) > 200:
        err_console.print(f"……另有 {len(rejected) - 200} 行拒收，详见报告")
    console.print(report.summary())


@app.command("watch")
@domain_errors
def watch(
    once: Annotated[bool, typer.Option("--once", help="处理一次后退出（供定时任务调用）")] = False,
    interval: Annotated[int, typer.Option(min=1, help="轮询间隔（秒）")] = 60,
) -> None:
    """Import the files waiting in $GGZY_DROP_DIR/<source>/ and retire entries past their publicity period."""
    ctx = open_context()
    registry = registry_for(ctx.settings)
    assert ctx.settings.drop_dir is not None
    while True:
        for item in process_drop_folder(ctx.sessions, ctx.cipher, ctx.settings.drop_dir, registry):
            colour = "green" if item.status == "succeeded" else "red"
            console.print(f"[{colour}]{item.source}[/{colour}] {item.file.name}：{item.summary}")
        with ctx.transaction() as session:
            retired = retire_expired(session, registry)
        if retired:
            console.print(f"公示期满停止公示 {retired} 条")
        if once:
            return
        time.sleep(interval)


@app.command("sources")
@domain_errors
def sources() -> None:
    """The source registry."""
    ctx = open_context()
    table = Table("代码", "名称", "类别", "平台", "事项", "公示期", "自动登记主体")
    for s in registry_for(ctx.settings).sources:
        items = s.item or ""
        if s.item_map:
            items = (items + " " if items else "") + "、".join(f"{k}→{v}" for k, v in s.item_map.items())
        table.add_row(
            s.name,
            s.title,
            s.kind.value,
            s.platform or "（逐行）",
            items,
            s.publicity,
            "是" if s.register_unknown else "否",
        )
    console.print(table)
    console.print(f"投递目录：{ctx.settings.drop_dir}/<代码>/")


@app.command("export")
@domain_errors
def export_public(
    out: Annotated[Path, typer.Argument(help="输出文件（.jsonl 或 .csv）")],
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl | csv（缺省按扩展名）")] = None,
) -> None:
    """Export the published credit records, with a manifest naming the ledger head it was cut at."""
    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in ("jsonl", "csv"):
        raise fail("导出格式应为 jsonl 或 csv")
    ctx = open_context()
    digest = hashlib.sha256()
    count = 0
    with ctx.transaction() as session:
        at = export.cut(session)

        def counted():  # type: ignore[no-untyped-def]
            nonlocal count
            for row in export.rows(session, at):
                count += 1
                yield row

        with out.open("wb") as fh:
            for chunk in export.encode(counted(), fmt):
                digest.update(chunk)
                fh.write(chunk)
    manifest = out.with_name(out.name + ".manifest.json")
    manifest.write_text(
        json.dumps(at.manifest(count, digest.hexdigest(), fmt), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    head = at.ledger_head
    where = f"账本树头 {head['tree_size']}:{head['root_hash'][:16]}…" if head else "账本尚无签名树头"
    console.print(
        f"已导出 {count} 条公开信用记录到 {out}（截至记录 {at.max_record_id}，{where}）；说明文件 {manifest}"
    )
