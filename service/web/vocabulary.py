"""Bind the app's vocabulary (service/core/vocabulary.py) while a request is handled, so its body, query
and path are checked against the codes of the rules this app answers with."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from service.core.vocabulary import Vocabulary


class BindVocabulary:
    """Pure ASGI middleware; `current` is asked once per request, so a swapped rule book applies whole."""

    def __init__(self, app: ASGIApp, current: Callable[[], Vocabulary]) -> None:
        self.app = app
        self.current = current

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.current().bound():
            await self.app(scope, receive, send)
