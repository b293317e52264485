"""Turning form posts into domain input and domain errors into messages next to their fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from ggzy_credit.errors import Conflict, FieldProblem, InvalidInput
from ggzy_credit.portal.i18n import N_, Translator

_PYDANTIC = {
    "missing": N_("必填"),
    "date_from_datetime_parsing": N_("日期格式错误，应为 YYYY-MM-DD"),
    "date_parsing": N_("日期格式错误，应为 YYYY-MM-DD"),
    "date_type": N_("日期格式错误，应为 YYYY-MM-DD"),
    "int_parsing": N_("应为整数"),
    "string_too_short": N_("不能为空"),
    "string_too_long": N_("内容过长"),
    "enum": N_("取值不在允许范围内"),
    "literal_error": N_("取值不在允许范围内"),
    "extra_forbidden": N_("不允许的字段"),
}


def clean(values: Mapping[str, Any], fields: Iterable[str]) -> dict[str, str]:
    """The posted text of ``fields``, stripped; what the form shows again if it is rejected."""
    return {f: str(values.get(f) or "").strip() for f in fields}


def parse(model: type[BaseModel], data: dict[str, Any], t: Translator) -> tuple[Any, dict[str, str]]:
    """Validate ``data`` with ``model``; field errors keyed by the field's name."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "form"
            message = _PYDANTIC.get(e["type"])
            errors.setdefault(name, t.gettext(message) if message else e["msg"])
        return None, errors


def domain_errors(exc: InvalidInput | Conflict, aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field name → message from a domain error (its last ``loc`` element names the field).

    Domain messages are Chinese in both languages: they come from the rules themselves.
    """
    aliases = aliases or {}
    problems: list[FieldProblem] = []
    if isinstance(exc, InvalidInput):
        problems = exc.problems
    else:
        for p in exc.extra.get("problems", []):
            problems.append(FieldProblem(tuple(p["loc"]), p["msg"], p.get("type", "conflict")))
        if not problems:
            return {"form": exc.message}
    errors: dict[str, str] = {}
    for p in problems:
        names = [str(part) for part in p.loc if isinstance(part, str) and part != "body"]
        field = names[-1] if names else "form"  # ("body", "files", 2) → "files"
        field = aliases.get(field, field)
        errors[field] = f"{errors[field]}；{p.msg}" if field in errors else p.msg
    return errors
