"""What a rule is and what it finds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from ggzy_credit.monitoring.config import Rules


@dataclass
class Finding:
    """One warning-worthy situation. ``key`` identifies it across runs (→ the warning's fingerprint)."""

    rule: str
    key: str
    title: str
    severity: str
    subject_ids: list[int]
    evidence: dict[str, Any]
    platform_id: int | None = None
    project_code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.rule}|{self.key}".encode()).hexdigest()


class Rule:
    """A monitoring rule: one set-based query (or a few) over the whole database."""

    code: ClassVar[str]
    title: ClassVar[str]
    rationale: ClassVar[str]

    def available(self, session: Session) -> bool:
        """Whether the data the rule reads exists in this installation."""
        return True

    def settings(self, rules: Rules) -> Any:
        return getattr(rules, self.code)

    def find(self, session: Session, rules: Rules, today: date) -> list[Finding]:
        raise NotImplementedError
