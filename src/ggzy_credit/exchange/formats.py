"""Reading import files: CSV, JSON Lines and XLSX, into rows of plain values with their line numbers.

A file is *malformed* when it cannot be read as a table: undecodable bytes, not an XLSX workbook, no
header, unknown or repeated columns, a missing required column, a JSON line that is not an object,
a CSV row with more cells than the header. A malformed file is rejected whole (nothing imported);
bad *values* are the importer's business and reject only their row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
MAX_ROWS = 500_000
MAX_CELL = 4000


@dataclass
class Problem:
    line: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class RawRow:
    line: int
    data: dict[str, Any]


@dataclass
class Table:
    format: str
    rows: list[RawRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Columns:
    """The columns a kind of file may have: canonical names, Chinese aliases, required ones."""

    def __init__(self, names: Iterable[str], aliases: Mapping[str, str], required: Iterable[str]) -> None:
        self.names = tuple(names)
        self.required = tuple(required)
        self._lookup = {n: n for n in self.names} | {a: c for a, c in aliases.items()}

    def canonical(self, header: str) -> str | None:
        return self._lookup.get(header.strip().lstrip("\ufeff"))


def detect_format(path: Path, declared: str | None = None) -> str | None:
    if declared:
        return declared if declared in FORMATS.values() else None
    return FORMATS.get(path.suffix.lower())


def read_table(data: bytes, fmt: str, columns: Columns) -> Table:
    """Parse ``data``; never raises for bad content — problems are returned in the table."""
    table = Table(fmt)
    try:
        if fmt == "csv":
            _read_csv(data, columns, table)
        elif fmt == "jsonl":
            _read_jsonl(data, columns, table)
        elif fmt == "xlsx":
            _read_xlsx(data, columns, table)
        else:
            message = f"不支持的文件格式 {fmt}：请使用 CSV、JSON Lines 或 XLSX"
            table.problems.append(Problem(None, None, message))
    except _Malformed as exc:
        table.problems.append(exc.problem)
    if table.ok and len(table.rows) > MAX_ROWS:
        message = f"文件行数 {len(table.rows)} 超过上限 {MAX_ROWS}，请拆分后导入"
        table.problems.append(Problem(None, None, message))
    if table.ok and not table.rows:
        table.problems.append(Problem(None, None, "文件中没有数据行"))
    if not table.ok:
        table.rows = []
    return table


class _Malformed(Exception):
    def __init__(self, line: int | None, message: str, field_: str | None = None) -> None:
        super().__init__(message)
        self.problem = Problem(line, field_, message)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); GB18030 as the fallback many government exports still use."""
    if b"\x00" in data:
        raise _Malformed(None, "文件包含空字节，不是文本文件")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _Malformed(None, "文件编码无法识别：请使用 UTF-8（或 GB18030）") from None


def _header(cells: list[Any], columns: Columns, line: int) -> list[str]:
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        text = "" if cell is None else str(cell).strip()
        if not text:
            raise _Malformed(line, f"第 {position} 列没有列名")
        name = columns.canonical(text)
        if name is None:
            raise _Malformed(line, f"未知的列名“{text}”（可用列：{'、'.join(columns.names)}）", text)
        if name in names:
            raise _Malformed(line, f"列“{text}”重复", name)
        names.append(name)
    missing = [c for c in columns.required if c not in names]
    if missing:
        raise _Malformed(line, f"缺少必需的列：{'、'.join(missing)}", missing[0])
    return names


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if len(value) > MAX_CELL:
            return value[:MAX_CELL] + "…"
        return value or None
    return value


def _read_csv(data: bytes, columns: Columns, table: Table) -> None:
    text = _decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header: list[str] | None = None
        for cells in reader:
            line = reader.line_num
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header = _header(cells, columns, line)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                raise _Malformed(line, f"本行有 {len(cells)} 列，多于表头的 {len(header)} 列")
            table.rows.append(RawRow(line, {n: _clean(v) for n, v in zip(header, cells, strict=False)}))
            if len(table.rows) > MAX_ROWS:
                return
    except csv.Error as exc:
        raise _Malformed(None, f"CSV 格式错误：{exc}") from None
    if header is None:
        raise _Malformed(None, "文件为空：缺少表头行")


def _read_jsonl(data: bytes, columns: Columns, table: Table) -> None:
    text = _decode(data)
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            obj = json.loads(content)
        except (json.JSONDecodeError, RecursionError) as exc:
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else "嵌套过深"
            raise _Malformed(line, f"JSON 格式错误：{message}") from None
        if not isinstance(obj, dict):
            raise _Malformed(line, "每行应为一个 JSON 对象")
        row: dict[str, Any] = {}
        for key, value in obj.items():
            name = columns.canonical(key)
            if name is None:
                raise _Malformed(line, f"未知的字段“{key}”（可用字段：{'、'.join(columns.names)}）", key)
            row[name] = _clean(value)
        table.rows.append(RawRow(line, row))
        if len(table.rows) > MAX_ROWS:
            return
    if table.rows:
        present = set().union(*(r.data for r in table.rows))
        missing = [c for c in columns.required if c not in present]
        if missing:
            raise _Malformed(None, f"缺少必需的字段：{'、'.join(missing)}", missing[0])


def _read_xlsx(data: bytes, columns: Columns, table: Table) -> None:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl reports a damaged archive through many exception types
        raise _Malformed(None, "不是有效的 XLSX 工作簿（文件损坏或格式不符）") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _Malformed(None, "工作簿中没有工作表")
        header: list[str] | None = None
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(cells)
            while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
                values.pop()
            if not values:
                continue
            if header is None:
                header = _header(values, columns, line)
                continue
            if len(values) > len(header):
                raise _Malformed(line, f"本行有 {len(values)} 列，多于表头的 {len(header)} 列")
            cells_by_name = {n: _clean(_cell(v)) for n, v in zip(header, values, strict=False)}
            table.rows.append(RawRow(line, cells_by_name))
            if len(table.rows) > MAX_ROWS:
                return
        if header is None:
            raise _Malformed(None, "工作表为空：缺少表头行")
    except _Malformed:
        raise
    except Exception:  # a damaged sheet part fails lazily, with any exception type
        raise _Malformed(None, "XLSX 工作表内容损坏，无法读取") from None
    finally:
        workbook.close()


def _cell(value: Any) -> Any:
    """Excel dates come back as datetimes: a date at midnight is a date."""
    if isinstance(value, datetime) and value.time() == time(0, 0) and value.tzinfo is None:
        return value.date()
    if isinstance(value, (datetime, date, str, int, float, bool)) or value is None:
        return value
    return str(value)
