"""Record files for bulk import: JSON Lines or CSV (UTF-8, header row with RecordIn field names)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ggzy_credit.records.schemas import RecordIn

FIELDS = list(RecordIn.model_fields)


@dataclass
class Row:
    line: int
    raw: dict[str, Any]
    record: RecordIn | None = None
    errors: list[tuple[str, str]] | None = None


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"无法识别的文件格式 {suffix or '(无扩展名)'}：请使用 .jsonl 或 .csv")


class FileProblem(ValueError):
    """The file cannot be read at all (a CSV that is not UTF-8 text or breaks the CSV rules)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"第 {line} 行：{message}")
        self.line = line


def read_rows(path: Path) -> Iterator[Row]:
    """Rows with their line numbers; a bad line becomes a row with errors. Raises ``FileProblem``
    only when a CSV file as a whole cannot be read."""
    if detect_format(path) == "jsonl":
        with path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    text = line.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    shown = line.decode("utf-8", errors="replace").rstrip("\r\n")
                    yield Row(number, {"_line": shown}, errors=[("line", "不是有效的 UTF-8 文本")])
                    continue
                if not text.strip():
                    continue
                try:
                    raw = json.loads(text)
                except (ValueError, RecursionError) as exc:  # JSONDecodeError, too many digits, nesting
                    message = exc.msg if isinstance(exc, json.JSONDecodeError) else "数值过长或嵌套过深"
                    yield Row(
                        number, {"_line": text.rstrip("\r\n")}, errors=[("line", f"JSON 格式错误：{message}")]
                    )
                    continue
                if not isinstance(raw, dict):
                    yield Row(
                        number, {"_line": text.rstrip("\n")}, errors=[("line", "每行应为一个 JSON 对象")]
                    )
                    continue
                yield _validated(Row(number, raw))
    else:
        yield from _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[Row]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            data[: exc.start].count(b"\n") + 1, "文件编码不是 UTF-8，请另存为 UTF-8 后导入"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        unknown = [h for h in reader.fieldnames or [] if h not in FIELDS]
        for raw in reader:
            number = reader.line_num
            clean = {k: (v if v != "" else None) for k, v in raw.items() if k is not None}
            row = Row(number, clean)
            if unknown:
                row.errors = [(h, "未知的列名") for h in unknown]
                yield row
                continue
            yield _validated(Row(number, {k: v for k, v in clean.items() if v is not None}))
    except csv.Error as exc:
        raise FileProblem(reader.line_num, f"CSV 格式错误：{exc}") from None


def _validated(row: Row) -> Row:
    try:
        row.record = RecordIn.model_validate(row.raw)
    except ValidationError as exc:
        row.errors = [(".".join(map(str, e["loc"])) or "line", e["msg"]) for e in exc.errors()]
    return row


def write_rejects(path: Path, rows: list[Row]) -> Path:
    """Rejected rows next to the source file, with the reasons, in the source's format."""
    target = path.with_name(path.stem + ".rejects" + path.suffix)
    if detect_format(path) == "jsonl":
        with target.open("w", encoding="utf-8") as fh:
            for r in rows:
                payload = dict(r.raw) | {"_line": r.line, "_errors": [f"{f}: {m}" for f, m in r.errors or []]}
                fh.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    else:
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=[*FIELDS, "_line", "_errors"], extrasaction="ignore")
            writer.writeheader()
            for r in rows:
                writer.writerow(
                    dict(r.raw)
                    | {"_line": r.line, "_errors": "; ".join(f"{f}: {m}" for f, m in r.errors or [])}
                )
    return target
