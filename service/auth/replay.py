"""JWT ids already used, each kept until its token expires, so none is accepted twice.

`ReplayCache` lives in this process: with several workers or replicas, a token replayed to another process
is not seen. `RedisReplayCache` (REDIS_URL) is shared by every process using the same Redis.
"""

from __future__ import annotations

import hashlib
import heapq
import threading
import time
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError


class UsedIds(Protocol):
    async def first_use(self, issuer: str, jti: str, until: float) -> bool: ...


class SharedStoreUnavailable(Exception):
    """The shared store did not answer; the request gets a 503, never a pass."""


class ReplayCache:
    def __init__(self, clock: Callable[[], float] = time.time, max_entries: int = 1_000_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._seen: dict[tuple[str, str], float] = {}
        self._expiry: list[tuple[float, tuple[str, str]]] = []
        self._lock = threading.Lock()

    async def first_use(self, issuer: str, jti: str, until: float) -> bool:
        """Record (issuer, jti) until `until` (epoch seconds); False when it was already recorded."""
        key = (issuer, jti)
        with self._lock:
            self._forget_expired()
            if key in self._seen:
                return False
            if len(self._seen) >= self._max:
                # Refuse rather than forget: forgetting an unexpired id would allow a replay.
                return False
            self._seen[key] = until
            heapq.heappush(self._expiry, (until, key))
            return True

    def _forget_expired(self) -> None:
        now = self._clock()
        while self._expiry and self._expiry[0][0] < now:
            until, key = heapq.heappop(self._expiry)
            if self._seen.get(key) == until:
                del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)


class RedisReplayCache:
    """`SET key NX EXAT`: one atomic step decides which process saw the id first."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def first_use(self, issuer: str, jti: str, until: float) -> bool:
        # Hashed: the key name holds neither the issuer nor the id.
        digest = hashlib.sha256(f"{issuer}\0{jti}".encode()).hexdigest()
        try:
            created = await self._redis.set(f"{self._prefix}jti:{digest}", b"1", nx=True, exat=int(until) + 1)
        except RedisError as exc:
            raise SharedStoreUnavailable(type(exc).__name__) from None
        return bool(created)
