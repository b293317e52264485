"""Canonical JSON rendered by the database itself, so ``verify`` can compare millions of rows in SQL.

Python is the authority on a leaf's bytes (:mod:`ggzy_credit.ledger.encoding`); these expressions
only *pre-filter*: a row whose SQL rendering equals its leaf data is intact, every other row is
re-checked in Python before anything is reported. Both databases escape strings exactly as RFC 8785
does (``"`` and ``\\``, ``\\b \\t \\n \\f \\r``, other controls as lower-case ``\\u00xx``, nothing
else) — the tests hold them to that — and the keys are written in sorted order here.

* SQLite: ``json_object()`` (C, one call per row, minified, keys in argument order).
* PostgreSQL: ``json_build_object`` adds spaces, so members are concatenated from ``to_json()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, func, literal
from sqlalchemy.sql import ColumnElement

SHANGHAI = "Asia/Shanghai"


def text_value(column: Any, dialect: str) -> ColumnElement[str]:
    """A nullable text column as a JSON value (``"…"`` or ``null``)."""
    if dialect == "sqlite":
        return func.json_quote(column)
    return func.coalesce(cast(func.to_json(cast(column, Text)), Text), literal("null"))


def int_value(column: Any, dialect: str) -> ColumnElement[str]:
    """An integer column as a JSON value."""
    return func.coalesce(cast(column, Text), literal("null"))


def shanghai_instant(column: Any, dialect: str) -> ColumnElement[str]:
    """A UTC timestamp as ``YYYY-MM-DDTHH:MM:SS.ffffff+08:00`` text (cf. ``sources._instant``)."""
    if dialect == "sqlite":  # AwareDateTime stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
        return cat(
            func.strftime("%Y-%m-%dT%H:%M:%S", column, "+8 hours"), func.substr(column, 20, 7), "+08:00"
        )
    return cat(func.to_char(func.timezone(SHANGHAI, column), 'YYYY-MM-DD"T"HH24:MI:SS.US'), "+08:00")


def obj(members: Sequence[tuple[str, Any, str]], dialect: str) -> ColumnElement[str]:
    """``{"k":v,…}`` from ``(key, column, kind)`` in sorted key order; kind is text, int or instant."""
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
        render = {"text": text_value, "int": int_value}.get(kind)
        value = render(column, dialect) if render else text_value(shanghai_instant(column, dialect), dialect)
        parts += [("{" if i == 0 else ",") + f'"{key}":', value]
    return cat(*parts, "}")


def event(
    entity: str, entity_id: Any, kind: Any, payload: ColumnElement[str], dialect: str
) -> ColumnElement[str]:
    """The whole leaf data: ``{"entity":…,"entity_id":…,"kind":…,"payload":…}``."""
    head = f'{{"entity":"{entity}","entity_id":'
    return cat(
        head, cast(entity_id, Text), ',"kind":', text_value(kind, dialect), ',"payload":', payload, "}"
    )


def cat(*parts: Any) -> ColumnElement[str]:
    """``a || b || …`` (string literals bound as text)."""
    items = [literal(p, Text) if isinstance(p, str) else p for p in parts]
    out = items[0]
    for item in items[1:]:
        out = out.op("||")(item)
    return out  # type: ignore[no-any-return]


def data_text(column: Any, dialect: str) -> ColumnElement[str]:
    """Stored leaf data (bytes) as text for comparison."""
    if dialect == "sqlite":
        return cast(column, Text)
    return func.convert_from(column, "UTF8")
