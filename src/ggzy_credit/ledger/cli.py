"""``ggzy-credit ledger``: verify the log against the live tables, sign heads, export them for pinning."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from ggzy_credit.cli.context import Context, console, domain_errors, err_console, fail, open_context
from ggzy_credit.ledger import service
from ggzy_credit.ledger.keys import key_id, public_pem, signing_key
from ggzy_credit.ledger.tree_head import TreeHead, load_public_key
from ggzy_credit.ledger.verify import verify as run_verify

app = typer.Typer(help="防篡改账本：校验、签名、导出树头", no_args_is_help=True)
SHOWN = 50


@app.command("verify")
@domain_errors
def verify_command(
    pinned: Annotated[
        Path | None, typer.Option("--pinned", help="第三方此前保存的树头 JSON（GET /api/v1/ledger/head）")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="用于校验的公钥 PEM，缺省为本平台的签名密钥")
    ] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", min=1, help="并行进程数，缺省按规模自动选择")] = None,
) -> None:
    """Recompute every leaf from the live tables, rebuild the tree, check every signed head."""
    ctx = open_context()
    assert ctx.settings.secrets_dir is not None
    key = (
        load_public_key(public_key.read_bytes())
        if public_key
        else signing_key(ctx.settings.secrets_dir).public_key()
    )
    heads = _read_pinned(pinned) if pinned else []
    url = ctx.engine.url.render_as_string(hide_password=False)
    with ctx.transaction() as session:
        report = run_verify(session, key, pinned=heads, jobs=jobs, url=url)
    rate = report.tree_size / report.seconds if report.seconds else 0.0
    summary = (
        f"账本 {report.tree_size} 条，核对在库数据 {report.rows_checked} 行、"
        f"签名树头 {report.heads_checked} 个，"
        f"用时 {report.seconds:.1f} 秒（{rate:,.0f} 条/秒）"
    )
    if report.ok:
        latest = report.latest_head
        console.print(f"[green]校验通过[/green]：{summary}")
        if latest is not None and latest.tree_size < report.tree_size:
            console.print(
                f"另有 {report.tree_size - latest.tree_size} 条尚未被签名树头覆盖（ggzy-credit ledger sign）"
            )
        if heads:
            console.print(
                f"与外部保存的 {len(heads)} 个树头一致（最大规模 {max(h.tree_size for h in heads)}）"
            )
        return
    for problem in report.problems[:SHOWN]:
        err_console.print(f"[red]✗[/red] {problem.message}")
    if len(report.problems) > SHOWN:
        err_console.print(f"……另有 {len(report.problems) - SHOWN} 处问题")
    raise fail(f"校验未通过：发现 {len(report.problems)} 处问题。{summary}", 1)


def _read_pinned(path: Path) -> list[TreeHead]:
    """One saved head (``GET /api/v1/ledger/head``) or a whole ``export-heads`` feed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["heads"] if isinstance(data, dict) and "heads" in data else [data]
        keys = ("tree_size", "root_hash", "timestamp", "signature")
        return [TreeHead.from_json({k: item[k] for k in keys}) for item in items]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise fail(f"无法读取树头文件 {path}：{exc}", 2) from None


@app.command("sign")
@domain_errors
def sign_command() -> None:
    """Sign the current tree (run daily from cron or the scheduler: 'at least daily')."""
    ctx = open_context()
    assert ctx.settings.secrets_dir is not None
    key = signing_key(ctx.settings.secrets_dir)
    with ctx.transaction() as session:
        head = service.sign(session, key)
    console.print(f"已签名树头：规模 {head.tree_size}，根哈希 {head.root_hash.hex()}")


def sign_daily(ctx: Context) -> TreeHead | None:
    """Sign a head in its own transaction after a scheduled run (the daily evaluation).

    "At least daily": it signs even when the tree did not grow. A missing key is reported, not
    raised, so the run it follows still counts.
    """
    assert ctx.settings.secrets_dir is not None
    try:
        key = signing_key(ctx.settings.secrets_dir)
    except FileNotFoundError as exc:
        err_console.print(f"[yellow]未签名账本树头：[/yellow]{exc}")
        return None
    with ctx.transaction() as session:
        return service.sign(session, key)


@app.command("export-heads")
@domain_errors
def export_heads(
    out: Annotated[Path | None, typer.Option("--out", help="输出文件，缺省为标准输出")] = None,
) -> None:
    """Write every signed head and the public key as a JSON feed others can pin and compare."""
    ctx = open_context()
    assert ctx.settings.secrets_dir is not None
    key = signing_key(ctx.settings.secrets_dir)
    with ctx.transaction() as session:
        _total, heads = service.heads(session)
    feed: dict[str, Any] = {
        "log": "ggzy-credit",
        "algorithm": "Ed25519",
        "key_id": key_id(key),
        "public_key_pem": public_pem(key),
        "heads": [h.to_json() for h in heads],
    }
    text = json.dumps(feed, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print(text, end="")
        return
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    err_console.print(f"已导出 {len(heads)} 个签名树头到 {out}")
