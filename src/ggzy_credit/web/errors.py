"""Errors as JSON: domain errors keep their status, nothing leaks a stack trace or SQL."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from ggzy_credit.errors import DomainError

log = logging.getLogger("ggzy_credit.web")
RETRY_AFTER_SECONDS = 5
# SQLite errors that mean "not now" (another writer, the disk, the file), not a bug in a statement
# ("no such table" is an OperationalError too and stays a 500).
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "unable to open database file",
    "database or disk is full",
    "attempt to write a readonly database",
)
_DATABASE_ERRORS = (DBAPIError, DisconnectionError, PoolTimeout, psycopg.Error, sqlite3.Error)


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached or used right now (retry later).

    Lost or refused connections (SQLAlchemy ``DisconnectionError``/``InterfaceError``, a connection
    invalidated mid-statement, a full pool), every psycopg ``OperationalError`` (server shutdown,
    terminated backend, deadlock, serialization failure, timeout, disk full) and SQLite's locked /
    I/O / unopenable-file errors. Raw driver errors count as well as SQLAlchemy's wrapped ones.
    """
    if isinstance(exc, DisconnectionError | PoolTimeout | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return any(m in message for m in _SQLITE_UNAVAILABLE)
    return False


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

    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]

    async def database_error(_request: Request, exc: Exception) -> JSONResponse:
        # The request's unit of work (web.deps.get_session) has already rolled back: nothing of it
        # was written, so the client may safely send the same request again.
        if database_unavailable(exc):
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[:1]  # no SQL, no params
            log.error("database unavailable: %s: %s", exc.__class__.__name__, "".join(reason)[:200])
            return JSONResponse(
                {"detail": "数据库暂时不可用，本次请求未写入任何数据，请稍后重试", "code": "unavailable"},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        log.exception("database error", exc_info=exc)
        return JSONResponse({"detail": "服务器内部错误", "code": "internal"}, status_code=500)

    for error_class in _DATABASE_ERRORS:
        app.add_exception_handler(error_class, database_error)  # type: ignore[arg-type]

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "服务器内部错误", "code": "internal"}, status_code=500)


_HTTP_ERRORS = {  # errors the framework raises itself: status → (code, message)
    400: ("bad_request", "请求体无法解析（JSON 或表单格式错误）"),
    404: ("not_found", "请求的地址不存在"),
    405: ("method_not_allowed", "该地址不支持此请求方法"),
}


async def http_error(_request: Request, exc: HTTPException) -> Response:
    """The framework's own HTTP errors (unparseable body, unknown path, wrong method) in the API's
    error shape: ``detail`` and ``code``."""
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    code, message = _HTTP_ERRORS.get(exc.status_code, ("http_error", str(exc.detail)))
    return JSONResponse({"detail": message, "code": code}, status_code=exc.status_code, headers=exc.headers)


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
