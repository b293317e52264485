"""Values kept per database engine across requests and reloaded when their key changes.

For small, insert-only reference data (platforms, standard versions, items) that every request
reads: the caller computes a cheap key (row counts, largest ids — a few primary-key lookups) and
the value is loaded again only when the key differs from the one it was kept under. Keys are
compared for equality, so any change, a rolled-back addition included, reloads; a change made
between the key query and the load costs one extra reload, never a stale value kept for long.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session

V = TypeVar("V")


class KeptPerEngine(Generic[V]):
    """One kept value per engine (held weakly: a disposed engine's value goes with it)."""

    def __init__(self) -> None:
        self._kept: WeakKeyDictionary[Any, tuple[Hashable, V]] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, load: Callable[[], V]) -> V:
        """The value kept for the session's engine under ``key``; else ``load()``, kept from now on."""
        bind = session.get_bind()
        engine = getattr(bind, "engine", bind)
        kept = self._kept.get(engine)
        if kept is not None and kept[0] == key:
            return kept[1]
        value = load()
        with self._lock:
            self._kept[engine] = (key, value)
        return value
