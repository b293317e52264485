"""Dialect-specific SQL for the set-based evaluation: the 12-month cycle end, least and greatest.

PostgreSQL's ``date + interval '12 months'`` clamps to the end of the month (2024-02-29 → 2025-02-28),
exactly like :func:`ggzy_credit.scoring.rule.add_months`. SQLite's ``date(d, '+12 months')`` does not
(2024-02-29 → 2025-03-01), so there the day of month is checked and, when it overflowed, the last day
of the target month is taken instead. The arguments are ISO date strings on SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ggzy_credit.scoring.rule import CYCLE_MONTHS


class cycle_end_of(FunctionElement[Any]):
    """``d`` + 12 calendar months, clamped to the end of the month (the restoration date)."""

    type = Date()
    inherit_cache = True
    name = "cycle_end_of"


class least(FunctionElement[Any]):
    """The smaller of non-NULL arguments (SQLite's scalar ``min``, PostgreSQL's ``LEAST``)."""

    inherit_cache = True
    name = "least"


class greatest(FunctionElement[Any]):
    inherit_cache = True
    name = "greatest"


@compiles(cycle_end_of, "postgresql")
def _cycle_end_pg(element: cycle_end_of, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) + INTERVAL '{CYCLE_MONTHS} months' AS DATE)"


@compiles(cycle_end_of, "sqlite")
def _cycle_end_sqlite(element: cycle_end_of, compiler: Any, **kw: Any) -> str:
    d = compiler.process(element.clauses, **kw)
    n = CYCLE_MONTHS
    return (
        f"(CASE WHEN strftime('%d', date({d}, '+{n} months')) = strftime('%d', {d}) "
        f"THEN date({d}, '+{n} months') "
        f"ELSE date({d}, 'start of month', '+{n + 1} months', '-1 day') END)"
    )


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(least)
def _least_default(element: least, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest_default(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"
