"""Canonical JSON rendered by the database itself, so ``verify`` can compare millions of rows in SQL.

Python is the authority on a leaf's bytes (:mod:`ggzy_credit.ledger.encoding`); these expressions
only *pre-filter*: a row whose SQL rendering equals its leaf data is intact, every other row is
re-checked in Python before anything is reported. The keys are written in sorted order here.

* SQLite: ``json_object()`` (C, one call per row, minified, keys in argument order); it escapes
  strings exactly as RFC 8785 does (``"`` and ``\\``, ``\\b \\t \\n \\f \\r``, other controls as
  lower-case ``\\u00xx``, nothing else).
* PostgreSQL: concatenation (``||``). ``to_json()`` escapes exactly too but is the most expensive
  call in the row, so strings are escaped with ``replace()``: ``\\`` and ``"``, then ``\\n``,
  ``\\r`` and ``\\t`` (the control characters real texts carry). A string holding any other control
  character keeps it raw, so its rendering cannot equal a canonical leaf (canonical JSON never
  holds a raw control character) and the row is re-checked in Python: slower, never wrong. The
  other direction is what matters: a rendering *equal* to a canonical leaf has only the escapes
  above, each of which is exact, so the row's values are the leaf's values.

  Most rows need no escape at all, and the ``replace()`` calls are a fifth of the row's cost, so
  PostgreSQL first tries the *plain* rendering (``plain=True``: no ``replace()``), trusted only
  when :func:`strings` — every string value of the row, concatenated — holds neither ``"`` nor
  ``\\``. Then the escaped and the plain rendering are the same text, character for character
  (line breaks and tabs aside: the plain rendering keeps them raw, so it cannot equal a canonical
  leaf, and the escaped rendering decides). See :mod:`ggzy_credit.ledger.sql_compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Date, Integer, Interval, String, Text, and_, cast, func, literal
from sqlalchemy.sql import ColumnElement

# China's offset, fixed since 1991 (no daylight saving since): a fixed interval spares PostgreSQL a
# time-zone lookup per row. An instant from before then renders differently from Python's (which
# follows the zone's history), so such a row goes to the Python re-check: slower, never wrong.
# SQLite's "+8 hours" is the same fixed offset.
CHINA_OFFSET = timedelta(hours=8)
# ``\`` first: the backslashes the later replacements add must not be doubled again. Line breaks and
# tabs only in prose (``Text`` or ``String`` of 200+ characters); identifiers holding them are rare
# and take the Python re-check.
_PG_ESCAPES = (("\\", "\\\\"), ('"', '\\"'))
_PG_PROSE_ESCAPES = (*_PG_ESCAPES, ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_PROSE_LENGTH = 200
# A quoted instant in one to_char call (cf. ``sources._instant``): "2026-01-02T03:04:05.000006+08:00"
_PG_INSTANT = '\\"YYYY-MM-DD"T"HH24:MI:SS.US"+08:00"\\"'


Member = tuple[str, Any, str]  # (key, column, kind): kind is "text", "int" or "instant"


def text_value(column: Any, dialect: str) -> ColumnElement[str]:
    """A nullable text column as a JSON value (``"…"`` or ``null``)."""
    if dialect == "sqlite":
        return func.json_quote(column)
    return cat(*_pg_text_parts(column))


def _pg_text_parts(column: Any, plain: bool = False) -> list[Any]:
    """``text_value`` as parts for :func:`cat`: a ``NOT NULL`` column's quotes stay separate literals,
    so ``cat`` merges them into the neighbouring keys (two ``||`` calls fewer per column)."""
    escaped: Any = cast(column, Text)
    for raw, written in () if plain else _pg_escapes(getattr(column, "type", None)):
        escaped = func.replace(escaped, literal(raw, Text), literal(written, Text))
    if not _nullable(column):
        return ['"', escaped, '"']
    return [func.coalesce(cat('"', escaped, '"'), literal("null", Text))]


def _or_null(column: Any, value: ColumnElement[str]) -> ColumnElement[str]:
    """``coalesce(value, 'null')`` for a nullable column; a ``NOT NULL`` column's value as it is.

    A NULL where the table forbids one (a constraint dropped behind the application's back) then
    makes the whole rendering NULL, and :func:`data_equals` is tested with ``IS NOT TRUE``: the row
    comes back as a suspect and is settled in Python. One ``coalesce`` call per column saved.
    """
    return value if not _nullable(column) else func.coalesce(value, literal("null", Text))


def _nullable(column: Any) -> bool:
    expr = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    return getattr(expr, "nullable", True) is not False


def _pg_escapes(kind: object) -> tuple[tuple[str, str], ...]:
    if isinstance(kind, Date | Integer):  # printed as digits and dashes
        return ()
    if isinstance(kind, String) and not isinstance(kind, Text) and (kind.length or 0) < _PROSE_LENGTH:
        return _PG_ESCAPES
    return _PG_PROSE_ESCAPES


def int_value(column: Any, dialect: str) -> ColumnElement[str]:
    """An integer column as a JSON value."""
    return _or_null(column, cast(column, Text))


def shanghai_instant(column: Any, dialect: str) -> ColumnElement[str]:
    """A UTC timestamp as ``YYYY-MM-DDTHH:MM:SS.ffffff+08:00`` text (cf. ``sources._instant``)."""
    if dialect == "sqlite":  # AwareDateTime stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
        return cat(
            func.strftime("%Y-%m-%dT%H:%M:%S", column, "+8 hours"), func.substr(column, 20, 7), "+08:00"
        )
    return cat(func.to_char(_pg_china_time(column), 'YYYY-MM-DD"T"HH24:MI:SS.US'), "+08:00")


def _pg_instant_value(column: Any) -> ColumnElement[str]:
    """``shanghai_instant`` as a JSON value, quotes included, in one call (PostgreSQL)."""
    return _or_null(column, func.to_char(_pg_china_time(column), literal(_PG_INSTANT, Text)))


def _pg_china_time(column: Any) -> ColumnElement[Any]:
    """The wall-clock time at ``CHINA_OFFSET`` (``timestamptz AT TIME ZONE interval``)."""
    return func.timezone(literal(CHINA_OFFSET, Interval()), column)


def obj(members: Sequence[Member], dialect: str, *, plain: bool = False) -> ColumnElement[str]:
    """``{"k":v,…}`` from ``(key, column, kind)`` in sorted key order; kind is text, int or instant.

    ``plain`` (PostgreSQL): strings without escapes, exact only when :func:`strings` allows it.
    """
    keys = [k for k, _c, _t in members]
    if keys != sorted(keys, key=lambda k: k.encode("utf-16-be")):
        raise ValueError("members must be in canonical (sorted) key order")
    if dialect == "sqlite":
        args: list[Any] = []
        for key, column, kind in members:
            args += [literal(key), shanghai_instant(column, dialect) if kind == "instant" else column]
        return func.json_object(*args)
    parts: list[Any] = []
    for i, (key, column, kind) in enumerate(members):
        parts.append(("{" if i == 0 else ",") + f'"{key}":')
        if kind == "instant":
            parts.append(_pg_instant_value(column))
        elif kind == "text":
            parts += _pg_text_parts(column, plain)
        else:
            parts.append(int_value(column, dialect))
    return cat(*parts, "}")


def event(
    entity: str, entity_id: Any, kind: Any, payload: ColumnElement[str], dialect: str, *, plain: bool = False
) -> ColumnElement[str]:
    """The whole leaf data: ``{"entity":…,"entity_id":…,"kind":…,"payload":…}``."""
    head = f'{{"entity":"{entity}","entity_id":'
    value = _pg_text_parts(kind, plain) if dialect != "sqlite" else [text_value(kind, dialect)]
    return cat(head, cast(entity_id, Text), ',"kind":', *value, ',"payload":', payload, "}")


def strings(kind: Any, members: Sequence[Member]) -> ColumnElement[str]:
    """PostgreSQL: the row's string values run together (``NULL`` as empty), for the plain test.

    Only columns whose text could need an escape: dates and integers print as digits and dashes.
    """
    parts: list[Any] = [cast(kind, Text)]
    for _key, column, member_kind in members:
        if member_kind == "text" and _pg_escapes(getattr(column, "type", None)):
            text: Any = cast(column, Text)
            parts.append(func.coalesce(text, literal("", Text)) if _nullable(column) else text)
    return cat(*parts)


def plain_is_exact(strings_value: Any) -> ColumnElement[bool]:
    """No ``"`` and no ``\\`` in the row's strings: the plain rendering is the escaped one."""
    backslash, quote = literal("\\", Text), literal('"', Text)
    return and_(func.strpos(strings_value, backslash) == 0, func.strpos(strings_value, quote) == 0)


def cat(*parts: Any) -> ColumnElement[str]:
    """``a || b || …`` (adjacent string literals merged into one, bound as text; a balanced tree)."""
    merged: list[Any] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    return _balanced([literal(p, Text) if isinstance(p, str) else p for p in merged])


def _balanced(items: list[Any]) -> Any:
    """``||`` as a balanced tree: each byte is copied about log2(n) times, not n/2 (left-deep)."""
    if len(items) == 1:
        return items[0]
    middle = len(items) // 2
    return _balanced(items[:middle]).op("||")(_balanced(items[middle:]))


def data_equals(
    column: Any, rendered: ColumnElement[str], dialect: str, *, client_utf8: bool = False
) -> ColumnElement[bool]:
    """Stored leaf data equals the rendering (PostgreSQL compares bytes: no UTF-8 check of the data).

    NULL when the rendering is NULL: callers look for suspects with ``IS NOT TRUE``, never ``NOT``.
    ``client_utf8`` (PostgreSQL, when the session's client encoding is UTF-8): ``textsend()`` gives
    the text's bytes in the client encoding without ``convert_to()``'s validation pass.
    """
    if dialect == "sqlite":
        return cast(column, Text) == rendered
    return column == (func.textsend(rendered) if client_utf8 else func.convert_to(rendered, "UTF8"))
