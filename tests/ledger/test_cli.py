"""``ggzy-credit init`` makes the signing key; ``ledger sign``, ``export-heads``, ``verify --pinned``."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from ggzy_credit import clock
from ggzy_credit.cli.main import app
from ggzy_credit.ledger import service, store
from ggzy_credit.ledger.keys import SIGNING_KEY, key_id, signing_key
from ggzy_credit.ledger.models import LedgerHead, LedgerLeaf, LedgerNode, LedgerState
from ggzy_credit.ledger.tree_head import TreeHead, verify_head
from ggzy_credit.standards.models import Standard

runner = CliRunner()


def test_init_makes_a_private_signing_key_and_signs(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GGZY_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GGZY_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "var" / "secrets" / SIGNING_KEY
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and path.read_bytes().startswith(
        b"-----BEGIN PRIVATE KEY"
    )
    pem = path.read_bytes()
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert path.read_bytes() == pem  # never replaced
    verified = runner.invoke(app, ["ledger", "verify"])
    assert verified.exit_code == 0 and "校验通过" in verified.output, verified.output


def test_sign_export_and_pin(cli_env, tmp_path):  # type: ignore[no-untyped-def]
    assert runner.invoke(app, ["ledger", "sign"]).exit_code == 0
    assert runner.invoke(app, ["ledger", "sign"]).exit_code == 0  # at least daily, even if unchanged
    out = tmp_path / "heads.json"
    exported = runner.invoke(app, ["ledger", "export-heads", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    feed = json.loads(out.read_text(encoding="utf-8"))
    key = signing_key(cli_env.settings.secrets_dir)
    assert feed["key_id"] == key_id(key) and feed["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    heads = [TreeHead.from_json(h) for h in feed["heads"]]
    assert len(heads) == 2 and all(verify_head(key.public_key(), h) for h in heads)
    pinned = runner.invoke(app, ["ledger", "verify", "--pinned", str(out)])
    assert pinned.exit_code == 0 and "2 个树头一致" in pinned.output, pinned.output
    stdout = runner.invoke(app, ["ledger", "export-heads"])
    assert json.loads(stdout.output)["heads"] == feed["heads"]


def test_a_forged_pinned_head_fails(cli_env, tmp_path):  # type: ignore[no-untyped-def]
    runner.invoke(app, ["ledger", "sign"])
    with cli_env.session() as s:
        head = service.latest_head(s)
    assert head is not None
    forged = head.to_json() | {"tree_size": head.tree_size - 1}
    path = tmp_path / "head.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    result = runner.invoke(app, ["ledger", "verify", "--pinned", str(path)])
    assert result.exit_code == 1 and "签名无效" in result.output


def test_without_a_key_the_cli_says_to_run_init(cli_env):  # type: ignore[no-untyped-def]
    (cli_env.settings.secrets_dir / SIGNING_KEY).unlink()
    result = runner.invoke(app, ["ledger", "sign"])
    assert result.exit_code != 0 and "ggzy-credit init" in " ".join(result.output.split())


def test_backfill_logs_existing_rows_only_into_an_empty_log(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        for model in (LedgerLeaf, LedgerNode, LedgerHead):
            s.execute(delete(model))
        s.execute(update(LedgerState).values(tree_size=0))
    with db.session() as s:
        standards = s.scalar(select(func.count()).select_from(Standard))
        assert service.backfill_if_empty(s) == standards
        assert service.backfill_if_empty(s) == 0  # never again: that would bless rows added behind our back
        kinds = set(s.scalars(select(LedgerLeaf.kind)))
        assert kinds == {"standards.backfilled"} and store.size(s) == standards


def test_heads_are_renewed_at_least_daily(db):  # type: ignore[no-untyped-def]
    """Rule "after each batch and at least daily": an unchanged tree is signed again after 24 hours."""
    key = signing_key(db.settings.secrets_dir)
    start = datetime(2026, 5, 6, 9, 0, tzinfo=clock.CHINA)
    with clock.freeze(start), db.session() as s:
        assert service.sign_if_grown(s, key) is not None  # the tree grew (standards) since no head
        assert service.sign_if_grown(s, key) is None
    with clock.freeze(start + timedelta(hours=23)), db.session() as s:
        assert service.sign_if_grown(s, key) is None
    with clock.freeze(start + timedelta(hours=24, minutes=1)), db.session() as s:
        renewed = service.sign_if_grown(s, key)
        assert renewed is not None and renewed.timestamp_ms > service.heads(s)[1][0].timestamp_ms
