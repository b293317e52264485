"""Deterministic, fast generator of realistic Chinese subjects for demos and benchmarks.

Standard library + python-stdnum only. Everything derives from ``random.Random(seed)`` and
integer arithmetic (never ``hash()`` of a string), so one seed always gives the same stream.

* :meth:`Faker.uscc` — valid GB 32100 unified social credit codes (统一社会信用代码): a real
  administrative division code, a GB 11714 organisation code with its own check character,
  and the GB 32100 check character. Unique within one :class:`Faker` by construction: the
  organisation code comes from a per-instance bijective scramble of a counter, so no set of
  issued codes is kept (capacity: 2**29 "MA…" codes + 2**26 numeric codes).
* :meth:`Faker.id_number` — valid GB 11643 resident ID numbers (居民身份证号码) whose region
  code was in force in the birth year (as ``stdnum.cn.ric`` checks). Unique within one
  :class:`Faker` by construction: the sequence code is a per-(birth date, gender) counter
  scrambled modulo 499, so memory is bounded by the number of distinct birth dates.

Generated codes and ID numbers are *structurally valid* and may coincide with those of real
organisations and people, and generated company names may coincide with real companies.
Use them for demos and benchmarks only, clearly labelled as demonstration data (演示数据).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from random import Random

from stdnum.cn import ric as _ric

from ggzy_credit.demo import fake_data as data
from ggzy_credit.demo.fake_data import ENTITY_KINDS, REGIONS

__all__ = ["ENTITY_KINDS", "REGIONS", "Faker", "gb11714_check_char", "gb32100_check_char"]


# --------------------------------------------------------------------------------------------
# Check characters
# --------------------------------------------------------------------------------------------

# GB 32100 code alphabet (no I, O, Z, S, V); a character's value is its index.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def gb11714_check_char(body: str) -> str:
    """Check character of an 8-character GB 11714 organisation code body.

    Characters are valued 0–9 for digits and 10–35 for A–Z; C9 = 11 − Σ(Cᵢ·Wᵢ) mod 11 with
    W = 3 7 9 10 5 8 4 2; 10 → "X", 11 → "0".
    """
    if len(body) != 8:
        raise ValueError("an organisation code body has 8 characters")
    total = 0
    for ch, w in zip(body, _ORG_WEIGHTS, strict=True):
        if "0" <= ch <= "9":
            v = ord(ch) - 48
        elif "A" <= ch <= "Z":
            v = ord(ch) - 55
        else:
            raise ValueError(f"invalid organisation code character {ch!r}")
        total += v * w
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def gb32100_check_char(body: str) -> str:
    """Check character of the first 17 characters of a unified social credit code.

    Same result as ``stdnum.cn.uscc.calc_check_digit`` (GB 32100: weights 3**i mod 31,
    check = 31 − Σ mod 31), without its per-call normalisation, because it is on the hot path.
    """
    total = 0
    for ch, w in zip(body, _USCC_WEIGHTS, strict=True):
        total += _USCC_VALUE[ch] * w
    return _USCC_ALPHABET[-total % 31]


# --------------------------------------------------------------------------------------------
# Bijective scrambling (uniqueness without remembering what was issued)
# --------------------------------------------------------------------------------------------


class _Scrambler:
    """A seeded bijection of [0, 2**bits): xor, odd multiply, xorshift, odd multiply, xorshift."""

    __slots__ = ("_m1", "_m2", "_mask", "_salt", "_shift")

    def __init__(self, rng: Random, bits: int) -> None:
        self._mask = (1 << bits) - 1
        self._shift = bits // 2
        self._salt = rng.getrandbits(bits)
        self._m1 = rng.getrandbits(bits) | 1
        self._m2 = rng.getrandbits(bits) | 1

    def __call__(self, x: int) -> int:
        mask, s = self._mask, self._shift
        x = ((x ^ self._salt) * self._m1) & mask
        x ^= x >> s
        x = (x * self._m2) & mask
        return x ^ (x >> s)


_MA_BITS = 29  # 2**29 < 31**6: six base-31 characters after "MA"
_NUM_BITS = 26  # 2**26 < 10**8: eight decimal digits
_ID_SEQ_SLOTS = 499  # sequence codes per (birth date, gender): male 001..997, female 002..998


class Faker:
    """Deterministic generator of Chinese legal and natural persons (see module docstring)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        rng = Random(seed)
        self._rng = rng
        self._random = rng.random
        self._ma = _Scrambler(rng, _MA_BITS)
        self._num = _Scrambler(rng, _NUM_BITS)
        self._ma_count = 0
        self._num_count = 0
        self._id_mult = 1 + rng.randrange(_ID_SEQ_SLOTS - 1)  # 499 is prime: any 1..498 works
        self._id_salt = rng.randrange(_ID_SEQ_SLOTS)
        self._id_used: dict[int, int] = {}  # birth ordinal * 2 + male -> persons issued
        self._ymd: dict[int, str] = {}
        self._regions_by_year: dict[int, tuple[tuple[str, str, str, str, str, int], ...]] = {}
        self._kind_tables: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._base31 = _base31_table()

    # -- small helpers ------------------------------------------------------------------------

    def _pick(self, seq: Sequence[str]) -> str:
        return seq[int(self._random() * len(seq))]

    def _region(self, region: str | None = None) -> tuple[str, str, str, str, str, int]:
        if region is None:
            return REGIONS[int(self._random() * len(REGIONS))]
        try:
            return data.REGION_BY_CODE[region]
        except KeyError:
            pass
        name = region.removesuffix("市")
        matches = [r for r in REGIONS if r[4] == name or r[2].removesuffix("市") == name]
        if not matches:
            raise ValueError(f"unknown region or city {region!r}")
        return matches[int(self._random() * len(matches))]

    # -- identifiers ----------------------------------------------------------------------------

    def uscc(self, kind: str = "91", region: str | None = None) -> str:
        """A valid, unique 18-character unified social credit code (GB 32100).

        ``kind`` is the registration-authority + entity-type prefix ("91" enterprise,
        "12" public institution, "51" social group, "52" private non-enterprise unit);
        ``region`` an administrative division code from :data:`REGIONS` or a city name.
        """
        if kind not in ENTITY_KINDS:
            raise ValueError(f"unsupported entity kind {kind!r}; expected one of {sorted(ENTITY_KINDS)}")
        code = self._region(region)[0]
        r = self._random()
        if r < 0.12:  # registered at city level (e.g. 91370100…, 91310000…)
            code = code[:2] + "0000" if code[:2] in ("11", "12", "31", "50") else code[:4] + "00"
        # Enterprises registered since 2015 mostly carry "MA…" organisation codes.
        org = self._ma_org_code() if kind == "91" and self._random() < 0.65 else self._numeric_org_code()
        body = kind + code + org
        return body + gb32100_check_char(body)

    def _ma_org_code(self) -> str:
        # Organisation codes issued with the USCC since 2015 start with "MA" (市场监管).
        n = self._ma_count
        if n >> _MA_BITS:
            raise RuntimeError("this Faker has issued all of its 'MA' organisation codes")
        self._ma_count = n + 1
        hi, lo = divmod(self._ma(n), 29791)  # 31**3
        body = "MA" + self._base31[hi] + self._base31[lo]
        return body + gb11714_check_char(body)

    def _numeric_org_code(self) -> str:
        n = self._num_count
        if n >> _NUM_BITS:
            raise RuntimeError("this Faker has issued all of its numeric organisation codes")
        self._num_count = n + 1
        body = f"{self._num(n):08d}"
        return body + gb11714_check_char(body)

    def id_number(self, birth_from: int = 1955, birth_to: int = 2002) -> str:
        """A valid, unique 18-digit resident ID number (GB 11643), gender chosen at random."""
        return self._id_number(self._random() < 0.5, birth_from, birth_to)[0]

    def _id_number(
        self, male: bool, birth_from: int, birth_to: int
    ) -> tuple[str, tuple[str, str, str, str, str, int]]:
        if not 1900 <= birth_from <= birth_to <= 2099:
            raise ValueError(f"invalid birth year range {birth_from}..{birth_to}")
        lo = date(birth_from, 1, 1).toordinal()
        span = date(birth_to, 12, 31).toordinal() - lo + 1
        used = self._id_used
        rand = self._random
        for _ in range(10_000):
            ordinal = lo + int(rand() * span)
            key = ordinal * 2 + male
            count = used.get(key, 0)
            if count < _ID_SEQ_SLOTS:
                break
        else:
            raise RuntimeError(f"no unused ID numbers left for births in {birth_from}..{birth_to}")
        used[key] = count + 1
        k = (self._id_mult * count + ordinal * 7919 + self._id_salt + 250 * male) % _ID_SEQ_SLOTS
        seq = 2 * k + 1 if male else 2 * k + 2
        ymd = self._ymd.get(ordinal)
        if ymd is None:
            d = date.fromordinal(ordinal)
            ymd = self._ymd[ordinal] = f"{d.year:04d}{d.month:02d}{d.day:02d}"
        regions = self._regions_for_year(int(ymd[:4]))
        region = regions[int(rand() * len(regions))]
        body = f"{region[0]}{ymd}{seq:03d}"
        return body + _ric.calc_check_digit(body + "0"), region

    def _regions_for_year(self, year: int) -> tuple[tuple[str, str, str, str, str, int], ...]:
        regions = self._regions_by_year.get(year)
        if regions is None:
            regions = self._regions_by_year[year] = tuple(r for r in REGIONS if r[5] <= year)
        return regions

    # -- names, contacts, addresses -------------------------------------------------------------

    def person_name(self, gender: str | None = None) -> str:
        """A realistic Chinese full name; ``gender`` "男"/"女" picks fitting given-name characters."""
        rand = self._random
        if gender is None:
            gender = "男" if rand() < 0.5 else "女"
        chars = data.GIVEN_MALE if gender == "男" else data.GIVEN_FEMALE
        surname = data.SURNAMES[int(rand() * len(data.SURNAMES))]
        first = chars[int(rand() * len(chars))]
        r = rand()
        if r < 0.22:
            return surname + first
        if r < 0.40:
            second = data.GIVEN_NEUTRAL[int(rand() * len(data.GIVEN_NEUTRAL))]
            return surname + second + first
        second = chars[int(rand() * len(chars))]
        return surname + first + second

    def phone(self) -> str:
        """An 11-digit mainland mobile number with a real carrier prefix."""
        return f"{self._pick(data.MOBILE_PREFIXES)}{int(self._random() * 100_000_000):08d}"

    def email(self) -> str:
        rand = self._random
        domain = self._pick(data.MAIL_DOMAINS)
        if domain == "qq.com":
            return f"{10_000 + int(rand() * 3_000_000_000)}@qq.com"
        letters = "".join(data.LATIN[int(rand() * 26)] for _ in range(3 + int(rand() * 6)))
        digits = f"{int(rand() * 10_000)}" if rand() < 0.6 else ""
        return f"{letters}{digits}@{domain}"

    def address(self, city: str | None = None) -> str:
        """A street address; ``city`` is a division code from :data:`REGIONS` or a city name."""
        return self._address(self._region(city), company=False)

    def _address(self, region: tuple[str, str, str, str, str, int], company: bool) -> str:
        rand = self._random
        _, province, city, district, _, _ = region
        head = city + district if province in data.MUNICIPALITIES else province + city + district
        road = (
            data.ROAD_BASES[int(rand() * len(data.ROAD_BASES))]
            + data.ROAD_SUFFIXES[int(rand() * len(data.ROAD_SUFFIXES))]
        )
        number = 1 + int(rand() * rand() * 1200)  # small house numbers are more common
        r = rand()
        if company:
            if r < 0.45:
                return f"{head}{road}{number}号"
            if r < 0.85:
                return f"{head}{road}{number}号{1 + int(rand() * 28)}{1 + int(rand() * 20):02d}室"
            return f"{head}{road}{number}号{1 + int(rand() * 9)}号楼{1 + int(rand() * 12)}层"
        if r < 0.55:
            building = f"{1 + int(rand() * 30)}幢{1 + int(rand() * 4)}单元"
            return f"{head}{road}{number}号{building}{1 + int(rand() * 18)}{1 + int(rand() * 4):02d}室"
        if r < 0.75:
            return f"{head}{road}{number}号{1 + int(rand() * 20)}{1 + int(rand() * 8):02d}室"
        if r < 0.88:  # lane houses (弄)
            room = f"{1 + int(rand() * 6)}0{1 + int(rand() * 4)}室"
            return f"{head}{road}{number}弄{1 + int(rand() * 60)}号{room}"
        return f"{head}{road}{number}号"

    def company_name(self, kind: str = "91", region: str | None = None) -> str:
        """A realistic organisation name for the entity ``kind`` located in ``region``."""
        return self._org_name(kind, self._region(region))

    def _trade_name(self) -> str:
        rand = self._random
        r = rand()
        if r < 0.1:
            return data.TRADE_NAMES[int(rand() * len(data.TRADE_NAMES))]
        a = data.TRADE_FIRST[int(rand() * len(data.TRADE_FIRST))]
        b = data.TRADE_SECOND[int(rand() * len(data.TRADE_SECOND))]
        name = a + b if a != b else a + "达"
        if r > 0.82:  # a four-character trade name, e.g. 宏达恒信
            other = data.TRADE_NAMES[int(rand() * len(data.TRADE_NAMES))]
            return name + other if rand() < 0.5 else other + name
        return name

    def _org_name(self, kind: str, region: tuple[str, str, str, str, str, int]) -> str:
        rand = self._random
        _, _, city, district, short, _ = region
        if kind == "91":
            industry = data.INDUSTRIES[int(rand() * len(data.INDUSTRIES))]
            form = data.COMPANY_FORMS[int(rand() * len(data.COMPANY_FORMS))]
            trade = self._trade_name()
            if rand() < 0.06:
                return f"{trade}{industry}（{short}）{form}"
            return f"{short}{trade}{industry}{form}"
        if kind == "12":
            r = rand()
            if r < 0.4:
                template = data.INSTITUTIONS[int(rand() * len(data.INSTITUTIONS))]
                top = 6 if "医院" in template else len(data.CN_ORDINALS)  # 第三人民医院, 第二十八中学
                name = template.format(n=data.CN_ORDINALS[int(rand() * top)])
            elif r < 0.75:  # street-level units, e.g. 黄浦区人民街道社区卫生服务中心
                road = data.ROAD_BASES[int(rand() * len(data.ROAD_BASES))]
                name = f"{road}街道{data.STREET_UNITS[int(rand() * len(data.STREET_UNITS))]}"
            else:  # schools named after their road, e.g. 历下区解放路小学
                road = data.ROAD_BASES[int(rand() * len(data.ROAD_BASES))]
                name = f"{road}路{data.ROAD_SCHOOLS[int(rand() * len(data.ROAD_SCHOOLS))]}"
            return f"{city}{district}{name}"
        if kind == "51":
            r = rand()
            if r < 0.4:
                return f"{city}{data.ASSOCIATIONS[int(rand() * len(data.ASSOCIATIONS))]}"
            if r < 0.75:
                return f"{city}{district}{data.ASSOCIATIONS[int(rand() * len(data.ASSOCIATIONS))]}"
            origin = REGIONS[int(rand() * len(REGIONS))][4]  # 异地商会, e.g. 上海市温州商会
            return f"{city}{origin}商会" if origin != short else f"{city}{district}商会"
        if kind == "52":
            unit = data.PRIVATE_NON_ENTERPRISE[int(rand() * len(data.PRIVATE_NON_ENTERPRISE))]
            return f"{city}{district}{self._trade_name()}{unit}"
        raise ValueError(f"unsupported entity kind {kind!r}; expected one of {sorted(ENTITY_KINDS)}")

    # -- subjects -------------------------------------------------------------------------------

    def _kind_table(self, kinds: Iterable[str] | None) -> tuple[str, ...]:
        key = ("*",) if kinds is None else ((kinds,) if isinstance(kinds, str) else tuple(sorted(set(kinds))))
        table = self._kind_tables.get(key)
        if table is None:
            selected = list(ENTITY_KINDS) if kinds is None else list(key)
            bad = [k for k in selected if k not in ENTITY_KINDS]
            if bad or not selected:
                raise ValueError(f"unsupported entity kind(s) {bad}; expected some of {sorted(ENTITY_KINDS)}")
            table = self._kind_tables[key] = data.expand((k, ENTITY_KINDS[k][1]) for k in selected)
        return table

    def legal_person(self, kinds: Iterable[str] | None = None) -> dict[str, str]:
        """A legal person (法人或其他组织): name, uscc, address, legal_representative,
        contact_person, contact_phone. ``kinds`` restricts the GB 32100 type prefixes."""
        table = self._kind_table(kinds)
        rand = self._random
        kind = table[int(rand() * len(table))]
        region = REGIONS[int(rand() * len(REGIONS))]
        representative = self.person_name()
        return {
            "name": self._org_name(kind, region),
            "uscc": self.uscc(kind, region[0]),
            "address": self._address(region, company=True),
            "legal_representative": representative,
            "contact_person": representative if rand() < 0.15 else self.person_name(),
            "contact_phone": self.phone(),
        }

    def natural_person(self, birth_from: int = 1955, birth_to: int = 2002) -> dict[str, str]:
        """A natural person (自然人): name, gender ("男"/"女", matching the ID number's 17th
        digit), id_number, phone, address."""
        rand = self._random
        male = rand() < 0.5
        id_number, region = self._id_number(male, birth_from, birth_to)
        gender = "男" if male else "女"
        if rand() >= 0.7:  # most people still live where they were registered at birth
            region = REGIONS[int(rand() * len(REGIONS))]
        return {
            "name": self.person_name(gender),
            "gender": gender,
            "id_number": id_number,
            "phone": self.phone(),
            "address": self._address(region, company=False),
        }

    def legal_persons(self, n: int, kinds: Iterable[str] | None = None) -> Iterator[dict[str, str]]:
        for _ in range(n):
            yield self.legal_person(kinds)

    def natural_persons(
        self, n: int, birth_from: int = 1955, birth_to: int = 2002
    ) -> Iterator[dict[str, str]]:
        for _ in range(n):
            yield self.natural_person(birth_from, birth_to)


@functools.cache
def _base31_table() -> tuple[str, ...]:
    """All 31**3 three-character strings over the GB 32100 alphabet, in numeric order."""
    a = _USCC_ALPHABET
    return tuple(x + y + z for x in a for y in a for z in a)
