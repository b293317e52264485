"""The Shanghai credit-scoring rule (上海办法第十二条, DESIGN §2 "Scoring") as pure functions.

第十二条 (simplified-character reading of shared/policy/shanghai-2023-credit-scoring-measures.txt):

    市场信用记分满分100分，采取扣分制。评估周期自首次扣分之日起算，为12个月。评估周期内没有新增扣分的，
    周期届满时扣分即自动修复，信用记分恢复满分100分。评估周期内有新增扣分的，评估周期自最后一次扣分
    之日起重新计算12个月。

A *cycle* is the half-open interval ``[start, end)``: ``start`` is the date of its first deduction and
``end`` is the date of its last deduction + 12 calendar months. On ``end`` itself the points are
repaired and the score is 100 again. The interpretation choices are written up in
``docs/fragments/scoring.md``.

This module knows nothing about records, standards or databases: callers pass the deductions of one
subject under one platform standard. Standard library only.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

FULL_SCORE = 100
CYCLE_MONTHS = 12


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, clamped to the end of the target month.

    2024-02-29 + 12 = 2025-02-28; 2024-01-31 + 1 = 2024-02-29; 2023-03-31 + 12 = 2024-03-31.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Deduction:
    """One deduction of ``points`` dated ``on`` (the record's deduction date).

    ``counts=False`` marks a deduction that must be ignored (e.g. a revoked record); it is skipped as if
    absent, so a revoked deduction in the middle of a chain can split it in two.

    ``until`` (信用修复 that stops the deduction counting) limits it to days before that date: on days
    ``>= until`` it is as if the deduction never existed, so the cycles seen from those days are formed
    without it. None: it counts on every day from ``on``.
    """

    record_id: int
    on: date
    points: int
    counts: bool = True
    until: date | None = None

    def counts_on(self, day: date) -> bool:
        """Known and counting on ``day``: dated on or before it, not revoked, not yet repaired."""
        return self.counts and self.on <= day and (self.until is None or day < self.until)

    def __post_init__(self) -> None:
        if self.points < 0:
            raise ValueError(f"points must be >= 0, got {self.points} (record {self.record_id})")


@dataclass(frozen=True, slots=True)
class Cycle:
    """An evaluation cycle ``[start, end)`` and the deductions that fell into it, in date order."""

    start: date
    end: date
    deductions: tuple[Deduction, ...]

    @property
    def points(self) -> int:
        return sum(d.points for d in self.deductions)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The score on ``as_of``; ``cycle_start``/``cycle_end`` are None when no cycle is open that day."""

    as_of: date
    score: int
    cycle_start: date | None
    cycle_end: date | None
    counted: tuple[Deduction, ...]

    @property
    def points(self) -> int:
        """Points deducted in the open cycle, before the floor at 0 is applied."""
        return sum(d.points for d in self.counted)


def _effective(deductions: Iterable[Deduction]) -> list[Deduction]:
    """Counting deductions sorted by ``(on, record_id)``.

    Zero-point items (record-only items, commendations) are dropped: they are not 扣分, so they neither
    start a cycle nor restart its 12 months.
    """
    return sorted((d for d in deductions if d.counts and d.points > 0), key=lambda d: (d.on, d.record_id))


def _score(points: int) -> int:
    return max(0, FULL_SCORE - points)


def cycles(deductions: Iterable[Deduction], as_of: date | None = None) -> list[Cycle]:
    """All cycles formed by the counting deductions, in date order.

    A deduction dated strictly before the current cycle's end is 评估周期内新增扣分: it joins the cycle
    and the 12 months restart from its date. A deduction dated on or after the end finds the earlier
    cycle already 届满 (its points repaired) and starts a new cycle (评估周期自首次扣分之日起算).

    With ``as_of``: the cycles as seen on that day — only deductions that count on it (dated on or
    before it, not repaired by then). Without: every deduction with ``counts``, ``until`` ignored.
    """
    if as_of is not None:
        deductions = [d for d in deductions if d.counts_on(as_of)]
    groups: list[list[Deduction]] = []
    end: date | None = None
    for d in _effective(deductions):
        if end is None or d.on >= end:
            groups.append([])
        groups[-1].append(d)
        end = add_months(d.on, CYCLE_MONTHS)
    return [Cycle(g[0].on, add_months(g[-1].on, CYCLE_MONTHS), tuple(g)) for g in groups]


def evaluate(deductions: Iterable[Deduction], as_of: date) -> Evaluation:
    """The score on ``as_of``, using only the deductions dated on or before ``as_of``.

    A deduction dated later is not yet known on ``as_of``, so it must not change the score or cycle end
    shown for that day (it would otherwise push an earlier cycle's end forward retroactively). A
    deduction repaired on or before ``as_of`` (``until <= as_of``) is left out as if absent.
    """
    known = cycles(deductions, as_of)
    if known and as_of < known[-1].end:
        cycle = known[-1]
        return Evaluation(as_of, _score(cycle.points), cycle.start, cycle.end, cycle.deductions)
    return Evaluation(as_of, FULL_SCORE, None, None, ())


def score_series(
    deductions: Iterable[Deduction], start: date, end: date
) -> list[tuple[date, int, date | None]]:
    """``(day, score, cycle_end)`` for every day from ``start`` to ``end`` inclusive.

    One pass over days and deductions per repair epoch (O(days + deductions) without repairs); agrees
    with ``evaluate`` on every day. Empty when ``end < start``.

    A repair date (``until``) changes which deductions exist from that day on, which can change the
    cycle structure itself, so the range is cut at every ``until`` inside it and each piece is walked
    with the deductions that count throughout that piece.
    """
    pool = [d for d in deductions if d.counts]
    cuts = sorted({d.until for d in pool if d.until is not None and start < d.until <= end})
    series: list[tuple[date, int, date | None]] = []
    bounds = [start, *cuts, end + timedelta(days=1)]
    for first, after in pairwise(bounds):
        alive = [d for d in pool if d.until is None or d.until > first]
        series += _series_without_repairs(alive, first, after - timedelta(days=1))
    return series


def _series_without_repairs(
    deductions: list[Deduction], start: date, end: date
) -> list[tuple[date, int, date | None]]:
    pending = _effective(deductions)
    i = 0
    points = 0
    cycle_end: date | None = None

    def absorb(d: Deduction) -> None:
        nonlocal points, cycle_end
        if cycle_end is None or d.on >= cycle_end:
            points = 0
        points += d.points
        cycle_end = add_months(d.on, CYCLE_MONTHS)

    while i < len(pending) and pending[i].on < start:
        absorb(pending[i])
        i += 1

    series: list[tuple[date, int, date | None]] = []
    day = start
    while day <= end:
        while i < len(pending) and pending[i].on == day:
            absorb(pending[i])
            i += 1
        if cycle_end is not None and day < cycle_end:
            series.append((day, _score(points), cycle_end))
        else:
            series.append((day, FULL_SCORE, None))
        day += timedelta(days=1)
    return series


def restoration_date(deductions: Iterable[Deduction], as_of: date) -> date | None:
    """The day the score returns to 100 if no new deduction arrives, as known on ``as_of``.

    None when no cycle is open on ``as_of`` (the score is already 100).
    """
    return evaluate(deductions, as_of).cycle_end
