"""Thresholds of the monitoring rules: shipped in ``monitoring/data/rules.yaml``, replaceable by a file
named in ``GGZY_MONITORING_RULES``. Pure configuration (pydantic)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["high", "medium", "low"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    severity: Severity = "medium"


class RepeatedBehaviour(_Rule):
    window_days: int = Field(default=365, ge=1, le=3650)
    min_projects: int = Field(default=3, ge=2)


class SharedContact(_Rule):
    attributes: list[Literal["phone", "email", "legal_representative", "address"]] = Field(
        default_factory=lambda: ["phone", "email", "legal_representative", "address"]
    )


class SharedBidOrigin(_Rule):
    attributes: list[Literal["file_hash", "machine_fingerprint", "ip"]] = Field(
        default_factory=lambda: ["file_hash", "machine_fingerprint", "ip"]
    )
    ignore_ips: list[str] = Field(default_factory=list)
    ignore_fingerprints: list[str] = Field(default_factory=list)


class PricePattern(_Rule):
    progression_min_bids: int = Field(default=4, ge=3)
    progression_tolerance: float = Field(default=0.05, ge=0, lt=1)
    close_min_bids: int = Field(default=3, ge=2)
    close_spread: float = Field(default=0.005, ge=0, lt=1)


class ScoreDrop(_Rule):
    window_days: int = Field(default=30, ge=1, le=366)
    min_points: int = Field(default=20, ge=1)
    lookback_days: int = Field(default=365, ge=1)


class ObjectionOverdue(_Rule):
    pass


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repeated_behaviour: RepeatedBehaviour = Field(default_factory=RepeatedBehaviour)
    shared_contact: SharedContact = Field(default_factory=SharedContact)
    shared_bid_origin: SharedBidOrigin = Field(default_factory=SharedBidOrigin)
    price_pattern: PricePattern = Field(default_factory=PricePattern)
    score_drop: ScoreDrop = Field(default_factory=ScoreDrop)
    objection_overdue: ObjectionOverdue = Field(default_factory=ObjectionOverdue)


class MonitoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: Rules = Field(default_factory=Rules)


def load_config(path: Path | None = None) -> MonitoringConfig:
    if path is None:
        return _shipped()
    return MonitoringConfig.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


@lru_cache(maxsize=1)
def _shipped() -> MonitoringConfig:
    text = (files("ggzy_credit.monitoring") / "data" / "rules.yaml").read_text(encoding="utf-8")
    return MonitoringConfig.model_validate(yaml.safe_load(text))
