"""Build the authentication parts from the settings, and say at start-up what is (not) protected."""

from __future__ import annotations

import logging
from collections.abc import Collection

import httpx
from redis.asyncio import Redis

from service.auth.cds_jwt import CdsJwtVerifier
from service.auth.clients import ClientsFileError, Registry, check_tenants, load
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


class UnsafeDeployment(Exception):
    """The settings would accept what must be refused; start-up stops with this message."""


def shared_state_check(settings: Settings, clients: Registry) -> list[str]:
    """Refuse settings under which a CDS Hooks JWT could be accepted wrongly; the warnings to print."""
    jwt_clients = bool(clients.by_issuer) and settings.auth_enabled
    if jwt_clients and not settings.public_base_url:
        raise UnsafeDeployment(
            "CDS Hooks JWT clients are registered but PUBLIC_BASE_URL is not set: a JWT's audience "
            "must be checked against the URL clients use, never against the request's Host header"
        )
    if settings.workers > 1 and not settings.redis_url:
        if jwt_clients:
            raise UnsafeDeployment(
                f"WORKERS={settings.workers} without REDIS_URL: each worker would keep its own used JWT ids, "
                "so a CDS Hooks JWT could be replayed to another worker; set REDIS_URL or WORKERS=1"
            )
        return [
            f"WORKERS={settings.workers} without REDIS_URL: rate limits and JWT replay protection are per "
            "process (each worker allows a client its full rate); set REDIS_URL to share them"
        ]
    return []


def tenants_in_use(settings: Settings, clients: Registry, known: Collection[str]) -> frozenset[str]:
    """The tenants callers belong to: the registered clients' (DEFAULT_TENANT with authentication off).
    Each must have an overrides file (`known`): else ClientsFileError, naming the client or setting."""
    if not settings.auth_enabled:
        tenant = settings.default_tenant
        if tenant is not None and tenant not in known:
            raise ClientsFileError(
                f"DEFAULT_TENANT names tenant {tenant!r}, which has no file in TENANTS_DIR "
                "(each tenant is a file <tenant>.yaml there)"
            )
        return frozenset(() if tenant is None else (tenant,))
    if settings.default_tenant is not None:
        log.warning("DEFAULT_TENANT applies only with AUTH_ENABLED=false; clients name their own tenant.")
    check_tenants(clients, known)
    return frozenset(clients.tenants().values())


def authenticator(settings: Settings, clients: Registry) -> Authenticator | None:
    """For the registered `clients` (`registry(settings)`); None when authentication is off
    (AUTH_ENABLED=false): every caller then has every scope."""
    if not settings.auth_enabled:
        log.warning(
            "AUTHENTICATION IS OFF (AUTH_ENABLED=false): anyone who can reach this service may call "
            "every endpoint. Never run it this way where patient details are sent."
        )
        return None
    for warning in shared_state_check(settings, clients):  # python -m service has refused already
        log.warning(warning)
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
