"""Errors as JSON: domain errors keep their status, nothing leaks a stack trace or SQL."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from ggzy_credit.errors import DomainError

log = logging.getLogger("ggzy_credit.web")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        headers = exc.headers()
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": _zh(e), "type": e.get("type", "value_error")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail, "code": "invalid"}, status_code=422)

    @app.exception_handler(OperationalError)
    async def database_unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.__class__.__name__)
        return JSONResponse(
            {"detail": "数据库暂时不可用，请稍后重试", "code": "unavailable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DBAPIError)
    async def database_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        log.exception("database error", exc_info=exc)
        return JSONResponse({"detail": "服务器内部错误", "code": "internal"}, status_code=500)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "服务器内部错误", "code": "internal"}, status_code=500)


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "date_from_datetime_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_type": "日期格式错误，应为 YYYY-MM-DD",
    "string_type": "应为字符串",
    "string_too_short": "长度过短",
    "string_too_long": "长度过长",
    "too_short": "数量过少",
    "too_long": "数量过多",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "union_tag_invalid": "type 应为 legal 或 natural",
    "union_tag_not_found": "缺少 type 字段（legal 或 natural）",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "bool_parsing": "应为布尔值",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def _zh(error: dict) -> str:  # type: ignore[type-arg]
    text = _MESSAGES.get(error.get("type", ""))
    english = error.get("msg", "")
    return f"{text}（{english}）" if text else english
