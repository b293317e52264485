"""``ggzy-credit evaluate``: the daily evaluation from the command line (cron, catch-up, re-runs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from ggzy_credit.cli.context import console, domain_errors, err_console, open_context
from ggzy_credit.ledger.cli import sign_daily
from ggzy_credit.scoring.evaluation import run_evaluation

MODES = {"full": "全量", "incremental": "增量"}


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="--as-of") from None


@domain_errors
def evaluate(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="评估日期 YYYY-MM-DD，缺省为当日（北京时间）")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="全量评估所有主体（缺省为增量：仅有变化或周期届满的主体）")
    ] = False,
) -> None:
    """Evaluate every subject's score per platform for a day and store the history (idempotent)."""
    day = _day(as_of)
    ctx = open_context()
    with err_console.status("正在评估……"), ctx.transaction() as session:
        run = run_evaluation(session, day, full=full, started_by="cli")
    console.print(
        f"评估完成：{run.as_of}（{MODES.get(run.mode, run.mode)}，历史覆盖至 {run.horizon}）"
        f"评估 {run.subjects_evaluated} 个主体、{run.pairs_evaluated} 个主体-平台，"
        f"{run.changes} 个有变化，写入 {run.rows_written} 行，用时 {run.seconds} 秒（运行编号 {run.id}）"
    )
    sign_daily(ctx)  # the daily run also signs the ledger's daily tree head
