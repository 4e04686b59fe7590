"""The one way to answer: every entry point (REST, batch, CDS Hooks, and those to come) hands its validated
comparisons here. Answering evaluates them, records each as a decision, and only then counts it.

Order, for one answer: an Idempotency-Key retry is answered from the log (and not counted again); else
the rules answer, the decision is committed (or the store's failure is raised: nothing is shown, nothing
counted), and the metrics count it. The request is kept (hashed, or in full, when so configured) as the
JSON of the validated model, whatever the entry point: what the caller set, nothing it left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from service.core.languages import choose
from service.core.models import RecommendationRequest, RecommendationResponse
from service.core.rulebook import RuleBook
from service.decisions.group_commit import CommitGate
from service.decisions.null_log import NullLog
from service.decisions.schemas import RecordedRecommendation
from service.decisions.service import Answer, DecisionLog, ReplayedAnswer
from service.web import metrics

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Answered:
    """An answer as recorded: the exact bytes to send, their language, and the recommendation itself."""

    body: bytes
    lang: str
    recommendation: RecommendationResponse
    decision_id: uuid.UUID | None  # None when nothing is recorded (DECISION_STORE=off)
    replayed: bool = False  # the first answer to an earlier request with the same Idempotency-Key


def stored_request(request: RecommendationRequest) -> bytes:
    """The request as the decision log keeps and fingerprints it, the same for every entry point."""
    return request.model_dump_json(exclude_unset=True).encode()


def _replayed(answer: Answer) -> Answered:
    recommendation = RecordedRecommendation.model_validate_json(answer.body)
    return Answered(answer.body, answer.lang, recommendation, answer.decision_id, replayed=True)


def _count(recommendation: RecommendationResponse) -> None:
    metrics.observe_answer(
        list(recommendation.rules_fired), [step.code for step in recommendation.next_steps]
    )


class Answering:
    """Recommender (from the rule book each call is given) + decision log + metrics."""

    def __init__(self, log: DecisionLog | NullLog) -> None:
        self.log = log
        self.records = not isinstance(log, NullLog)  # DECISION_STORE=on
        # The log reads a request only to keep it (full or hashed) or, with an Idempotency-Key, to tell a
        # retry from another request; otherwise it is not serialised for it (10 us per request in
        # process, more on a busy event loop; a batch item has no key).
        self.keeps_requests = isinstance(log, DecisionLog) and log.request_storage != "none"

    async def _blocking(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A call to the log: in a worker thread when it reaches a store, inline when it cannot block."""
        if not self.records:
            return call(*args, **kwargs)
        return await run_in_threadpool(call, *args, **kwargs)

    async def answer_one(
        self,
        rules: RuleBook,
        request: RecommendationRequest,
        client_id: str,
        accept_language: str | None = None,
        idempotency_key: str | None = None,
        gate: CommitGate | None = None,
        tenant: str | None = None,
    ) -> Answered:
        """Answer one comparison in the request's `lang`, else the best match for accept_language, as
        the caller's `tenant` shows it (its overrides applied after the rules and the ranking).

        The engine runs on the calling (event loop) thread: it takes well under a millisecond and is
        entered by one thread at a time. The decision joins this process's next group commit, if the
        request (`gate`, service/web/timeout.py) still waits for it then. Raises the log's errors (store
        unavailable, key conflict).
        """
        reads_request = self.keeps_requests or (self.records and idempotency_key is not None)
        body = stored_request(request) if reads_request else b""
        if idempotency_key is not None:
            replayed = await self._blocking(self.log.replay, client_id, idempotency_key, body)
            if replayed is not None:
                return _replayed(replayed)
        lang = choose(request.lang, accept_language, rules.catalog.texts)
        recommendation = rules.recommend(request, lang, tenant)
        stored = await self.log.record_async(recommendation, body, client_id, idempotency_key, lang, gate)
        if isinstance(stored, ReplayedAnswer):  # a request with the same key was recorded in the meantime
            return _replayed(stored)
        _count(recommendation)
        return Answered(stored.body, stored.lang, recommendation, stored.decision_id)

    async def answer_many(
        self,
        rules: RuleBook,
        requests: Sequence[RecommendationRequest],
        client_id: str,
        accept_language: str | None = None,
        gate: CommitGate | None = None,
        tenant: str | None = None,
    ) -> list[Answered]:
        """Answer each comparison, then record them all in one transaction, then count them.

        A large batch takes a while, so it runs on a worker thread and the server keeps answering other
        requests; the engine still takes one evaluation at a time.
        """
        return await run_in_threadpool(
            self._answer_many, rules, requests, client_id, accept_language, gate, tenant
        )

    def _answer_many(
        self,
        rules: RuleBook,
        requests: Sequence[RecommendationRequest],
        client_id: str,
        accept_language: str | None,
        gate: CommitGate | None,
        tenant: str | None,
    ) -> list[Answered]:
        if not requests:
            return []
        answers = []
        for request in requests:
            lang = choose(request.lang, accept_language, rules.catalog.texts)
            body = stored_request(request) if self.keeps_requests else b""
            answers.append((rules.recommend(request, lang, tenant), body, lang))
        stored = self.log.record_many(answers, client_id, gate)
        metrics.observe_answers(
            (rule for recommendation, _, _ in answers for rule in recommendation.rules_fired),
            (step.code for recommendation, _, _ in answers for step in recommendation.next_steps),
        )
        return [
            Answered(kept.body, kept.lang, recommendation, kept.decision_id)
            for (recommendation, _body, _lang), kept in zip(answers, stored, strict=True)
        ]
