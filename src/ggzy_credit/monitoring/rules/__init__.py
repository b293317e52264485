"""The rule set. Each rule is documented (docs/monitoring.md) with its rationale and thresholds."""

from __future__ import annotations

from ggzy_credit.monitoring.rules.base import Finding, Rule
from ggzy_credit.monitoring.rules.objections import ObjectionOverdue
from ggzy_credit.monitoring.rules.prices import PricePattern
from ggzy_credit.monitoring.rules.repeated import RepeatedBehaviour
from ggzy_credit.monitoring.rules.score_drop import ScoreDrop
from ggzy_credit.monitoring.rules.shared import SharedBidOrigin, SharedContact

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        RepeatedBehaviour(),
        SharedContact(),
        SharedBidOrigin(),
        PricePattern(),
        ScoreDrop(),
        ObjectionOverdue(),
    )
}

__all__ = ["RULES", "Finding", "Rule"]
