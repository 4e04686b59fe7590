"""The CDS Hooks client JWT (spec 2.0, "Trusting CDS Clients"): signed with an asymmetric key the client
publishes in its JWKS, `iss` registered, `aud` our endpoint, short-lived, `jti` used once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt

from service.auth.clients import Client, Registry
from service.auth.jwks import JwksSource
from service.auth.replay import UsedIds

# Asymmetric only: `none` and the HMAC family (HS*) are never accepted.
ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
KEY_TYPE = {"ES": "EC", "RS": "RSA", "PS": "RSA"}
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]


class TokenRefused(Exception):
    """Why a token was refused, as a short code for the log; the client is told only "not valid"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not-yet-valid"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.MissingRequiredClaimError, "missing-claim"),
    (jwt.InvalidSignatureError, "signature"),
    (jwt.InvalidAlgorithmError, "algorithm"),
)


class CdsJwtVerifier:
    def __init__(
        self,
        *,
        registry: Registry,
        sources: dict[str, JwksSource],
        replay: UsedIds,
        leeway_seconds: int,
        max_lifetime_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._registry = registry
        self._sources = sources
        self._replay = replay
        self._leeway = leeway_seconds
        self._max_lifetime = max_lifetime_seconds
        self._clock = clock

    async def verify(self, token: str, audiences: list[str]) -> Client:
        """The registered client that signed this token for one of `audiences`, or TokenRefused."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenRefused("malformed") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise TokenRefused("algorithm")
        kid = header.get("kid")
        issuer = unverified.get("iss")
        if not isinstance(kid, str) or not isinstance(issuer, str):
            raise TokenRefused("missing-kid-or-iss")
        client_id = self._registry.by_issuer.get(issuer)
        source = self._sources.get(issuer)
        if client_id is None or source is None:
            raise TokenRefused("issuer")
        jwk = await source.key(kid)
        if jwk is None:
            raise TokenRefused("unknown-key")
        claims = self._decode(token, jwk, alg, issuer, audiences)
        now = self._clock()
        exp = claims["exp"]  # a number PyJWT has compared with now; it may still be too big for a float
        if not isinstance(exp, int | float) or exp > now + self._max_lifetime + self._leeway:
            raise TokenRefused("lifetime")
        jti = claims["jti"]
        if not isinstance(jti, str) or not 0 < len(jti) <= 256:
            raise TokenRefused("jti")
        if not await self._replay.first_use(issuer, jti, until=exp + self._leeway):
            raise TokenRefused("replayed")
        return self._registry.client(client_id)

    def _decode(
        self, token: str, jwk: dict[str, Any], alg: str, issuer: str, audiences: list[str]
    ) -> dict[str, Any]:
        if jwk.get("kty") != KEY_TYPE[alg[:2]] or jwk.get("alg", alg) != alg:
            raise TokenRefused("key-algorithm-mismatch")
        try:
            key = jwt.PyJWK(jwk, algorithm=alg)
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audiences,
                issuer=issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            reason = next((r for kind, r in _REASONS if isinstance(exc, kind)), "invalid")
            raise TokenRefused(reason) from None
        except (OverflowError, ValueError, TypeError):  # a claim such as exp: 1e400 (infinite) or 10**400
            raise TokenRefused("claim-out-of-range") from None
        return claims
