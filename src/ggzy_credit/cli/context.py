"""What every command needs: settings, an engine, sessions, the PII cipher; errors as exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ggzy_credit.config import Settings
from ggzy_credit.db.engine import make_engine, make_sessionmaker, unit_of_work
from ggzy_credit.errors import DomainError, InvalidInput
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.pii.keys import pii_cipher

console = Console()
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Context:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def cipher(self) -> PiiCipher:
        assert self.settings.secrets_dir is not None
        return pii_cipher(self.settings.secrets_dir)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with unit_of_work(self.sessions) as session:
            yield session


def open_context() -> Context:
    settings = Settings()
    engine = make_engine(settings.database_url)
    return Context(settings, engine, make_sessionmaker(engine))


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]错误：[/red]{message}")
    return typer.Exit(code)


def domain_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into a message naming the field and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InvalidInput as exc:
            for problem in exc.problems:
                field = ".".join(str(p) for p in problem.loc if p != "body")
                err_console.print(f"[red]错误：[/red]{field}: {problem.msg}")
            raise typer.Exit(2) from None
        except DomainError as exc:
            raise fail(exc.message, 2 if exc.status < 500 else 1) from None
        except FileNotFoundError as exc:
            raise fail(str(exc)) from None

    return wrapper
