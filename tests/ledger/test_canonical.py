from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import Enum, IntEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy_credit.ledger.canonical import MAX_SAFE_INTEGER, canonical_json


def test_chinese_nested_object() -> None:
    event = {
        "统一社会信用代码": "91350100M000100Y43",
        "主体名称": "某某建设工程有限公司",
        "事件": {"类型": "行政处罚", "金额": 50000, "日期": "2024-03-01", "附件": []},
        "标签": ["招标", "投标", {"z": None, "a": True}],
    }
    expected = (
        '{"主体名称":"某某建设工程有限公司",'
        '"事件":{"日期":"2024-03-01","类型":"行政处罚","金额":50000,"附件":[]},'
        '"标签":["招标","投标",{"a":true,"z":null}],'
        '"统一社会信用代码":"91350100M000100Y43"}'
    )
    out = canonical_json(event)
    assert out == expected.encode("utf-8")
    assert json.loads(out) == event


def test_key_order_ignores_insertion_order() -> None:
    a = {"b": 1, "a": {"y": 2, "x": 3}}
    b = {"a": {"x": 3, "y": 2}, "b": 1}
    assert canonical_json(a) == canonical_json(b) == b'{"a":{"x":3,"y":2},"b":1}'


def test_keys_sort_by_utf16_code_units_rfc8785_example() -> None:
    # RFC 8785 §3.2.3: U+1F600 is the surrogate pair D83D DE00, so it sorts *before*
    # U+FB33 although its code point is larger.
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(obj) == expected.encode("utf-8")
    # Python's sort_keys (code-point order) would get this wrong.
    assert json.dumps(obj, sort_keys=True, ensure_ascii=False) != expected


def test_string_escaping_rfc8785_example() -> None:
    # RFC 8785 §3.2.2.2: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"
    value = "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/"
    assert canonical_json(value) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()


def test_escapes_only_what_must_be_escaped() -> None:
    value = "\x00\x08\t\n\x0b\x0c\r\x1f \x7f\u2028\u2029</script>é中"
    assert canonical_json(value) == (
        '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f \x7f\u2028\u2029</script>é中"'.encode()
    )


def test_literals_and_integers() -> None:
    assert canonical_json([None, True, False, 0, -0, 7, -42]) == b"[null,true,false,0,0,7,-42]"
    assert canonical_json(MAX_SAFE_INTEGER) == b"9007199254740991"
    assert canonical_json(-MAX_SAFE_INTEGER) == b"-9007199254740991"
    assert canonical_json(("tuple", 1)) == b'["tuple",1]'
    assert canonical_json({}) == b"{}"
    assert canonical_json("") == b'""'


def test_int_and_str_subclasses_serialize_as_their_values() -> None:
    class Level(IntEnum):
        A = 3

    class Kind(str, Enum):  # noqa: UP042 - a plain (str, Enum) str()s as "Kind.PENALTY"
        PENALTY = "行政处罚"

    assert (
        canonical_json({"level": Level.A, "kind": Kind.PENALTY}) == '{"kind":"行政处罚","level":3}'.encode()
    )


@pytest.mark.parametrize("value", [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 10**30])
def test_integers_outside_the_ijson_range_are_rejected(value: int) -> None:
    with pytest.raises(ValueError, match="2\\*\\*53"):
        canonical_json({"amount": value})


@pytest.mark.parametrize("value", [1.5, 0.0, 1e3, Decimal("1.10")])
def test_floats_are_rejected_with_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="floating-point"):
        canonical_json({"amount": value})


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity")]
)
def test_nan_and_infinity_are_rejected_with_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="NaN"):
        canonical_json([value])


@pytest.mark.parametrize(
    "value", [dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC), dt.time(8, 0)]
)
def test_dates_must_be_converted_by_the_caller(value: object) -> None:
    with pytest.raises(TypeError, match="ISO-8601"):
        canonical_json({"date": value})


@pytest.mark.parametrize("value", [b"bytes", {1, 2}, object(), frozenset()])
def test_other_types_are_rejected(value: object) -> None:
    with pytest.raises(TypeError):
        canonical_json({"x": value})


@pytest.mark.parametrize("key", [1, None, ("a",), True])
def test_non_string_keys_are_rejected(key: object) -> None:
    with pytest.raises(TypeError, match="keys must be str"):
        canonical_json({key: 1})


def test_lone_surrogates_are_rejected() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        canonical_json("\ud800")
    with pytest.raises(ValueError, match="surrogate"):
        canonical_json({"\udfff": 1})


def test_circular_references_are_rejected() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="circular"):
        canonical_json(loop)
    shared = {"a": 1}
    # Shared (non-circular) sub-objects are fine.
    assert canonical_json([shared, shared]) == b'[{"a":1},{"a":1}]'


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


def _reorder(value: object) -> object:
    if isinstance(value, dict):
        return {k: _reorder(value[k]) for k in sorted(value, key=lambda k: k.encode("utf-16-be"))}
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


@given(json_values)
def test_matches_independent_reference_and_round_trips(value: object) -> None:
    out = canonical_json(value)
    reference = json.dumps(_reorder(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    assert out == reference.encode("utf-8")
    assert json.loads(out.decode("utf-8")) == value
    assert canonical_json(json.loads(out)) == out
