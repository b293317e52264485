"""The demo data generator: valid identifiers (per python-stdnum), uniqueness, determinism."""

from __future__ import annotations

import re
import time
from itertools import islice

import pytest
from stdnum.cn import ric, uscc

from ggzy_credit.demo.fake import (
    ENTITY_KINDS,
    REGIONS,
    Faker,
    gb11714_check_char,
    gb32100_check_char,
)

N = 5_000
LEGAL_KEYS = {"name", "uscc", "address", "legal_representative", "contact_person", "contact_phone"}
NATURAL_KEYS = {"name", "gender", "id_number", "phone", "address"}
MOBILE = re.compile(r"^1(3\d|5[0-35-9]|7[0135-8]|8\d|9[135689])\d{8}$")
HAN = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@pytest.fixture(scope="module")
def legal() -> list[dict[str, str]]:
    start = time.perf_counter()
    out = list(Faker(2024).legal_persons(N))
    print(f"\n{N} legal persons in {time.perf_counter() - start:.3f}s")
    return out


@pytest.fixture(scope="module")
def natural() -> list[dict[str, str]]:
    start = time.perf_counter()
    out = list(Faker(2024).natural_persons(N))
    print(f"\n{N} natural persons in {time.perf_counter() - start:.3f}s")
    return out


def test_legal_persons_valid_and_unique(legal: list[dict[str, str]]):
    codes = [p["uscc"] for p in legal]
    assert all(set(p) == LEGAL_KEYS for p in legal)
    assert all(uscc.is_valid(c) for c in codes)
    assert all(len(c) == 18 and uscc.compact(c) == c for c in codes)
    assert len(set(codes)) == N
    assert {c[:2] for c in codes} <= set(ENTITY_KINDS)
    assert all(MOBILE.match(p["contact_phone"]) for p in legal)
    assert all(HAN.match(p["legal_representative"]) and HAN.match(p["contact_person"]) for p in legal)
    names = [p["name"] for p in legal]
    assert len(set(names)) > 0.97 * N  # mostly unique
    enterprises = [p for p in legal if p["uscc"].startswith("91")]
    assert len(enterprises) > 0.9 * N
    assert all(p["name"].endswith("公司") for p in enterprises)


def test_uscc_structure(legal: list[dict[str, str]]):
    known = {r[0] for r in REGIONS}
    for code in (p["uscc"] for p in legal):
        region = code[2:8]
        # district code, or the city-level (XXXX00) / municipality-level (XX0000) code.
        assert region in known or any(k.startswith(region.rstrip("0")) for k in known)
        org = code[8:17]
        assert gb11714_check_char(org[:8]) == org[8]
        assert gb32100_check_char(code[:17]) == uscc.calc_check_digit(code[:17]) == code[17]
    assert any(p["uscc"][8:10] == "MA" for p in legal)
    assert any(p["uscc"][8:16].isdigit() for p in legal)


def test_gb11714_known_values():
    # Valid USCCs (stdnum's doctest and two published "MA" codes): their 9-character
    # organisation codes carry a GB 11714 check character in position 17.
    for code in ("91110000600037341L", "91310115MA1K427762", "91310115MA1H971RXF"):
        assert uscc.is_valid(code)
        assert gb11714_check_char(code[8:16]) == code[16]
        assert gb32100_check_char(code[:17]) == code[17]
    with pytest.raises(ValueError):
        gb11714_check_char("1234567")


def test_natural_persons_valid_unique_gender(natural: list[dict[str, str]]):
    ids = [p["id_number"] for p in natural]
    assert all(set(p) == NATURAL_KEYS for p in natural)
    assert all(ric.is_valid(i) for i in ids)
    assert len(set(ids)) == N
    for p in natural:
        expected = "男" if int(p["id_number"][16]) % 2 else "女"
        assert p["gender"] == expected
        birth = ric.get_birth_date(p["id_number"])
        assert 1955 <= birth.year <= 2002
        assert MOBILE.match(p["phone"])
        assert HAN.match(p["name"])
        assert p["address"]
    genders = [p["gender"] for p in natural]
    assert 0.45 < genders.count("男") / N < 0.55


def test_id_numbers_narrow_birth_range_still_unique():
    f = Faker(9)
    ids = [f.id_number(birth_from=1990, birth_to=1990) for _ in range(N)]
    assert len(set(ids)) == N
    assert all(ric.is_valid(i) and i[6:10] == "1990" for i in ids)
    # Early years only use division codes that stdnum accepts for that birth year.
    old = [f.id_number(birth_from=1955, birth_to=1960) for _ in range(500)]
    assert all(ric.is_valid(i) for i in old)


def test_uscc_direct_calls_unique_across_kinds():
    f = Faker(11)
    codes = [f.uscc() for _ in range(N)] + [f.uscc(kind) for kind in ENTITY_KINDS for _ in range(500)]
    codes += [f.legal_person()["uscc"] for _ in range(500)]
    assert len(set(codes)) == len(codes)
    assert all(uscc.is_valid(c) for c in codes)


def test_same_seed_same_output():
    a, b = Faker(42), Faker(42)
    assert list(a.legal_persons(300)) == list(b.legal_persons(300))
    assert list(a.natural_persons(300)) == list(b.natural_persons(300))
    assert [a.uscc() for _ in range(50)] == [b.uscc() for _ in range(50)]
    assert [a.email() for _ in range(20)] == [b.email() for _ in range(20)]


def test_different_seed_different_output():
    a, b = Faker(1), Faker(2)
    la, lb = list(a.legal_persons(200)), list(b.legal_persons(200))
    assert la != lb
    assert not {p["uscc"] for p in la} & {p["uscc"] for p in lb}
    na, nb = list(a.natural_persons(200)), list(b.natural_persons(200))
    assert [p["id_number"] for p in na] != [p["id_number"] for p in nb]


def test_helpers():
    f = Faker(3)
    assert f.address("上海").startswith("上海市")
    assert f.address("370102").startswith("山东省济南市历下区")
    assert f.address("济南市").startswith("山东省济南市")
    with pytest.raises(ValueError):
        f.address("不存在市")
    assert f.company_name(region="310115").startswith("上海")
    assert f.company_name("12", "110105").startswith("北京市朝阳区")
    for _ in range(50):
        assert MOBILE.match(f.phone())
        assert re.match(r"^[a-z0-9]+@[a-z0-9.]+$", f.email())
        assert HAN.match(f.person_name("男")) and HAN.match(f.person_name("女"))
    assert all(p["uscc"].startswith("12") for p in islice(f.legal_persons(50, kinds=["12"]), 50))
    assert all(p["uscc"][:2] in {"51", "52"} for p in f.legal_persons(50, kinds=("51", "52")))
    with pytest.raises(ValueError):
        f.legal_person(kinds=["99"])
    with pytest.raises(ValueError):
        f.uscc("93")
    with pytest.raises(ValueError):
        f.id_number(birth_from=2000, birth_to=1990)


def test_regions_agree_with_stdnum():
    # Each division code is accepted from its recorded first year on, and refused the year
    # before (so early birth years never get a code stdnum rejects).
    for code, *_, since in REGIONS:
        first = max(since, 1950)
        body = f"{code}{first}0101001"
        assert ric.is_valid(body + ric.calc_check_digit(body + "0")), code
        if since:
            body = f"{code}{since - 1}0101001"
            assert not ric.is_valid(body + ric.calc_check_digit(body + "0")), code
        body = f"{code}20250101001"
        assert ric.is_valid(body + ric.calc_check_digit(body + "0")), code
