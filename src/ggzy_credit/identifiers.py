"""Identifier checks, delegated to python-stdnum (GB 32100 USCC, GB 11643 resident ID)."""

from __future__ import annotations

from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from ggzy_credit.errors import InvalidInput

_REASONS: dict[type[ValidationError], tuple[str, str]] = {
    InvalidChecksum: ("校验位错误", "invalid_check_character"),
    InvalidLength: ("长度错误", "invalid_length"),
    InvalidFormat: ("格式错误", "invalid_format"),
    InvalidComponent: ("包含无效的组成部分（如出生日期或地区码）", "invalid_component"),
}


def _check(module: object, value: str, field: str, label: str) -> str:
    try:
        return module.validate(value)  # type: ignore[attr-defined,no-any-return]
    except ValidationError as exc:
        text, kind = _REASONS.get(type(exc), ("无效", "invalid"))
        raise InvalidInput.field(field, f"{label}{text}", kind) from None


def valid_uscc(value: str, field: str = "uscc") -> str:
    """The compact, upper-case USCC, or ``InvalidInput`` naming ``field``."""
    return _check(uscc, value, field, "统一社会信用代码")


def valid_id_number(value: str, field: str = "id_number") -> str:
    """The compact, upper-case resident ID number, or ``InvalidInput`` naming ``field``."""
    return _check(ric, value, field, "居民身份证号码")
