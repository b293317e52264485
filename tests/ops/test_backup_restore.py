"""``ggzy-credit backup`` / ``restore``: consistent dumps with a checked manifest, refusals that touch
nothing, a restore that migrates to head and proves the ledger equals the backed-up signed head."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from ggzy_credit.cli.main import app
from ggzy_credit.db.migrate import alembic_config
from ggzy_credit.ledger.keys import SIGNING_KEY, key_id, signing_key
from ggzy_credit.ledger.tree_head import TreeHead, verify_head
from ggzy_credit.ops.keys import KEY_FILES
from ggzy_credit.ops.manifest import MANIFEST, Manifest, key_fingerprint, sha256_file
from ggzy_credit.pii.keys import PII_KEY

runner = CliRunner()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def cli(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def state_after(db, state):  # type: ignore[no-untyped-def]
    db.engine.dispose()  # pooled connections may still see the replaced SQLite file
    return state(db)


def manifest_of(directory: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))


def rewrite_manifest(directory: Path, **changes: object) -> None:
    data = manifest_of(directory) | changes
    (directory / MANIFEST).write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def backed_up(cli_env, post_records, tmp_path):  # type: ignore[no-untyped-def]
    """A database with 40 records, signed, and its backup in ``tmp_path / "bk"``."""
    post_records("before", 40)
    assert cli("ledger", "sign").exit_code == 0
    out = tmp_path / "bk"
    result = cli("backup", str(out))
    assert result.exit_code == 0, result.output
    assert "备份完成" in result.output and "密钥未放入备份" in result.output
    return out


def test_manifest_describes_the_snapshot_and_holds_no_keys(backed_up, cli_env, state):  # type: ignore[no-untyped-def]
    data = manifest_of(backed_up)
    manifest = Manifest.from_json(data)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert data["format"] == "ggzy-credit-backup" and data["format_version"] == 1
    assert manifest.backend == cli_env.backend and manifest.alembic_revision == head
    assert manifest.row_counts["credit_records"] == 40 == state(cli_env)["records"]
    assert manifest.ledger_tree_size == state(cli_env)["ledger"]
    for entry in manifest.files:
        path = backed_up / entry.path
        assert path.stat().st_size == entry.size and sha256_file(path) == entry.sha256
    key = signing_key(cli_env.settings.secrets_dir)
    assert manifest.signing_key_id == key_id(key)
    signed = TreeHead.from_json(manifest.ledger_head)  # type: ignore[arg-type]
    assert verify_head(key.public_key(), signed) and signed.tree_size == manifest.ledger_tree_size
    secrets = cli_env.settings.secrets_dir
    assert manifest.key_fingerprints == {n: key_fingerprint((secrets / n).read_bytes()) for n in KEY_FILES}
    assert not manifest.secrets_included and not (backed_up / "secrets").exists()
    everything = b"".join(p.read_bytes() for p in backed_up.rglob("*") if p.is_file())
    for name in KEY_FILES:  # no key's bytes anywhere in the backup
        assert (secrets / name).read_bytes() not in everything
    if cli_env.backend == "postgresql":
        assert manifest.schema and manifest.database_file == "database.pgdump"


def test_restore_puts_the_backup_back_and_verifies_the_ledger(backed_up, cli_env, post_records, state):  # type: ignore[no-untyped-def]
    at_backup = state(cli_env)
    post_records("after", 25)  # written after the backup: a restore takes the database back
    assert state(cli_env)["records"] == 65
    refused = cli("restore", str(backed_up))
    assert refused.exit_code == 2 and "--force" in refused.output
    assert state(cli_env)["records"] == 65  # refused: nothing touched
    cli_env.engine.dispose()
    restored = cli("restore", str(backed_up), "--force")
    assert restored.exit_code == 0, restored.output
    assert "恢复完成，账本校验通过" in restored.output and "根哈希与清单一致" in restored.output
    assert state_after(cli_env, state) == at_backup
    verified = cli("ledger", "verify")
    assert verified.exit_code == 0 and "校验通过" in verified.output, verified.output
    post_records("later", 5)  # the restored database takes new writes
    assert state(cli_env)["records"] == 45


def test_check_only_verifies_without_restoring(backed_up, cli_env, post_records, state):  # type: ignore[no-untyped-def]
    post_records("after", 5)
    checked = cli("restore", str(backed_up), "--check")
    assert checked.exit_code == 0 and "备份校验通过" in checked.output, checked.output
    assert state(cli_env)["records"] == 45


def _refused(cli_env, state, backed_up, fragment: str, *extra: str) -> None:  # type: ignore[no-untyped-def]
    before = state(cli_env)
    result = cli("restore", str(backed_up), "--force", *extra)
    assert result.exit_code == 2, result.output
    assert fragment in result.output.replace("\n", ""), result.output
    assert state_after(cli_env, state) == before


def test_a_corrupted_dump_is_refused(backed_up, cli_env, post_records, state):  # type: ignore[no-untyped-def]
    post_records("after", 5)
    dump = backed_up / manifest_of(backed_up)["database_file"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    _refused(cli_env, state, backed_up, "校验值（SHA-256）不符")


def test_a_truncated_or_incomplete_backup_is_refused(backed_up, cli_env, state):  # type: ignore[no-untyped-def]
    dump = backed_up / manifest_of(backed_up)["database_file"]
    dump.write_bytes(dump.read_bytes()[:100])
    _refused(cli_env, state, backed_up, "大小不符")
    (backed_up / MANIFEST).unlink()
    _refused(cli_env, state, backed_up, "备份不完整")


def test_a_backup_from_a_newer_schema_or_format_is_refused(backed_up, cli_env, state):  # type: ignore[no-untyped-def]
    rewrite_manifest(backed_up, alembic_revision="9999")
    _refused(cli_env, state, backed_up, "备份来自更新的数据库结构")
    rewrite_manifest(backed_up, format_version=2)
    _refused(cli_env, state, backed_up, "备份格式版本 2")


MALFORMED = [
    ({"files": [{"path": "../escape", "size": 1, "sha256": "0" * 64}]}, "路径不安全"),
    ({"files": [{"path": "x", "size": -1, "sha256": "zz"}]}, "大小或校验值无效"),
    ({"files": [{"path": "x"}]}, "清单格式错误"),
    ({"files": []}, "未列出数据库转储文件"),
    ({"backend": "oracle"}, "未知的数据库类型"),
    ({"format": "other"}, "format 应为"),
    ({"format_version": "1"}, "缺少 format_version"),
    ({"row_counts": {"subjects": "many"}}, "row_counts 应为整数"),
    ({"unknown_member": 1}, "清单格式错误"),
    ({"row_counts": []}, "row_counts 应为整数"),
    ({"key_fingerprints": "x"}, "key_fingerprints 应为对象"),
    ({"ledger_head": {"tree_size": 1}}, "ledger_head"),
    ({"public_key_pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}, "public_key_pem"),
    ({"signing_key_id": "0000000000000000"}, "公钥与其指纹不符"),
]


def test_a_malformed_manifest_is_refused(backed_up, cli_env, state):  # type: ignore[no-untyped-def]
    original = (backed_up / MANIFEST).read_text(encoding="utf-8")
    for changes, fragment in MALFORMED:
        rewrite_manifest(backed_up, **changes)
        _refused(cli_env, state, backed_up, fragment)
        (backed_up / MANIFEST).write_text(original, encoding="utf-8")
    (backed_up / MANIFEST).write_text("{not json", encoding="utf-8")
    _refused(cli_env, state, backed_up, "无法读取备份清单")


def test_restore_refuses_data_the_target_keys_cannot_read(backed_up, cli_env, state):  # type: ignore[no-untyped-def]
    secrets = cli_env.settings.secrets_dir
    original = (secrets / PII_KEY).read_bytes()
    (secrets / PII_KEY).write_bytes(b"\x01" * 32)
    _refused(cli_env, state, backed_up, "与备份时使用的密钥不同")
    (secrets / PII_KEY).unlink()
    _refused(cli_env, state, backed_up, "缺少密钥文件")
    (secrets / PII_KEY).write_bytes(original)


def test_backup_refuses_a_used_directory(cli_env, tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.txt").write_text("x")
    result = cli("backup", str(tmp_path / "used"))
    assert result.exit_code == 2 and "已存在且不为空" in result.output


def test_secrets_and_evidence_travel_when_asked(cli_env, client, auth, post_records, state, tmp_path):  # type: ignore[no-untyped-def]
    record_id = post_records("ev", 2)["results"][0]["id"]
    up = client.post(
        f"/api/v1/records/{record_id}/evidence", files={"file": ("证明.pdf", PDF)}, headers=auth("recorder")
    )
    assert up.status_code == 201, up.text
    out = tmp_path / "full"
    assert cli("backup", str(out), "--include-secrets").exit_code == 0
    digest = hashlib.sha256(PDF).hexdigest()
    assert (out / "evidence" / digest[:2] / digest[2:4] / digest).read_bytes() == PDF
    assert {p.name for p in (out / "secrets").iterdir()} == set(KEY_FILES)
    # A new machine: empty var dir (no keys, no evidence), same database URL.
    secrets, evidence = cli_env.settings.secrets_dir, cli_env.settings.evidence_dir
    pem = (secrets / SIGNING_KEY).read_bytes()
    for path in [*secrets.iterdir(), *evidence.rglob("*")]:
        if path.is_file():
            path.unlink()
    before = state(cli_env)
    cli_env.engine.dispose()
    restored = cli("restore", str(out), "--force")
    assert restored.exit_code == 0, restored.output
    assert (secrets / SIGNING_KEY).read_bytes() == pem
    assert (evidence / digest[:2] / digest[2:4] / digest).read_bytes() == PDF
    assert state_after(cli_env, state) == before
    assert cli("ledger", "verify").exit_code == 0


def test_a_rehashed_but_tampered_sqlite_backup_fails_the_ledger_and_replaces_nothing(  # type: ignore[no-untyped-def]
    backed_up, cli_env, post_records, state
):
    if cli_env.backend != "sqlite":
        pytest.skip("edits the SQLite dump in place")
    post_records("after", 5)
    dump = backed_up / "database.sqlite3"
    conn = sqlite3.connect(dump)
    conn.execute("UPDATE credit_records SET points = points + 7 WHERE id = 1")
    conn.commit()
    conn.close()
    data = manifest_of(backed_up)
    data["files"][0] |= {"size": dump.stat().st_size, "sha256": sha256_file(dump)}
    (backed_up / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    _refused(cli_env, state, backed_up, "未通过账本校验，目标数据库未被替换")
