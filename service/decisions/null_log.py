"""The decision log when DECISION_STORE=off: nothing is kept, and an answer has no decision_id."""

from __future__ import annotations

from collections.abc import Sequence

from service.core.catalog import DEFAULT_LANG
from service.core.models import RecommendationResponse
from service.decisions.group_commit import CommitGate
from service.decisions.service import Answer


class NullLog:
    """Takes the calls of DecisionLog that answering makes, and records nothing (for measurement only)."""

    def replay(self, client_id: str, idempotency_key: str, body: bytes) -> Answer | None:
        return None  # nothing is kept, so a retry is answered again

    def record(
        self,
        response: RecommendationResponse,
        body: bytes,
        client_id: str | None = None,
        idempotency_key: str | None = None,
        lang: str = DEFAULT_LANG,
    ) -> Answer:
        return Answer(response.model_dump_json().encode(), lang, None)

    async def record_async(
        self,
        response: RecommendationResponse,
        body: bytes,
        client_id: str | None = None,
        idempotency_key: str | None = None,
        lang: str = DEFAULT_LANG,
        gate: CommitGate | None = None,
    ) -> Answer:
        return self.record(response, body, client_id, idempotency_key, lang)

    def record_many(
        self,
        answers: Sequence[tuple[RecommendationResponse, bytes, str]],
        client_id: str | None = None,
        gate: CommitGate | None = None,
    ) -> list[Answer]:
        return [self.record(response, body, client_id, None, lang) for response, body, lang in answers]
