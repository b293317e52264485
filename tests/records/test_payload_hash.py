"""The idempotency hash: its fast path writes exactly the bytes the JSON encoder writes."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from ggzy_credit.records.ingest import _HASH_KEYS, payload_hash

texts = st.text() | st.none()


def _reference(row: dict[str, object]) -> str:
    canonical = json.dumps({k: row[k] for k in _HASH_KEYS}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@given(
    st.fixed_dictionaries(
        {
            "platform_id": st.integers(-(2**70), 2**70),
            "subject_id": st.integers(-(2**70), 2**70),
            "occurred_on": st.dates(),
            "external_id": texts,
            "item_code": texts,
            "project_code": texts,
            "project_name": texts,
            "description": texts,
            "source": texts,
        }
    )
)
def test_fast_path_equals_the_encoder(row: dict[str, object]) -> None:
    try:
        expected = _reference(row)
    except UnicodeEncodeError:  # lone surrogates: both refuse
        return
    assert payload_hash(row) == expected


def test_unusual_types_take_the_encoder() -> None:
    row: dict[str, object] = {
        "platform_id": True,
        "subject_id": 7,
        "occurred_on": datetime(2026, 1, 2, 3, 4),
        "external_id": "E-1",
        "item_code": "GP-001",
        "project_code": None,
        "project_name": "项目",
        "description": '说明\n"引号"',
        "source": "system_push",
    }
    assert payload_hash(row) == _reference(row)
    assert payload_hash(row | {"occurred_on": date(2026, 1, 2)}) == _reference(
        row | {"occurred_on": date(2026, 1, 2)}
    )
