"""Labels and measures come from each shipped standard's published bands and measures."""

from __future__ import annotations

import pytest

from ggzy_credit.scoring.labels import band_for, bands_of, measures_for
from ggzy_credit.standards import files

VERSIONS = [(pf.platform.code, v) for pf in files.load_shipped() for v in pf.standards]


@pytest.mark.parametrize(("platform", "version"), VERSIONS, ids=[f"{p}-{v.version}" for p, v in VERSIONS])
def test_every_score_has_exactly_one_label_with_measures(platform, version):  # type: ignore[no-untyped-def]
    rules = {
        "bands": [b.model_dump() for b in version.bands],
        "measures": [m.model_dump() for m in version.measures],
    }
    for score in range(0, 101):
        matching = [b for b in bands_of(rules) if b.min <= score <= b.max]
        assert len(matching) == 1, (platform, score)
        assert band_for(rules, score) == matching[0]
    for band in bands_of(rules):
        assert measures_for(rules, band.label), f"{platform} {version.version}: no measure for {band.label}"
    assert band_for(rules, 100).label == "A" and band_for(rules, 0).label == "D"


def test_no_rules_no_label():
    assert band_for(None, 90) is None and measures_for({}, "A") == []


def test_standard_api_publishes_bands_and_measures(client):  # type: ignore[no-untyped-def]
    out = client.get("/api/v1/standards/gov_procurement", params={"as_of": "2025-01-01"}).json()
    assert [b["label"] for b in out["bands"]] == ["A", "B", "C", "D"]
    assert {m["label"] for m in out["measures"]} == {"A", "B", "C", "D"}
