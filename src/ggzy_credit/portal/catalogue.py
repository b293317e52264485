"""Maintaining the message catalogue: ``python -m ggzy_credit.portal.catalogue`` (offline, Babel only).

Extracts every marked message from the portal's Python modules (``_``, ``gettext``, ``N_``) and
templates (``_``), and merges them into ``locale/en/LC_MESSAGES/messages.po``: new messages are added
untranslated, messages no longer used are dropped, translations are kept. The test suite checks that
every message has an English translation.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from ggzy_credit import __version__

PACKAGE_DIR = Path(str(resources.files("ggzy_credit.portal")))
PO_FILE = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def extract() -> dict[str, list[str]]:
    """Message id → the places it is used (``file:line``)."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE_DIR), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {"trimmed": "true"}}
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def update() -> tuple[int, int]:
    """Merge extracted messages into the English catalogue; returns (added, removed)."""
    with PO_FILE.open("rb") as fh:
        current = read_po(fh, locale="en")
    messages = extract()
    fresh = Catalog(
        locale="en",
        project="ggzy-credit portal",
        version=__version__,
        copyright_holder="ggzy-credit",
        msgid_bugs_address="",
        last_translator="ggzy-credit",
        language_team="ggzy-credit",
        domain="messages",
        fuzzy=False,
    )
    for msgid, places in sorted(messages.items()):
        old = current.get(msgid)
        fresh.add(
            msgid,
            old.string if old is not None else "",
            locations=[(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1])) for p in places[:3]],
        )
    added = sum(1 for m in messages if current.get(m) is None)
    removed = sum(1 for m in current if m.id and m.id not in messages)
    with PO_FILE.open("wb") as fh:
        write_po(
            fh,
            fresh,
            width=100,
            sort_output=True,
            include_previous=False,
            include_lineno=False,
            omit_header=False,
        )
    return added, removed


def untranslated() -> list[str]:
    with PO_FILE.open("rb") as fh:
        catalogue = read_po(fh, locale="en")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    return sorted(m for m in extract() if m not in translated)


if __name__ == "__main__":
    PO_FILE.parent.mkdir(parents=True, exist_ok=True)
    if not PO_FILE.exists():
        with PO_FILE.open("wb") as fh:
            write_po(fh, Catalog(locale="en"))
    added, removed = update()
    missing = untranslated()
    print(f"{PO_FILE}: {added} added, {removed} removed, {len(missing)} untranslated")
    for msgid in missing:
        print("  ", msgid)
    sys.exit(1 if missing else 0)
