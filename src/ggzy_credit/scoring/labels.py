"""Labels (信用标注) and measures (守信激励 / 失信惩戒) from a standard's published bands and measures.

Both live in the standard version's YAML (``bands``, ``measures``) and are stored in ``rules`` with it,
so the label of a score on day T is read from the standard in force on T (DESIGN §2 "Labels and
measures"). Pure: works on the ``rules`` dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    label: str
    name: str
    description: str


@dataclass(frozen=True)
class Measure:
    label: str
    code: str
    name: str
    kind: str  # incentive | routine | warning | penalty
    description: str


def bands_of(rules: dict[str, Any] | None) -> list[Band]:
    return [
        Band(b["min"], b["max"], b["label"], b["name"], b["description"])
        for b in (rules or {}).get("bands", [])
    ]


def band_for(rules: dict[str, Any] | None, score: int) -> Band | None:
    """The band containing ``score`` (bands cover 0–100 without gaps, checked when a standard loads)."""
    return next((b for b in bands_of(rules) if b.min <= score <= b.max), None)


def measures_for(rules: dict[str, Any] | None, label: str) -> list[Measure]:
    return [
        Measure(m["label"], m["code"], m["name"], m["kind"], m["description"])
        for m in (rules or {}).get("measures", [])
        if m["label"] == label
    ]
