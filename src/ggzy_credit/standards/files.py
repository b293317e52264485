"""Reading the shipped platform files and the data list (数据清单), each problem naming its field.

Pure: PyYAML and the pydantic models of :mod:`ggzy_credit.standards.schema`, no database or web
imports, so a standard can be validated on its own (tests, CI, ``ggzy-credit`` before loading).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ggzy_credit.standards.schema import DataList, PlatformFile

__all__ = [
    "StandardsFileError",
    "load_data_list",
    "load_platform_file",
    "load_shipped",
    "parse_data_list",
    "parse_platform",
]

_PACKAGE = "ggzy_credit.standards"


class StandardsFileError(ValueError):
    """A platform file or the data list is unreadable or breaks a rule.

    ``problems`` holds ``(field path, message)`` pairs, e.g. ``("standards[0].items[3].points", …)``.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {loc}: {msg}" if loc else f"  {msg}" for loc, msg in problems)
        super().__init__(f"{source}: {len(problems)} 处错误\n{lines}")


_FIELD_PATH = re.compile(r"^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*$")


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for e in error.errors(include_url=False):
        loc = _loc(tuple(e["loc"]))
        msg = e["msg"].removeprefix("Value error, ")
        # Rules checked on a whole model put each problem on its own line, naming the field:
        # "items[2].points: …" under the model's own location.
        for line in msg.splitlines():
            head, sep, rest = line.partition(": ")
            if sep and _FIELD_PATH.match(head):
                problems.append((f"{loc}.{head}" if loc else head, rest))
            else:
                problems.append((loc, line))
    return problems


def _read_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StandardsFileError(source, [("", f"YAML 格式错误：{exc}")]) from exc


def parse_platform(data: Any, source: str = "<platform>") -> PlatformFile:
    """Validate already-parsed YAML (a mapping) as a platform file."""
    if not isinstance(data, Mapping):
        raise StandardsFileError(
            source, [("", "文件内容须为映射（platform / standards / commitment_templates）")]
        )
    try:
        return PlatformFile.model_validate(data)
    except ValidationError as exc:
        raise StandardsFileError(source, _problems(exc)) from exc


def parse_data_list(data: Any, source: str = "<data_list>") -> DataList:
    if not isinstance(data, Mapping):
        raise StandardsFileError(source, [("", "文件内容须为映射（title / version / entries …）")])
    try:
        return DataList.model_validate(data)
    except ValidationError as exc:
        raise StandardsFileError(source, _problems(exc)) from exc


def _read_text(path: str | os.PathLike[str] | Traversable) -> tuple[str, str]:
    source = str(path)
    try:
        if isinstance(path, str | os.PathLike):
            return Path(path).read_text(encoding="utf-8"), source
        return path.read_text(encoding="utf-8"), source
    except (OSError, UnicodeDecodeError) as exc:
        raise StandardsFileError(source, [("", f"无法读取：{exc}")]) from exc


def load_platform_file(path: str | os.PathLike[str] | Traversable) -> PlatformFile:
    """Read and validate one platform YAML file; raises :class:`StandardsFileError` naming the field."""
    text, source = _read_text(path)
    return parse_platform(_read_yaml(text, source), source)


def _data_dir() -> Traversable:
    return resources.files(_PACKAGE) / "data"


def load_shipped() -> list[PlatformFile]:
    """Every platform file shipped in ``data/platforms/``, in file-name order.

    A file must be named after its platform code (``engineering.yaml`` holds ``engineering``).
    """
    folder = _data_dir() / "platforms"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    loaded = []
    for f in files:
        pf = load_platform_file(f)
        stem = f.name.removesuffix(".yaml")
        if pf.platform.code != stem:
            raise StandardsFileError(
                str(f), [("platform.code", f"平台编码 {pf.platform.code} 与文件名 {stem} 不一致")]
            )
        loaded.append(pf)
    return loaded


def load_data_list(path: str | os.PathLike[str] | Traversable | None = None) -> DataList:
    """The published data list (数据清单); the shipped one unless ``path`` is given."""
    text, source = _read_text(path if path is not None else _data_dir() / "data_list.yaml")
    return parse_data_list(_read_yaml(text, source), source)
