"""The jti cache and the JWKS cache, on clocks the test moves."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from service.auth.jwks import JwksSource
from service.auth.replay import ReplayCache
from tests.support.auth import SigningKey
from tests.support.fakes import Clock


def test_a_jti_is_accepted_once_until_its_token_expires() -> None:
    clock = Clock()
    cache = ReplayCache(clock)
    assert asyncio.run(cache.first_use("iss", "j1", until=1300))
    assert not asyncio.run(cache.first_use("iss", "j1", until=1300))
    assert asyncio.run(cache.first_use("other-iss", "j1", until=1300))  # ids are per issuer
    clock.now = 1301  # the token has expired: it can no longer be used anyway, so the id is forgotten
    assert asyncio.run(cache.first_use("iss", "j2", until=1600))
    assert len(cache) == 1


def test_a_full_cache_refuses_rather_than_forgets() -> None:
    cache = ReplayCache(Clock(), max_entries=2)
    assert asyncio.run(cache.first_use("i", "a", until=2000)) and asyncio.run(
        cache.first_use("i", "b", until=2000)
    )
    assert not asyncio.run(cache.first_use("i", "c", until=2000))


def test_an_unknown_kid_refetches_at_most_once_per_cooldown(tmp_path: Path) -> None:
    old, new = SigningKey("ES384"), SigningKey("ES384")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [old.jwk()]}))
    clock = Clock()

    async def run() -> None:
        async with httpx.AsyncClient() as http:
            source = JwksSource(file=path, cache_seconds=3600, cooldown_seconds=10, http=http, clock=clock)
            assert (await source.key(old.kid)) is not None
            path.write_text(json.dumps({"keys": [old.jwk(), new.jwk()]}))
            clock.now += 5  # inside the cooldown: no refetch for an unknown kid
            assert await source.key(new.kid) is None
            clock.now += 6
            found = await source.key(new.kid)
            assert found is not None and "d" not in found  # never a private part
            path.write_text("not json")  # a broken refresh keeps the keys we had
            clock.now += 3600
            assert await source.key(old.kid) is not None

    asyncio.run(run())


def test_private_parts_and_encryption_keys_are_dropped(tmp_path: Path) -> None:
    key = SigningKey("ES384")
    import jwt

    private = jwt.algorithms.ECAlgorithm.to_jwk(key.private, as_dict=True)
    path = tmp_path / "jwks.json"
    path.write_text(
        json.dumps({"keys": [{**private, "kid": "k1"}, {**key.jwk(), "kid": "k2", "use": "enc"}]})
    )

    async def run() -> None:
        async with httpx.AsyncClient() as http:
            source = JwksSource(file=path, cache_seconds=60, cooldown_seconds=0, http=http)
            held = await source.key("k1")
            assert held is not None and "d" not in held
            assert await source.key("k2") is None

    asyncio.run(run())
