"""Portable SQL pieces the rules share: day numbers, text normalisation, live records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ggzy_credit.records.events import REMOVING, RecordEvent


class day_number(FunctionElement[int]):
    """A date as an integer day count, so windows are integer arithmetic on every database."""

    type = Integer()
    inherit_cache = True
    name = "day_number"


@compiles(day_number, "postgresql")
def _day_pg(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '1970-01-01')"


@compiles(day_number, "sqlite")
def _day_sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


# Characters that do not distinguish two names or addresses: spaces, common punctuation, full-width
# forms. Kept short on purpose: SQLite's parser refuses REPLACE nested much deeper than 30 levels.
_DROP = " \u3000,，.。-－—#()（）·"
_FULL_DIGITS = {chr(0xFF10 + d): str(d) for d in range(10)}


def normalised(column: Any) -> ColumnElement[str]:
    """``lower(column)`` without spaces and punctuation, full-width digits folded (both databases)."""
    expr: Any = func.lower(column)
    for ch in _DROP:
        expr = func.replace(expr, ch, "")
    for full, ascii_digit in _FULL_DIGITS.items():
        expr = func.replace(expr, full, ascii_digit)
    return expr  # type: ignore[no-any-return]


def removed_records() -> Select:  # type: ignore[type-arg]
    """Revoked or corrected records: they no longer stand and no rule counts them."""
    return select(RecordEvent.record_id).where(RecordEvent.kind.in_(REMOVING))
