"""Phone numbers: mainland mobiles (11 digits, 1[3-9]x) and fixed lines with area code."""

from __future__ import annotations

import re

from ggzy_credit.errors import InvalidInput

_MOBILE = re.compile(r"1[3-9]\d{9}")
_FIXED = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")


def valid_phone(value: str, field: str = "phone") -> str:
    compact = re.sub(r"[\s()（）]", "", value).removeprefix("+86")
    if _MOBILE.fullmatch(compact) or _FIXED.fullmatch(compact):
        return compact
    raise InvalidInput.field(field, "联系电话格式错误（应为 11 位手机号码或带区号的固定电话）")
