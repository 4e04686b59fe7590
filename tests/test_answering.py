"""One way to answer: REST, batch and CDS Hooks record, count and keep a comparison alike."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr

from service.answering import Answering, stored_request
from service.config import Settings, get_settings
from service.core.models import RecommendationResponse
from service.core.rulebook import RuleBook
from service.decisions.exceptions import StoreUnavailable
from service.decisions.migrate import upgrade
from service.decisions.null_log import NullLog
from service.decisions.schemas import RequestStorage
from service.decisions.service import Answer, DecisionLog
from service.decisions.store import Store
from service.integrations.cds_hooks import HOOK, SERVICE_ID
from service.main import create_app
from tests.support.bodies import STAGES_DIFFER
from tests.support.in_process import Call, send

COMPARISON = STAGES_DIFFER
RULES = RuleBook.load(get_settings().rules_dir)


def hook_call(comparison: dict[str, Any]) -> dict[str, Any]:
    context = {**comparison, "patientId": "1288992", "userId": "Practitioner/example"}
    return {"hook": HOOK, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "context": context}


def counted(answer: dict[str, Any]) -> dict[str, float]:
    """The samples an answer adds to: each fired rule and each next step, current values."""
    found = {
        f"rule {r}": REGISTRY.get_sample_value("nextsteps_rule_firings_total", {"rule": r})
        for r in answer["rules_fired"]
    }
    for step in answer["next_steps"]:
        code = step["code"]
        found[f"step {code}"] = REGISTRY.get_sample_value("nextsteps_next_steps_total", {"code": code})
    return {name: value or 0.0 for name, value in found.items()}


def test_a_cds_hooks_answer_is_counted_like_a_rest_answer() -> None:
    app = create_app(Settings(auth_enabled=False, decision_store="off"))
    [rest] = send(app, Call("POST", "/v1/recommendations", COMPARISON))
    before = counted(rest.json())
    [cds] = send(app, Call("POST", f"/cds-services/{SERVICE_ID}", hook_call(COMPARISON)))
    assert cds.status_code == 200 and cds.json()["cards"]
    after = counted(rest.json())
    assert after == {name: value + 1 for name, value in before.items()}


def test_each_item_of_a_batch_is_counted_like_a_rest_answer() -> None:
    app = create_app(Settings(auth_enabled=False, decision_store="off"))
    [rest] = send(app, Call("POST", "/v1/recommendations", COMPARISON))
    before = counted(rest.json())
    [batch] = send(app, Call("POST", "/v1/recommendations:batch", {"items": [COMPARISON, 42, COMPARISON]}))
    assert batch.json()["answered"] == 2
    assert counted(rest.json()) == {name: value + 2 for name, value in before.items()}


def test_every_entry_point_keeps_the_same_comparison_alike(tmp_path: Path) -> None:
    """With DECISION_REQUEST_STORAGE=hashed, REST, batch and CDS Hooks keep one request hash."""
    url = f"sqlite:///{tmp_path / 'decisions.sqlite3'}"
    upgrade(url)
    settings = Settings(
        auth_enabled=False,
        database_url=SecretStr(url),
        decision_request_storage="hashed",
        decision_request_salt=SecretStr("pepper"),
    )
    app = create_app(settings)
    send(
        app,
        Call("POST", "/v1/recommendations", COMPARISON),
        Call("POST", "/v1/recommendations:batch", {"items": [COMPARISON]}),
        Call("POST", f"/cds-services/{SERVICE_ID}", hook_call(COMPARISON)),
    )
    [listed] = send(app, Call("GET", "/v1/decisions"))
    hashes = [entry["request_sha256"] for entry in listed.json()["decisions"]]
    assert len(hashes) == 3 and len(set(hashes)) == 1 and hashes[0]


class FailingLog(NullLog):
    """A decision store that is down."""

    def record(self, *args: Any, **kwargs: Any) -> Answer:
        raise StoreUnavailable("OperationalError")


def test_nothing_is_counted_when_the_decision_cannot_be_recorded() -> None:
    request = RULES.parse(COMPARISON)
    answer = RULES.recommender.recommend(request)
    before = counted(answer.model_dump())
    with pytest.raises(StoreUnavailable):
        asyncio.run(Answering(FailingLog()).answer_one(RULES, request, "portal"))
    assert counted(answer.model_dump()) == before
    answered = asyncio.run(Answering(NullLog()).answer_one(RULES, request, "portal"))
    assert isinstance(answered.recommendation, RecommendationResponse)
    assert counted(answer.model_dump()) == {name: value + 1 for name, value in before.items()}


def test_a_request_that_loses_an_idempotency_race_is_answered_as_a_replay(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    upgrade(url)
    log = DecisionLog(Store(url))
    answering = Answering(log)
    request = RULES.parse(COMPARISON)
    first = asyncio.run(answering.answer_one(RULES, request, "portal", idempotency_key="k"))
    real, calls = log.replay, []

    def replay(client_id: str, key: str, body: bytes) -> Answer | None:
        calls.append(key)  # the loser's check ran before the winner committed: it saw nothing
        return None if len(calls) == 1 else real(client_id, key, body)

    log.replay = replay  # type: ignore[method-assign,assignment]
    second = asyncio.run(answering.answer_one(RULES, request, "portal", idempotency_key="k"))
    log.store.close()
    assert not first.replayed and second.replayed
    assert second.body == first.body and second.decision_id == first.decision_id


@pytest.mark.parametrize(
    ("storage", "key", "read"),
    [("none", None, False), ("none", "k", True), ("hashed", None, True), ("full", None, True)],
)
def test_the_request_is_serialised_for_the_log_only_when_it_reads_it(
    tmp_path: Path, storage: RequestStorage, key: str | None, read: bool
) -> None:
    """To keep it (full, hashed) or to tell a retry from another request (Idempotency-Key); else not."""
    url = f"sqlite:///{tmp_path / 'kept.sqlite3'}"
    upgrade(url)
    log = DecisionLog(Store(url), storage, b"pepper")
    given: list[bytes] = []
    real = log.record_async

    async def record_async(
        response: RecommendationResponse, body: bytes, *args: Any, **kwargs: Any
    ) -> Answer:
        given.append(body)
        return await real(response, body, *args, **kwargs)

    log.record_async = record_async  # type: ignore[method-assign]
    request = RULES.parse(COMPARISON)
    answered = asyncio.run(Answering(log).answer_one(RULES, request, "portal", idempotency_key=key))
    log.close()
    assert answered.decision_id is not None
    assert given == [stored_request(request) if read else b""]
