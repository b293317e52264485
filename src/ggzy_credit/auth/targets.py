"""Whose data a request is about, read from its path parameters.

``subject_id`` names a subject; ``record_id`` a credit record (its subject, platform and whether its
item is published); ``sha256`` an evidence file (the subjects of the records it is attached to).
Unknown or malformed values resolve to nothing: the handler answers 404/422 for them later, and an
own-data restriction with nothing resolved refuses the restricted roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.records.models import CreditRecord, Evidence
from ggzy_credit.standards.models import Platform, StandardItem
from ggzy_credit.web.params import MAX_INT32

_MAX_ID = MAX_INT32  # ids are INTEGER columns: a larger value names no row


@dataclass
class Targets:
    subject_ids: frozenset[int] = field(default_factory=frozenset)
    record_ids: frozenset[int] = field(default_factory=frozenset)
    platforms: frozenset[str] = field(default_factory=frozenset)
    unpublished: bool = False


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= _MAX_ID else None


def resolve(session: Session, params: Mapping[str, Any]) -> Targets:
    subjects: set[int] = set()
    records: set[int] = set()
    platforms: set[str] = set()
    unpublished = False
    if (subject_id := _int(params.get("subject_id"))) is not None:
        subjects.add(subject_id)
    if (record_id := _int(params.get("record_id"))) is not None:
        records.add(record_id)
        row = session.execute(
            select(CreditRecord.subject_id, Platform.code, StandardItem.public)
            .join(Platform, Platform.id == CreditRecord.platform_id)
            .join(StandardItem, StandardItem.id == CreditRecord.item_id)
            .where(CreditRecord.id == record_id)
        ).first()
        if row is not None:
            subjects.add(row.subject_id)
            platforms.add(row.code)
            unpublished = not row.public
    if (sha := params.get("sha256")) and isinstance(sha, str) and len(sha) == 64:
        for row in session.execute(
            select(CreditRecord.id, CreditRecord.subject_id, Platform.code)
            .join(Evidence, Evidence.record_id == CreditRecord.id)
            .join(Platform, Platform.id == CreditRecord.platform_id)
            .where(Evidence.sha256 == sha.lower())
        ):
            records.add(row.id)
            subjects.add(row.subject_id)
            platforms.add(row.code)
    return Targets(frozenset(subjects), frozenset(records), frozenset(platforms), unpublished)
