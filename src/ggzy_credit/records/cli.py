"""``ggzy-credit records import``: bulk JSON Lines / CSV import, all-or-nothing unless --skip-invalid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ggzy_credit.cli.context import console, err_console, fail, open_context
from ggzy_credit.errors import Conflict, InvalidInput
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.keys import signing_key
from ggzy_credit.records.files import FileProblem, Row, detect_format, read_rows, write_rejects
from ggzy_credit.records.ingest import ingest

app = typer.Typer(help="信用记录导入", no_args_is_help=True)
CHUNK = 1000


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help=".jsonl 或 .csv 文件")],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="跳过错误行，导入其余行，错误行另存")
    ] = False,
    recorded_by: Annotated[str, typer.Option(help="记录人")] = "cli:import",
) -> None:
    """Validate every row, then import; any bad row stops the whole import unless --skip-invalid."""
    if not file.is_file():
        raise fail(f"文件不存在：{file}")
    try:
        detect_format(file)
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        rows = list(read_rows(file))
    except FileProblem as exc:
        raise fail(f"{exc}；未导入任何记录", 2) from None
    ctx = open_context()
    cipher = ctx.cipher
    created = existing = 0
    with ctx.sessions() as session, _progress() as progress:
        task = progress.add_task("校验并导入", total=len(rows))
        for start in range(0, len(rows), CHUNK):
            chunk = [r for r in rows[start : start + CHUNK] if not r.errors]
            while chunk:
                try:  # ingest checks everything before it writes, so a raise leaves nothing behind
                    outcomes = ingest(session, cipher, [r.record for r in chunk], recorded_by)  # type: ignore[misc]
                except (InvalidInput, Conflict) as exc:
                    _mark(chunk, exc)
                    chunk = [r for r in chunk if not r.errors]
                    continue
                created += sum(o.created for o in outcomes)
                existing += sum(not o.created for o in outcomes)
                break
            progress.advance(task, min(CHUNK, len(rows) - start))
        bad = [r for r in rows if r.errors]
        if bad and not skip_invalid:
            session.rollback()
            for r in bad[:200]:
                for field, msg in r.errors or []:
                    err_console.print(f"[red]第 {r.line} 行[/red] {field}: {msg}")
            if len(bad) > 200:
                err_console.print(f"……另有 {len(bad) - 200} 行错误")
            raise fail(f"{len(bad)} 行有错误，未导入任何记录（可用 --skip-invalid 跳过错误行）", 2)
        ledger.sign_if_grown(session, signing_key(ctx.settings.secrets_dir))  # type: ignore[arg-type]
        session.commit()
    console.print(f"导入完成：新增 {created} 条，已存在 {existing} 条，跳过错误行 {len(bad)} 条")
    if bad:
        console.print(f"错误行已写入 {write_rejects(file, bad)}")


def _mark(chunk: list[Row], exc: InvalidInput | Conflict) -> None:
    problems = exc.problems if isinstance(exc, InvalidInput) else exc.extra.get("problems", [])
    for p in problems:
        loc = p.loc if hasattr(p, "loc") else tuple(p["loc"])
        msg = p.msg if hasattr(p, "msg") else p["msg"]
        index, field = loc[-2], loc[-1]
        row = chunk[int(index)]
        row.errors = [*(row.errors or []), (str(field), msg)]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
