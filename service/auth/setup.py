"""Build the authentication parts from the settings, and say at start-up what is (not) protected."""

from __future__ import annotations

import logging

import httpx
from redis.asyncio import Redis

from service.auth.cds_jwt import CdsJwtVerifier
from service.auth.clients import Registry, load
from service.auth.jwks import JwksSource
from service.auth.middleware import Authenticator
from service.auth.rate_limit import Limiter, RateLimiter, RedisRateLimiter
from service.auth.replay import RedisReplayCache, ReplayCache, UsedIds
from service.config import Settings

log = logging.getLogger("service.auth")
JWKS_TIMEOUT = httpx.Timeout(5.0)


def registry(settings: Settings) -> Registry:
    dev_key = settings.dev_api_key.get_secret_value() if settings.dev_api_key is not None else None
    return load(settings.clients_file, dev_key)


def authenticator(settings: Settings) -> Authenticator | None:
    """None when authentication is off (AUTH_ENABLED=false): every caller then has every scope."""
    if not settings.auth_enabled:
        log.warning(
            "AUTHENTICATION IS OFF (AUTH_ENABLED=false): anyone who can reach this service may call "
            "every endpoint. Never run it this way where patient details are sent."
        )
        return None
    clients = registry(settings)
    if settings.dev_api_key is not None:
        log.warning("DEV_API_KEY is set: a development client `dev` with every scope is active.")
    if not clients.entries:
        log.warning("No client is registered (CLIENTS_FILE, DEV_API_KEY): every API call will get 401.")
    http = httpx.AsyncClient(timeout=JWKS_TIMEOUT, follow_redirects=False)
    sources = {
        entry.cds_hooks.issuer: JwksSource(
            url=entry.cds_hooks.jwks_url,
            file=entry.cds_hooks.jwks_file,
            cache_seconds=settings.jwks_cache_seconds,
            cooldown_seconds=settings.jwks_refresh_cooldown_seconds,
            http=http,
        )
        for entry in clients.entries.values()
        if entry.cds_hooks is not None
    }
    replay: UsedIds
    limiter: Limiter
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        replay = RedisReplayCache(redis, settings.redis_prefix)
        limiter = RedisRateLimiter(redis, settings.redis_prefix)
    else:
        replay, limiter = ReplayCache(), RateLimiter()
    verifier = CdsJwtVerifier(
        registry=clients,
        sources=sources,
        replay=replay,
        leeway_seconds=settings.jwt_leeway_seconds,
        max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
    )
    return Authenticator(
        registry=clients, verifier=verifier, limiter=limiter, public_base_url=settings.public_base_url
    )
