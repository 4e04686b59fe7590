"""A token bucket per client: `burst` requests at once, refilled at `per_minute`.

`RateLimiter` keeps the buckets in this process, so N workers or replicas let a client through up to N times
its limit. `RedisRateLimiter` (REDIS_URL) keeps them in Redis, shared by every process.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from service.auth.clients import RateLimit
from service.auth.replay import SharedStoreUnavailable


class Limiter(Protocol):
    async def take(self, client_id: str, limit: RateLimit) -> float: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`await take(client_id, limit)` answers 0 when the request may go, else the seconds to wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    async def take(self, client_id: str, limit: RateLimit) -> float:
        rate = limit.per_minute / 60.0
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(client_id)
            if bucket is None:
                bucket = self._buckets[client_id] = _Bucket(tokens=float(limit.burst), updated=now)
            bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate


# The same bucket, computed inside Redis (atomic per call) on Redis's own clock.
TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(TOKEN_BUCKET)

    async def take(self, client_id: str, limit: RateLimit) -> float:
        try:
            wait = await self._script(
                keys=[f"{self._prefix}bucket:{client_id}"], args=[limit.per_minute / 60.0, limit.burst]
            )
        except RedisError as exc:
            raise SharedStoreUnavailable(type(exc).__name__) from None
        return float(wait)


def retry_after(wait: float) -> str:
    """Whole seconds for the Retry-After header, at least 1."""
    return str(max(1, math.ceil(wait)))
