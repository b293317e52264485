"""Running PostgreSQL's ``pg_dump`` / ``pg_restore`` (found on PATH) against the app's database URL.

The SQLAlchemy URL becomes a libpq URI (driver suffix dropped; query options such as ``sslmode`` and
``options=-csearch_path=…`` kept); the password travels in ``PGPASSWORD``, never on a command line.
Only the schema the app works in (``current_schema()``, i.e. the URL's search_path) is dumped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from ggzy_credit.ops.manifest import BackupError

TIMEOUT_SECONDS = 6 * 3600
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具（与服务器同一主版本或更新）")
    return path


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """``(uri, env)`` for the libpq tools: the URI without the password, which goes in the env."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def schema_of(engine: Engine) -> str:
    """The schema the app's tables live in: ``current_schema()``, else the URL's search_path."""
    with engine.connect() as conn:
        current = conn.scalar(text("SELECT current_schema()"))
    if current:
        return str(current)
    options = engine.url.query.get("options")
    values = options if isinstance(options, tuple) else (options,) if options else ()
    for value in values:
        if match := _SEARCH_PATH.search(unquote(value)):
            return match.group(1).strip('"')
    return "public"


def run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what}超时") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what}失败（退出码 {done.returncode}）：" + " / ".join(detail))


def dump(url: URL, schema: str, snapshot: str, out: Path) -> None:
    """Custom-format dump of ``schema`` as of an exported ``snapshot`` (consistent with the manifest)."""
    uri, env = libpq(url)
    args = [tool("pg_dump"), "--format=custom", f"--schema={schema}", f"--snapshot={snapshot}"]
    run([*args, f"--file={out}", f"--dbname={uri}"], env, "pg_dump 备份")


def restore(url: URL, dump_file: Path) -> None:
    """Replace the dumped schema's objects in one transaction: all of the dump, or nothing at all.

    ``--clean --if-exists`` drops what the dump creates (the schema itself included) before
    recreating it; ``--no-owner --no-privileges`` makes the restoring role own everything, so a dump
    taken by another role restores without that role existing here.
    """
    uri, env = libpq(url)
    args = [tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error"]
    run([*args, "--no-owner", "--no-privileges", f"--dbname={uri}", str(dump_file)], env, "pg_restore 恢复")
