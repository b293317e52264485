"""Per-IP token buckets for login and public search (防止暴力破解和批量抓取).

In-process and in memory: exact for one application process. With ``serve --workers N`` or several
hosts each process keeps its own buckets, so the effective limit is N times higher; such deployments
put the limit in the reverse proxy (nginx ``limit_req``) or in a shared store. The per-name login
lockout (``auth.login``) is in the database and holds across processes regardless.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from ggzy_credit.errors import RateLimited

MAX_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    per_minute: int
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class Limiter:
    def __init__(self, rates: dict[str, Rate], clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.rates = rates
        self._clock = clock
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, bucket: str, key: str) -> None:
        """Take one token from ``bucket`` for ``key``; raise ``RateLimited`` when it is empty."""
        rate = self.rates.get(bucket)
        if rate is None or rate.per_minute <= 0:
            return
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop((bucket, key), (float(rate.burst), now))
            tokens = min(float(rate.burst), tokens + (now - last) * rate.per_second)
            if tokens < 1.0:
                self._buckets[(bucket, key)] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate.per_second)
                raise RateLimited(f"请求过于频繁，请 {wait} 秒后重试", wait)
            self._buckets[(bucket, key)] = (tokens - 1.0, now)
            while len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)
