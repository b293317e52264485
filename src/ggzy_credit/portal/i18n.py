"""Portal languages: Chinese first (zh-CN), English on request, from Babel message catalogues.

Message ids are the Chinese text itself, so zh-CN needs no catalogue and a missing English entry
falls back to Chinese rather than to an opaque key. ``locale/en/LC_MESSAGES/messages.po`` is read
with Babel's ``pofile`` reader when first needed — no compile step, nothing fetched at run time.

The language comes from ``?lang=`` (remembered in a cookie), then the cookie, then zh-CN. The
browser's Accept-Language is deliberately ignored: the platform is Chinese first and a visitor
switches explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

DEFAULT = "zh-CN"
LANGUAGES = {"zh-CN": "中文", "en": "English"}
COOKIE = "ggzy_lang"
_ALIASES = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh_cn": "zh-CN", "zh-hans": "zh-CN", "en": "en", "en-us": "en"}
_CATALOGUE_DIRS = {"en": "en"}


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined; translate it where it is shown."""
    return message


def normalise(value: str | None) -> str | None:
    """A supported language tag for ``value`` (``zh``, ``zh_CN``, ``EN`` …), or None."""
    if not value:
        return None
    return _ALIASES.get(value.strip().lower())


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → msgstr of the language's catalogue; fuzzy and untranslated entries are left out."""
    folder = _CATALOGUE_DIRS.get(lang)
    if folder is None:
        return {}
    path = resources.files("ggzy_credit.portal") / "locale" / folder / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        parsed = read_po(fh, locale=folder)
    return {
        str(m.id): str(m.string)
        for m in parsed
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@dataclass(frozen=True)
class Translator:
    lang: str

    def gettext(self, message: str, **values: Any) -> str:
        """The message in this language; ``%(name)s`` placeholders filled from ``values``."""
        text = catalogue(self.lang).get(message, message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        chosen = singular if n == 1 or self.lang != "en" else plural
        return self.gettext(chosen, n=n, **values)

    @property
    def html_lang(self) -> str:
        return self.lang


def translator(lang: str | None) -> Translator:
    return Translator(normalise(lang) or DEFAULT)
