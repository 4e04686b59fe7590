"""CDS Hooks 2.0 on the live server, checked against the spec's examples in ../shared/cds-hooks-examples."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from service.integrations.cds_hooks import HOOK, SERVICE_ID
from tests.support.bodies import opinion
from tests.support.paths import ROOT

SPEC = ROOT.parent / "shared" / "cds-hooks-examples"
CALL = f"/cds-services/{SERVICE_ID}"


def spec(name: str) -> Any:
    return json.loads((SPEC / name).read_text(encoding="utf-8"))


def hook_call(context: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    comparison = {
        "opinions": [
            opinion("breast", "II", ("surgery",), specialty="surgical_oncology"),
            opinion("breast", "III", ("chemotherapy", "surgery"), tumor_focus="breast", explained=True),
        ],
        "time_sensitive": False,
        "patientId": "1288992",
        "userId": "Practitioner/example",
    }
    return {
        "hook": HOOK,
        "hookInstance": str(uuid.uuid4()),
        "context": {**comparison, **(context or {})},
        **overrides,
    }


def rest_body(call: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in call["context"].items() if k not in ("patientId", "userId")}


def same_shape(ours: Any, theirs: Any, where: str = "") -> None:
    """Every key the spec's example has is in ours, with a value of the same JSON type (recursively)."""
    assert type(ours) is type(theirs) or {type(ours), type(theirs)} <= {int, float}, where
    if isinstance(theirs, dict):
        for key, value in theirs.items():
            assert key in ours, f"{where}.{key} missing"
            same_shape(ours[key], value, f"{where}.{key}")
    elif isinstance(theirs, list) and theirs and ours:
        same_shape(ours[0], theirs[0], f"{where}[0]")


def test_discovery_has_the_spec_shape(client: httpx.Client) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    ours = response.json()
    example = spec("discovery-response.json")
    for service in example["services"]:
        same_shape(ours, {"services": [{k: v for k, v in service.items() if k != "prefetch"}]})
    (service,) = [s for s in ours["services"] if s["hook"] != "patient-view"]
    assert service["hook"] == HOOK == "org.nextsteps.opinion-compare"
    assert service["id"] == SERVICE_ID
    assert "prefetch" not in service  # the context carries everything


def test_one_card_per_next_step_in_rank_order(client: httpx.Client) -> None:
    call = hook_call()
    response = client.post(CALL, json=call)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    answer = client.post("/v1/recommendations", json=rest_body(call)).json()
    # The spec's first card, less what we do not send: an icon (optional) and SMART app links.
    spec_card = spec("card-response.json")["cards"][0]
    del spec_card["source"]["icon"]
    spec_card["links"] = [link for link in spec_card["links"] if link["type"] == "absolute"]
    assert [c["summary"] for c in cards] == [s["title"] for s in answer["next_steps"]]
    for card, step in zip(cards, answer["next_steps"], strict=True):
        same_shape(card, spec_card)
        same_shape(card, {"overrideReasons": spec("card-response.json")["cards"][1]["overrideReasons"]})
        assert len(card["summary"]) < 140
        assert card["indicator"] == "info"
        assert uuid.UUID(card["uuid"])
        assert card["source"]["label"] == "nextsteps"
        assert card["source"]["url"].endswith("/redoc")
        assert card["links"] == [
            {"label": r["title"], "url": r["url"], "type": "absolute"} for r in step["resources"]
        ]
        assert step["summary"] in card["detail"]
        assert f"- {step['reasons'][0]['text']}" in card["detail"]  # markdown list of reasons
        assert f"1. {step['questions_to_ask'][0]}" in card["detail"]
        assert answer["disclaimer"] in card["detail"]
        assert all(r["display"] and r["code"] for r in card["overrideReasons"])
    assert len({c["uuid"] for c in cards}) == len(cards)


def test_time_sensitive_cards_are_warnings(client: httpx.Client) -> None:
    cards = client.post(CALL, json=hook_call({"time_sensitive": True})).json()["cards"]
    assert cards[0]["summary"] == "Ask if it is safe to take time to decide"
    assert {c["indicator"] for c in cards} == {"warning"}


