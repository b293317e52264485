"""The shipped platforms, scoring standards and data list, and the schema that validates them.

DESIGN §2 "Platforms and standards": versioned, effective-dated items (code, name, category,
subject kinds, points — 0 for record-only items and commendations —, legal basis, published);
a version applies only once filed (备案) with an effective date. Bands → labels → measures.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ggzy_credit.standards import files, schema
from ggzy_credit.standards.files import StandardsFileError
from ggzy_credit.standards.schema import PlatformFile

PLATFORMS = {"centre", "gov_procurement", "engineering", "medical", "land_mining", "state_property"}
MID_2024 = dt.date(2024, 6, 1)
TIERS = {"minor": range(1, 5), "general": range(5, 11), "serious": range(20, 41)}


@pytest.fixture(scope="module")
def shipped() -> dict[str, PlatformFile]:
    return {pf.platform.code: pf for pf in files.load_shipped()}


def in_force_items(shipped: dict[str, PlatformFile], on: dt.date = MID_2024) -> dict[str, list[schema.Item]]:
    out = {}
    for code, pf in shipped.items():
        version = pf.in_force(on)
        assert version is not None, f"{code} has no version in force on {on}"
        out[code] = version.items
    return out


# --------------------------------------------------------------------------------------------
# What ships
# --------------------------------------------------------------------------------------------


def test_every_platform_ships_once(shipped: dict[str, PlatformFile]) -> None:
    assert set(shipped) == PLATFORMS
    assert [pf.platform.kind for pf in shipped.values()].count("centre") == 1
    assert shipped["centre"].platform.name == "市公共资源交易中心"


def test_at_least_60_items_and_8_per_platform(shipped: dict[str, PlatformFile]) -> None:
    items = in_force_items(shipped)
    assert sum(len(v) for v in items.values()) >= 60
    for code, platform_items in items.items():
        assert len(platform_items) >= 8, code


def test_every_subject_kind_has_deduction_items(shipped: dict[str, PlatformFile]) -> None:
    covered = {
        kind
        for platform_items in in_force_items(shipped).values()
        for item in platform_items
        if item.kind == "deduction"
        for kind in item.applies_to
    }
    assert covered == set(schema.SUBJECT_KINDS)


def test_record_only_items_and_commendations_ship_with_zero_points(shipped: dict[str, PlatformFile]) -> None:
    all_items = [i for v in in_force_items(shipped).values() for i in v]
    zero = [i for i in all_items if i.points == 0]
    assert {i.kind for i in zero} == {"record_only", "commendation"}
    assert all(i.points > 0 for i in all_items if i.kind == "deduction")
    assert any(i.kind == "record_only" for i in all_items)
    assert any(i.kind == "commendation" for i in all_items)


def test_deduction_points_follow_severity_tiers(shipped: dict[str, PlatformFile]) -> None:
    for pf in shipped.values():
        for version in pf.standards:
            for item in version.items:
                if item.kind == "deduction":
                    assert item.points in TIERS[item.severity], (pf.platform.code, version.version, item.code)


def test_same_behaviour_has_same_points_across_platforms(shipped: dict[str, PlatformFile]) -> None:
    by_name: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    for platform_items in in_force_items(shipped).values():
        for item in platform_items:
            by_name[item.name].add((item.kind, item.points, item.severity))
    assert {name: v for name, v in by_name.items() if len(v) > 1} == {}
    shared = [name for name, v in by_name.items() if v]
    assert "签署的信用承诺经查不实" in shared


def test_every_version_names_a_false_commitment_deduction(shipped: dict[str, PlatformFile]) -> None:
    for pf in shipped.values():
        for version in pf.standards:
            assert version.false_commitment_item, (pf.platform.code, version.version)
            item = version.item(version.false_commitment_item)
            assert item.kind == "deduction"
            assert item.name == "签署的信用承诺经查不实"


def test_every_version_is_filed_effective_and_published(shipped: dict[str, PlatformFile]) -> None:
    for pf in shipped.values():
        for version in pf.standards:
            assert version.status == "filed"
            assert version.filed_on is not None and version.effective_from is not None
            assert version.filed_on <= version.effective_from
            assert version.filed_with
            assert version.published


def test_bands_are_a_b_c_d_and_every_label_has_a_measure(shipped: dict[str, PlatformFile]) -> None:
    for pf in shipped.values():
        for version in pf.standards:
            assert [(b.label, b.min, b.max) for b in version.bands] == [
                ("A", 90, 100),
                ("B", 80, 89),
                ("C", 60, 79),
                ("D", 0, 59),
            ]
            for band in version.bands:
                assert version.measures_for(band.label), (pf.platform.code, band.label)
            assert {m.kind for m in version.measures_for("A")} == {"incentive"}
            assert {m.kind for m in version.measures_for("D")} == {"penalty"}
            assert version.band_for(100).label == "A"
            assert version.band_for(60).label == "C"
            assert version.band_for(59).label == "D"
            assert version.band_for(0).label == "D"


def test_repair_waits_cover_three_severities(shipped: dict[str, PlatformFile]) -> None:
    for pf in shipped.values():
        for version in pf.standards:
            waits = version.repair.min_wait_days
            assert (
                waits.for_severity("minor") <= waits.for_severity("general") <= waits.for_severity("serious")
            )


def test_expert_only_items_are_not_public(shipped: dict[str, PlatformFile]) -> None:
    """上海办法第十六条: subjects may look up initiators, responders, intermediaries and their staff —
    evaluation experts are not in that list, so items about experts alone are not published."""
    for platform_items in in_force_items(shipped).values():
        for item in platform_items:
            if item.applies_to == ["expert"]:
                assert not item.public, item.code


def test_item_codes_are_unique_across_platforms(shipped: dict[str, PlatformFile]) -> None:
    owner: dict[str, str] = {}
    for code, pf in shipped.items():
        for version in pf.standards:
            for item in version.items:
                assert owner.setdefault(item.code, code) == code, item.code


def test_centre_2027_version_is_filed_ahead_and_changes_points(shipped: dict[str, PlatformFile]) -> None:
    centre = shipped["centre"]
    v2024, v2027 = centre.version("2024.1"), centre.version("2027.1")
    assert v2027.status == "filed"
    assert v2027.filed_on == dt.date(2026, 11, 10)
    assert v2027.effective_from == dt.date(2027, 1, 1)
    # Not in force a day early; in force on its effective date.
    assert centre.in_force(dt.date(2026, 12, 31)) is v2024
    assert centre.in_force(dt.date(2027, 1, 1)) is v2027
    assert centre.in_force(dt.date(2023, 12, 31)) is None
    old = {i.code: i.points for i in v2024.items}
    new = {i.code: i.points for i in v2027.items}
    assert old.keys() == new.keys()
    changed = {code for code in old if old[code] != new[code]}
    assert 2 <= len(changed) <= 3


def test_engineering_2024_supersedes_2023(shipped: dict[str, PlatformFile]) -> None:
    engineering = shipped["engineering"]
    v2023 = engineering.version("2023.1")
    assert v2023.effective_from == dt.date(2023, 1, 1)
    assert engineering.in_force(dt.date(2022, 12, 31)) is None
    assert engineering.in_force(dt.date(2023, 12, 31)) is v2023
    assert engineering.in_force(dt.date(2024, 1, 1)) is engineering.version("2024.1")


def test_commitment_templates_ship_for_every_platform(shipped: dict[str, PlatformFile]) -> None:
    for pf in shipped.values():
        assert pf.commitment_templates, pf.platform.code


# --------------------------------------------------------------------------------------------
# Data list
# --------------------------------------------------------------------------------------------


def test_data_list_covers_basic_market_and_external_information(shipped: dict[str, PlatformFile]) -> None:
    data_list = files.load_data_list()
    assert len(data_list.entries) >= 12
    assert {e.category for e in data_list.entries} == {"基本信息", "市场信用信息", "外部信用信息"}
    names = {e.name for e in data_list.entries}
    assert {
        "法人基础信息",
        "自然人基础信息",
        "信用承诺信息",
        "信用记分评估结果",
        "信用标注及激励惩戒措施",
    } <= names
    record_platforms = {e.platform for e in data_list.entries if e.platform}
    assert record_platforms == set(shipped)


def test_data_list_keeps_personal_information_masked() -> None:
    entries = {e.name: e for e in files.load_data_list().entries}
    natural = entries["自然人基础信息"]
    assert not natural.public
    assert {"身份证号码", "联系方式"} <= set(natural.masked_fields)
    assert entries["法人基础信息"].fields[:2] == ["名称", "统一社会信用代码"]


# --------------------------------------------------------------------------------------------
# Validation: each rule rejects bad input and names the field
# --------------------------------------------------------------------------------------------


def minimal() -> dict[str, Any]:
    """A small valid platform file; each negative test breaks one thing in a fresh copy."""
    return copy.deepcopy(
        {
            "platform": {
                "code": "test_platform",
                "name": "测试分平台",
                "kind": "sub",
                "sector": "测试",
                "regulator": "市某局",
            },
            "standards": [
                {
                    "version": "2024.1",
                    "title": "测试标准",
                    "status": "filed",
                    "filed_on": dt.date(2023, 12, 1),
                    "filed_with": "市某局",
                    "effective_from": dt.date(2024, 1, 1),
                    "published": True,
                    "repair": {
                        "min_wait_days": {"minor": 0, "general": 90, "serious": 180},
                        "hide_from_public": True,
                        "stop_counting": True,
                    },
                    "false_commitment_item": "TP-R-001",
                    "bands": [
                        {"min": 60, "max": 100, "label": "A", "name": "守信", "description": "60 分以上"},
                        {"min": 0, "max": 59, "label": "D", "name": "失信", "description": "60 分以下"},
                    ],
                    "measures": [
                        {
                            "label": "A",
                            "code": "TP-M-A1",
                            "name": "减免保证金",
                            "kind": "incentive",
                            "description": "减免投标保证金。",
                        },
                        {
                            "label": "D",
                            "code": "TP-M-D1",
                            "name": "原件核验",
                            "kind": "penalty",
                            "description": "提交纸质原件核验。",
                        },
                    ],
                    "items": [
                        {
                            "code": "TP-R-001",
                            "name": "签署的信用承诺经查不实",
                            "category": "信用承诺",
                            "applies_to": ["responder"],
                            "kind": "deduction",
                            "points": 20,
                            "severity": "serious",
                            "legal_basis": "国办发〔2019〕35号",
                            "public": True,
                        },
                        {
                            "code": "TP-R-002",
                            "name": "获得表彰",
                            "category": "表彰奖励",
                            "applies_to": ["responder", "expert"],
                            "kind": "commendation",
                            "points": 0,
                            "severity": "minor",
                            "legal_basis": "山东方案第（十八）项",
                            "public": True,
                        },
                    ],
                }
            ],
            "commitment_templates": [{"code": "TP-C-001", "title": "承诺书", "body": "本单位承诺……"}],
        }
    )


def std(data: dict[str, Any]) -> dict[str, Any]:
    return data["standards"][0]


def test_minimal_file_is_valid() -> None:
    pf = files.parse_platform(minimal())
    assert pf.in_force(dt.date(2024, 1, 1)) is pf.standards[0]


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _del(path: list[str | int]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _band_gap(data: dict[str, Any]) -> None:
    std(data)["bands"][1]["max"] = 50  # 51–59 uncovered


def _band_overlap(data: dict[str, Any]) -> None:
    std(data)["bands"][1]["max"] = 70


def _bands_ascending(data: dict[str, Any]) -> None:
    std(data)["bands"].reverse()


def _duplicate_item(data: dict[str, Any]) -> None:
    std(data)["items"][1] = {**std(data)["items"][0], "name": "另一个事项"}


def _duplicate_version(data: dict[str, Any]) -> None:
    data["standards"].append(copy.deepcopy(std(data)))


def _same_start(data: dict[str, Any]) -> None:
    data["standards"].append({**copy.deepcopy(std(data)), "version": "2024.2"})


S0 = "standards[0]"

NEGATIVE_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("band gap", _band_gap, f"{S0}.bands[1]"),
    ("band overlap", _band_overlap, f"{S0}.bands[1]"),
    ("bands not ordered high to low", _bands_ascending, f"{S0}.bands[0].max"),
    ("bands stop above 0", _set(["standards", 0, "bands", 1, "min"], 10), f"{S0}.bands[1].min"),
    ("band min above max", lambda d: std(d)["bands"][0].update(min=100, max=90), f"{S0}.bands[0].min"),
    ("band above 100", _set(["standards", 0, "bands", 0, "max"], 101), f"{S0}.bands[0].max"),
    ("band points not integer", _set(["standards", 0, "bands", 0, "min"], 60.5), f"{S0}.bands[0].min"),
    ("points on a commendation", _set(["standards", 0, "items", 1, "points"], 5), f"{S0}.items[1].points"),
    (
        "points on a record-only item",
        lambda d: std(d)["items"][1].update(kind="record_only", points=3),
        f"{S0}.items[1].points",
    ),
    ("deduction without points", _set(["standards", 0, "items", 0, "points"], 0), f"{S0}.items[0].points"),
    ("points above 100", _set(["standards", 0, "items", 0, "points"], 101), f"{S0}.items[0].points"),
    ("points not integer", _set(["standards", 0, "items", 0, "points"], 10.5), f"{S0}.items[0].points"),
    ("points as text", _set(["standards", 0, "items", 0, "points"], "10"), f"{S0}.items[0].points"),
    (
        "unknown applies_to",
        _set(["standards", 0, "items", 0, "applies_to"], ["bidder"]),
        f"{S0}.items[0].applies_to[0]",
    ),
    ("empty applies_to", _set(["standards", 0, "items", 0, "applies_to"], []), f"{S0}.items[0].applies_to"),
    (
        "repeated applies_to",
        _set(["standards", 0, "items", 0, "applies_to"], ["expert", "expert"]),
        f"{S0}.items[0].applies_to",
    ),
    ("unknown item kind", _set(["standards", 0, "items", 0, "kind"], "bonus"), f"{S0}.items[0].kind"),
    ("unknown severity", _set(["standards", 0, "items", 0, "severity"], "fatal"), f"{S0}.items[0].severity"),
    ("typo in an item key", lambda d: std(d)["items"][0].update(point=5), f"{S0}.items[0].point"),
    ("duplicate item code", _duplicate_item, f"{S0}.items.code"),
    ("filed without filed_on", _del(["standards", 0, "filed_on"]), f"{S0}.filed_on"),
    ("filed without effective_from", _set(["standards", 0, "effective_from"], None), f"{S0}.effective_from"),
    (
        "effective before filed",
        _set(["standards", 0, "effective_from"], dt.date(2023, 11, 1)),
        f"{S0}.effective_from",
    ),
    ("unknown status", _set(["standards", 0, "status"], "approved"), f"{S0}.status"),
    ("version read as a number", _set(["standards", 0, "version"], 2024.1), f"{S0}.version"),
    (
        "false_commitment_item not in items",
        _set(["standards", 0, "false_commitment_item"], "TP-R-999"),
        f"{S0}.false_commitment_item",
    ),
    (
        "false_commitment_item not a deduction",
        _set(["standards", 0, "false_commitment_item"], "TP-R-002"),
        f"{S0}.false_commitment_item",
    ),
    (
        "measure for an unknown label",
        _set(["standards", 0, "measures", 1, "label"], "E"),
        f"{S0}.measures[1].label",
    ),
    (
        "unknown measure kind",
        _set(["standards", 0, "measures", 0, "kind"], "reward"),
        f"{S0}.measures[0].kind",
    ),
    (
        "repair wait for a severity missing",
        _del(["standards", 0, "repair", "min_wait_days", "serious"]),
        f"{S0}.repair.min_wait_days.serious",
    ),
    ("duplicate version", _duplicate_version, "standards.version"),
    ("two filed versions starting the same day", _same_start, "standards.effective_from"),
    ("platform code with capitals", _set(["platform", "code"], "GovProcurement"), "platform.code"),
    ("unknown platform kind", _set(["platform", "kind"], "branch"), "platform.kind"),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [c[1:] for c in NEGATIVE_CASES], ids=[c[0] for c in NEGATIVE_CASES]
)
def test_invalid_standard_is_rejected_naming_the_field(
    mutate: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = minimal()
    mutate(data)
    with pytest.raises(StandardsFileError) as caught:
        files.parse_platform(data, "test.yaml")
    assert field in [loc for loc, _ in caught.value.problems], caught.value.problems
    assert field in str(caught.value)


def test_draft_may_lack_filing_dates_and_is_never_in_force() -> None:
    data = minimal()
    std(data).update(status="draft", filed_on=None, filed_with=None, effective_from=None)
    pf = files.parse_platform(data)
    assert pf.in_force(dt.date(2030, 1, 1)) is None


def test_load_platform_file_reports_path_and_field(tmp_path: Path) -> None:
    data = minimal()
    _band_gap(data)
    path = tmp_path / "test_platform.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(StandardsFileError) as caught:
        files.load_platform_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert "standards[0].bands[1]" in message
    assert "51–59" in message


def test_unquoted_version_in_yaml_gets_a_hint(tmp_path: Path) -> None:
    text = yaml.safe_dump(minimal(), allow_unicode=True).replace("version: '2024.1'", "version: 2024.1")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StandardsFileError, match=r"standards\[0\]\.version: .*带引号"):
        files.load_platform_file(path)


def test_yaml_syntax_error_is_a_standards_file_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("platform: {code: x\n", encoding="utf-8")
    with pytest.raises(StandardsFileError, match="YAML"):
        files.load_platform_file(path)


def test_file_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(StandardsFileError):
        files.parse_platform(["not", "a", "mapping"])


def minimal_data_list() -> dict[str, Any]:
    return {
        "title": "数据清单",
        "version": "2024.1",
        "publisher": "市公共资源交易中心",
        "published_on": dt.date(2023, 12, 28),
        "entries": [
            {
                "code": "DL-01",
                "name": "法人基础信息",
                "category": "基本信息",
                "subject_kinds": ["responder"],
                "fields": ["名称", "联系方式"],
                "masked_fields": ["联系方式"],
                "source": "经营主体注册时提供",
                "update_frequency": "变更时",
                "public": True,
                "legal_basis": "上海办法第七条",
            },
        ],
    }


DATA_LIST_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "masked field not listed",
        _set(["entries", 0, "masked_fields"], ["身份证号码"]),
        "entries[0].masked_fields",
    ),
    ("unknown category", _set(["entries", 0, "category"], "其他信息"), "entries[0].category"),
    ("unknown subject kind", _set(["entries", 0, "subject_kinds"], ["bank"]), "entries[0].subject_kinds[0]"),
    ("unknown source", _set(["entries", 0, "source"], "电话告知"), "entries[0].source[0]"),
    (
        "unknown update frequency",
        _set(["entries", 0, "update_frequency"], "偶尔"),
        "entries[0].update_frequency",
    ),
    (
        "duplicate entry code",
        lambda d: d["entries"].append({**d["entries"][0], "name": "另一条"}),
        "entries.code",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [c[1:] for c in DATA_LIST_CASES], ids=[c[0] for c in DATA_LIST_CASES]
)
def test_invalid_data_list_is_rejected_naming_the_field(
    mutate: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = minimal_data_list()
    files.parse_data_list(copy.deepcopy(data))  # the unbroken one is valid
    mutate(data)
    with pytest.raises(StandardsFileError) as caught:
        files.parse_data_list(data, "data_list.yaml")
    assert field in [loc for loc, _ in caught.value.problems], caught.value.problems
