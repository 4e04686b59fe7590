"""The token bucket, on a clock the test moves."""

from __future__ import annotations

import asyncio

from service.auth.clients import RateLimit
from service.auth.rate_limit import RateLimiter, retry_after
from tests.support.fakes import Clock


def take(limiter: RateLimiter, client_id: str, limit: RateLimit) -> float:
    return asyncio.run(limiter.take(client_id, limit))


def test_a_burst_then_one_request_per_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limit = RateLimit(burst=3, per_minute=60)  # one a second
    assert [take(limiter, "a", limit) for _ in range(3)] == [0, 0, 0]
    wait = take(limiter, "a", limit)
    assert 0.99 <= wait <= 1.0 and retry_after(wait) == "1"
    clock.now += 1.0
    assert take(limiter, "a", limit) == 0
    assert take(limiter, "a", limit) > 0


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limit = RateLimit(burst=2, per_minute=60)
    take(limiter, "a", limit)
    clock.now += 3600
    assert [take(limiter, "a", limit) == 0 for _ in range(3)] == [True, True, False]


def test_clients_have_separate_buckets() -> None:
    limiter = RateLimiter(Clock())
    limit = RateLimit(burst=1, per_minute=1)
    assert take(limiter, "a", limit) == 0
    assert take(limiter, "a", limit) > 0
    assert take(limiter, "b", limit) == 0


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert retry_after(0.01) == "1"
    assert retry_after(59.2) == "60"
