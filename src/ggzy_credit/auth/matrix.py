"""The access matrix (``docs/access.md``), generated from the routes' declared policies.

    .venv/bin/python -m ggzy_credit.auth.matrix --write docs/access.md

``tests/access/test_matrix_doc.py`` fails when the file differs from what this renders, so the
document cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from ggzy_credit.auth.policy import FRAMEWORK_PUBLIC, SAFE_METHODS, api_routes, policy_of
from ggzy_credit.auth.roles import ROLE_LABELS, Role

HEADER = """# Access matrix

Generated from the route policies by `python -m ggzy_credit.auth.matrix --write docs/access.md`;
`tests/access/test_matrix_doc.py` fails when this file is out of date. Rules behind it:
`docs/fragments/access.md`.

Legend: ✓ the role may call the route; **own** only for the subjects the account acts for (a
`subject_id` in the path, or the subject of the `record_id` / evidence `sha256` in the path); – refused
(401 without credentials, 403 with them); **public** no login. *Audit*: **read** — every call is
written to the audit trail and regulators must state a purpose (`X-Purpose` header or `purpose`
query parameter; 422 without); **write** — every call is audited; a refused call (403) is audited
as *denied*. *Rate*: per-IP limit bucket (`login` 10/min, `search` 30/min, `public` 300/min by
default; see `GGZY_RATE_*`).

Besides the roles, every authenticated route also enforces: token scopes (`read`, `write`,
`<resource>:read|write|*`), the platform scope of regulators and other scoped accounts (a `platform`
parameter or the platform of the record named in the path must be within it), and that a market-entity
account sees an unpublished record only of its own subjects. Portal sessions need the
`X-CSRF-Token` header on unsafe methods.

"""


def _row(method: str, path: str, route: Any) -> str:
    policy = policy_of(route)
    summary = (getattr(route, "summary", None) or "").replace("|", "\\|")
    if path in FRAMEWORK_PUBLIC and policy is None:
        cells = ["public"] * len(Role)
        audit, rate, summary = "–", "–", summary or "API 文档"
    elif policy is None:
        cells = ["**NO POLICY**"] * len(Role)
        audit, rate = "?", "?"
    elif policy.public:
        cells = ["public"] * len(Role)
        audit = "write" if method not in SAFE_METHODS and policy.audit else "–"
        rate = policy.rate or "–"
    else:
        cells = [policy.cell(role) for role in Role]
        audit = "write" if method not in SAFE_METHODS else ("read" if policy.nonpublic else "–")
        rate = policy.rate or "–"
    return f"| {method} | `{path}` | {summary} | " + " | ".join(cells) + f" | {audit} | {rate} |"


def render(app: Any) -> str:
    head = "| method | path | summary | " + " | ".join(r.value for r in Role) + " | audit | rate |"
    rule = "|" + "---|" * (5 + len(Role))
    rows = sorted(api_routes(app), key=lambda r: (r[1], r[0]))
    lines = [HEADER.rstrip("\n"), "", head, rule, *(_row(m, p, r) for m, p, r in rows), ""]
    roles = ", ".join(f"`{r.value}` {ROLE_LABELS[r]}" for r in Role)
    lines += [f"Roles: {roles}.", ""]
    return "\n".join(lines)


def build_app() -> Any:
    """The application with throw-away keys and an unused in-memory database (routes only)."""
    from ggzy_credit.config import Settings
    from ggzy_credit.pii.keys import pii_cipher
    from ggzy_credit.web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="ggzy-matrix-"))
    settings = Settings(var_dir=tmp, database_url="sqlite://")
    assert settings.secrets_dir is not None
    pii_cipher(settings.secrets_dir, create=True)
    return create_app(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the access matrix from the route policies.")
    parser.add_argument("--write", type=Path, help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    text = render(build_app())
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
