"""Security headers on every response.

- `Content-Security-Policy`: API answers are data, so nothing may load (`default-src 'none'`); the docs
  pages set their own, narrower policy (service/api/routes/docs.py).
- `Strict-Transport-Security` is sent always (HSTS_MAX_AGE_SECONDS, 0 turns it off): browsers ignore it
  over plain HTTP, and behind a TLS-terminating proxy the service cannot see that the client used HTTPS.
- `Cache-Control: no-store` on everything but the versioned docs assets: answers carry patient details.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.web.problems import unhandled

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CACHEABLE_PREFIX = "/docs/assets/"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts_max_age: int) -> None:
        self.app = app
        self.fixed = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        if hsts_max_age > 0:
            self.fixed["Strict-Transport-Security"] = f"max-age={hsts_max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(CACHEABLE_PREFIX)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in self.fixed.items():
                    headers[name] = value
                headers.setdefault("Content-Security-Policy", API_CSP)
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # Starlette answers an unhandled error outside every middleware, without these headers:
            # answer here instead, as service.web.problems would.
            if started:
                raise
            await unhandled(exc, scope["path"])(scope, receive, send_with_headers)
