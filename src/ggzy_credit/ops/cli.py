"""``ggzy-credit backup DIR`` and ``ggzy-credit restore DIR`` (see docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ggzy_credit.cli.context import console, domain_errors, fail, open_context
from ggzy_credit.config import Settings
from ggzy_credit.ops.backup import backup
from ggzy_credit.ops.manifest import Manifest
from ggzy_credit.ops.restore import RestoreResult, check_backup, restore
from ggzy_credit.ops.snapshot import KEY_TABLES


@domain_errors
def backup_command(
    directory: Annotated[Path, typer.Argument(help="备份目录（须不存在或为空）")],
    include_secrets: Annotated[
        bool,
        typer.Option(
            "--include-secrets", help="把密钥文件也放入备份（缺省不放，只记录指纹；须另行妥善保管）"
        ),
    ] = False,
) -> None:
    """Back up the database (consistent snapshot, server may keep running) and evidence files."""
    ctx = open_context()
    with console.status("正在备份……"):
        result = backup(ctx.settings, ctx.engine, directory, include_secrets=include_secrets)
    ctx.engine.dispose()
    table = _manifest_table(result.manifest, "备份完成")
    table.add_row("证据文件", f"{result.evidence_files} 个")
    table.add_row("写入", f"{result.bytes_written / 1_048_576:,.1f} MiB → {directory}")
    console.print(table)
    if not include_secrets:
        console.print(
            f"[yellow]密钥未放入备份[/yellow]：请另行保管 {ctx.settings.secrets_dir} 中的密钥文件，"
            "恢复时需要它们"
        )


@domain_errors
def restore_command(
    directory: Annotated[Path, typer.Argument(help="备份目录（ggzy-credit backup 生成）")],
    force: Annotated[bool, typer.Option("--force", help="目标数据库不为空时仍用备份覆盖")] = False,
    check_only: Annotated[
        bool, typer.Option("--check", help="只校验备份（清单、校验值、结构版本、密钥），不恢复")
    ] = False,
) -> None:
    """Verify a backup, restore it, migrate to head and verify the ledger against the manifest."""
    settings = Settings()
    if check_only:
        manifest = check_backup(directory, settings)
        console.print(_manifest_table(manifest, "备份校验通过"))
        return
    with console.status("正在校验并恢复……"):
        result = restore(settings, directory, force=force)
    console.print(_restore_table(result))
    if not result.ok:
        for problem in result.ledger.problems[:20]:
            console.print(f"[red]✗[/red] {problem}")
        raise fail("恢复后账本校验未通过：数据已恢复，但与备份时的签名树头不一致，请勿投入使用", 1)
    console.print("[green]恢复完成，账本校验通过[/green]")


def _manifest_table(manifest: Manifest, title: str) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("备份时间", manifest.created_at)
    where = manifest.backend + (f"（模式 {manifest.schema}）" if manifest.schema else "")
    table.add_row("数据库", where)
    table.add_row("结构版本", str(manifest.alembic_revision))
    table.add_row("文件", f"{len(manifest.files)} 个（均附 SHA-256）")
    for name in KEY_TABLES:
        if name in manifest.row_counts:
            table.add_row(name, f"{manifest.row_counts[name]:,} 行")
    head = manifest.ledger_head
    if head:
        table.add_row("账本树头", f"规模 {head['tree_size']}，根哈希 {head['root_hash'][:16]}…")
    table.add_row("签名公钥指纹", str(manifest.signing_key_id))
    table.add_row("密钥", "已放入备份" if manifest.secrets_included else "未放入备份（仅记录指纹）")
    return table


def _restore_table(result: RestoreResult) -> Table:
    table = _manifest_table(result.manifest, "恢复结果")
    table.add_row("目标", result.target)
    table.add_row("迁移后结构版本", str(result.revision))
    ledger = result.ledger
    table.add_row(
        "账本校验",
        ("[green]通过[/green]" if ledger.ok else "[red]未通过[/red]")
        + f"：{ledger.tree_size} 条，核对 {ledger.rows_checked} 行，树头 {ledger.heads_checked} 个",
    )
    if ledger.root_matches is not None:
        table.add_row("根哈希与清单一致", "是" if ledger.root_matches else "[red]否[/red]")
    table.add_row("补回证据文件", f"{result.evidence_restored} 个")
    if result.keys_installed:
        table.add_row("装入密钥", "、".join(result.keys_installed))
    if result.previous_kept:
        table.add_row("原数据库文件保留为", str(result.previous_kept))
    return table
