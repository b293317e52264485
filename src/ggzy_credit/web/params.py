"""Bounded integer request values: what the database columns behind them can hold.

An unbounded ``int`` lets a request carry 10^30 into a query, where SQLite cannot bind it and
PostgreSQL refuses it for an INTEGER column (a 500 either way). These types refuse such values up
front with a 422 naming the field, and publish the bounds in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from fastapi import Query

MAX_INT32 = 2**31 - 1  # row ids are INTEGER columns
MAX_INT64 = 2**63 - 1  # ledger positions are BIGINT

# A row id (path, query, form or body): 1 … 2^31 − 1.
DbId = Annotated[int, Interval(ge=1, le=MAX_INT32)]
# A ledger position or tree size: 0 … 2^63 − 1.
Count = Annotated[int, Interval(ge=0, le=MAX_INT64)]
# The ``offset`` query parameter of paged lists.
Offset = Annotated[int, Query(ge=0, le=MAX_INT32, description="跳过的条数")]
