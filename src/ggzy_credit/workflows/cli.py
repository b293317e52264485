"""``ggzy-credit calendar load|list`` and ``ggzy-credit workflows escalate``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ggzy_credit import clock
from ggzy_credit.cli.context import console, domain_errors, fail, open_context
from ggzy_credit.workflows import calendar_store, objections

calendar_app = typer.Typer(help="工作日计算所用的节假日安排", no_args_is_help=True)
workflows_app = typer.Typer(help="异议、修复等流程的定时任务", no_args_is_help=True)


@calendar_app.command("load")
@domain_errors
def load(
    file: Annotated[
        Path, typer.Argument(help='JSON：{"year": 2027, "holidays": [...], "makeup_workdays": [...]}')
    ],
    loaded_by: Annotated[str, typer.Option(help="载入人")] = "cli:admin",
) -> None:
    """Load (or replace) one year's official holiday arrangement."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail(f"文件不存在：{file}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"JSON 格式错误：{exc}") from None
    if not isinstance(data, dict):
        raise fail("文件内容应为一个 JSON 对象（year、holidays、makeup_workdays）")
    ctx = open_context()
    with ctx.transaction() as session:
        row = calendar_store.load_year(session, data, loaded_by)
        holidays, makeup = len(row.arrangement["holidays"]), len(row.arrangement["makeup_workdays"])
    console.print(f"已载入 {row.year} 年节假日安排：法定节假日 {holidays} 天，调休上班日 {makeup} 天")


@calendar_app.command("list")
def list_years() -> None:
    ctx = open_context()
    table = Table("年份", "法定节假日", "调休上班日", "载入人", "载入时间")
    with ctx.transaction() as session:
        for row in calendar_store.loaded_years(session):
            table.add_row(
                str(row.year),
                str(len(row.arrangement["holidays"])),
                str(len(row.arrangement["makeup_workdays"])),
                row.loaded_by,
                f"{row.loaded_at:%Y-%m-%d %H:%M}",
            )
    console.print(table)


@workflows_app.command("escalate")
@domain_errors
def escalate(
    today: Annotated[str | None, typer.Option(help="以该日为当日（YYYY-MM-DD），缺省为今天")] = None,
) -> None:
    """Escalate every open objection past its due date (daily job)."""
    try:
        day = date.fromisoformat(today) if today else clock.today()
    except ValueError:
        raise fail(f"日期格式错误：{today}（应为 YYYY-MM-DD）", 2) from None
    ctx = open_context()
    with ctx.transaction() as session:
        ids = objections.escalate_overdue(session, day)
    console.print(f"已督办逾期异议 {len(ids)} 件" + (f"：{', '.join(map(str, ids))}" if ids else ""))