def test_cards_follow_the_language(client: httpx.Client) -> None:
    by_header = client.post(CALL, json=hook_call(), headers={"Accept-Language": "es;q=0.9, en;q=0.5"})
    assert by_header.headers["content-language"] == "es"
    by_field = client.post(CALL, json=hook_call({"lang": "es"}), headers={"Accept-Language": "en"})
    assert by_field.headers["content-language"] == "es"
    for response in (by_header, by_field):
        detail = response.json()["cards"][0]["detail"]
        assert "No es un consejo médico." in detail


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (hook_call(hook="patient-view"), "hook"),
        (hook_call(hookInstance="not-a-uuid"), "hookInstance"),
        ({k: v for k, v in hook_call().items() if k != "context"}, "context"),
        (hook_call({"opinions": [opinion()]}), "context.opinions"),
        (hook_call({"completed_steps": ["fly_to_the_moon"]}), "context.completed_steps[0]"),
        (hook_call({"favourite_colour": "blue"}), "context.favourite_colour"),
    ],
)
def test_an_invalid_hook_call_is_400_naming_the_field(
    client: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = client.post(CALL, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in [e["field"] for e in problem["errors"]]
    assert "blue" not in response.text and "fly_to_the_moon" not in response.text


def test_malformed_json_is_400(client: httpx.Client) -> None:
    response = client.post(CALL, content=b'{"hook": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{}", id="empty-object"),
        pytest.param(b'{"hook": ', id="malformed"),
        pytest.param(b'{"hook": "patient-view"}', id="invalid"),
        pytest.param(json.dumps(hook_call()).encode(), id="valid-call"),
        pytest.param(json.dumps(spec("feedback-overridden-with-reason.json")).encode(), id="valid-feedback"),
    ],
)
@pytest.mark.parametrize("path", ["/cds-services/no-such-service", "/cds-services/no-such-service/feedback"])
def test_an_unknown_service_is_404_whatever_the_body(client: httpx.Client, path: str, body: bytes) -> None:
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


def metric_total(client: httpx.Client, name: str) -> float:
    """The sum of a counter's samples on the live server's /metrics."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in client.get("/metrics").text.splitlines()
        if line.startswith(name + "{") or line.startswith(name + " ")
    )


def test_the_spec_feedback_example_is_accepted_for_one_of_our_cards(client: httpx.Client) -> None:
    example = spec("feedback-overridden-with-reason.json")
    example["feedback"][0]["card"] = client.post(CALL, json=hook_call()).json()["cards"][0]["uuid"]
    response = client.post(f"{CALL}/feedback", json=example)
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    "card",
    [
        pytest.param(None, id="the-spec-example-card"),
        pytest.param("<a card uuid>", id="not-a-uuid"),
        pytest.param(str(uuid.uuid4()), id="a-uuid-never-issued"),
    ],
)
def test_feedback_on_a_card_never_issued_is_refused_and_not_counted(
    client: httpx.Client, card: str | None
) -> None:
    """The spec names no status for this; like every invalid hook request here, it is 400 (problem+json)."""
    ours = client.post(CALL, json=hook_call()).json()["cards"][0]["uuid"]
    example = spec("feedback-overridden-with-reason.json")
    stranger = {**example["feedback"][0], **({"card": card} if card else {})}
    mine = {"card": ours, "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00Z"}
    before = metric_total(client, "nextsteps_cds_feedback_total")
    response = client.post(f"{CALL}/feedback", json={"feedback": [mine, stranger]})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "feedback[1].card", "reason": "not a card this service gave you"}
    ]
    assert stranger["card"] not in response.text  # never echoed
    assert metric_total(client, "nextsteps_cds_feedback_total") == before  # not even the good entry


def test_feedback_on_our_cards_is_accepted(client: httpx.Client) -> None:
    card = client.post(CALL, json=hook_call()).json()["cards"][0]
    reason = card["overrideReasons"][0]
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": reason, "userComment": "Done last week."},
                "outcomeTimestamp": "2026-11-25T10:01:00+01:00",
            },
            {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00Z"},
        ]
    }
    same_shape(feedback, spec("feedback-overridden-with-reason.json"))
    assert client.post(f"{CALL}/feedback", json=feedback).status_code == 200


@pytest.mark.parametrize(
    "entry",
    [
        {"card": "x", "outcome": "ignored", "outcomeTimestamp": "2026-11-25T10:00:00Z"},
        {"card": "x", "outcome": "accepted"},
        {"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00"},  # no time zone
    ],
)
def test_bad_feedback_is_400(client: httpx.Client, entry: dict[str, Any]) -> None:
    response = client.post(f"{CALL}/feedback", json={"feedback": [entry]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("feedback[0].")
