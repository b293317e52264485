"""The error responses every API operation may give, documented in one place.

Routes declare their success response; the errors come from the shared handlers in ``web.errors``
(domain errors, validation, database unavailable) and from the route's access policy (401/403 when
it needs a login, 429 when it has a rate bucket). This adds them to each operation of the published
schema with the one error body (``Error``), keeping any description a route gave for the same status.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.auth.policy import Policy, api_routes, policy_of


class FieldProblemOut(BaseModel):
    loc: list[str | int] = Field(description='出错字段的位置，如 ["body", "records", 3, "uscc"]')
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error body: ``detail`` (a text, or one entry per bad field) and ``code`` (the error kind)."""

    model_config = ConfigDict(title="Error", extra="allow")

    detail: str | list[FieldProblemOut] = Field(description="说明；字段错误时为列表，loc 指明字段")
    code: str = Field(description="错误类别，如 invalid、not_found、conflict、forbidden")


ALWAYS = {
    "400": "请求无法处理",
    "404": "请求所指的对象不存在",
    "409": "与现有数据或当前状态冲突",
    "422": "字段不合要求（detail 逐项列出字段与原因）",
    "503": "数据库暂时不可用，或所需数据尚未载入",
}
AUTHENTICATED = {"401": "未登录，或令牌、会话无效", "403": "无权执行此操作"}
RATE_LIMITED = {"429": "请求过于频繁（retry_after 秒后重试）"}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the common error responses on every operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        before = app.openapi_schema
        schema = generate()
        if schema is not before:
            document_errors(app, schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    model = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(model.pop("$defs", {}))
    components["Error"] = model
    policies = {(method.lower(), path): policy_of(route) for method, path, route in api_routes(app)}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in errors_of(policies.get((method, path))).items():
                documented = responses.setdefault(status, {"description": description})
                if documented.get("description") == "Validation Error":  # FastAPI's default wording
                    documented["description"] = description
                documented["content"] = {"application/json": {"schema": ERROR_REF}}


def errors_of(policy: Policy | None) -> dict[str, str]:
    out = dict(ALWAYS)
    if policy is None or not policy.public:
        out |= AUTHENTICATED
    if policy is not None and policy.rate:
        out |= RATE_LIMITED
    return dict(sorted(out.items()))
