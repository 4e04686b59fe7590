"""POST /v1/recommendations:batch: each item answered or refused on its own."""

from __future__ import annotations

import json
from typing import Any

import httpx

from service.batch import BatchResponse
from service.config import Settings
from service.main import create_app
from tests.support.bodies import load_scenarios, opinion
from tests.support.in_process import Call, send
from tests.support.server import AUTH, running_server

URL = "/v1/recommendations:batch"


def test_each_item_is_answered_as_the_single_endpoint_would(client: httpx.Client) -> None:
    items = [s["request"] for s in load_scenarios()]
    response = client.post(URL, json={"items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answered"] == len(items) and body["refused"] == 0
    for index, (item, result) in enumerate(zip(items, body["results"], strict=True)):
        assert result["index"] == index and result["status"] == 200
        single = client.post("/v1/recommendations", json=item).json()
        assert single.pop("decision_id") != result["decision_id"]  # each is its own decision
        assert result["recommendation"] == single


def test_a_bad_item_is_refused_alone_with_its_fields_named(client: httpx.Client) -> None:
    good = {"opinions": [opinion(), opinion("lung")]}
    bad_field = {"opinions": [opinion(), {**opinion(), "diagnosis": {"cancer_type": "brest"}}]}
    items: list[Any] = [good, bad_field, 42, good]
    body = client.post(URL, json={"items": items}).json()
    assert [r["status"] for r in body["results"]] == [200, 422, 422, 200]
    assert [("decision_id" in r) for r in body["results"]] == [True, False, False, True]
    assert (body["answered"], body["refused"]) == (2, 2)
    fields = [e["field"] for e in body["results"][1]["problem"]["errors"]]
    assert fields == ["opinions[1].diagnosis.cancer_type"]
    assert body["results"][2]["problem"]["errors"][0]["field"] == "item"
    assert "recommendation" not in body["results"][1]


def test_a_thousand_items_are_answered(client: httpx.Client) -> None:
    items = [{"opinions": [opinion(), opinion(stage=s)]} for s in ["I", "II", "III", "IV"] * 250]
    body = client.post(URL, json={"items": items}, timeout=120).json()
    assert body["answered"] == 1000
    assert {r["recommendation"]["consensus"] for r in body["results"]} == {"agree", "disagree"}


def test_more_than_a_thousand_items_or_none_are_refused(client: httpx.Client) -> None:
    item = {"opinions": [opinion(), opinion()]}
    for items in ([item] * 1001, []):
        response = client.post(URL, json={"items": items})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "items"


def test_the_batch_body_has_its_own_limit() -> None:
    item = {"opinions": [opinion(), opinion()]}
    with running_server(MAX_BATCH_BODY_BYTES="4096") as base:
        assert httpx.post(base + URL, json={"items": [item] * 5}, headers=AUTH).status_code == 200
        response = httpx.post(base + URL, json={"items": [item] * 40}, headers=AUTH)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"


def test_each_answered_item_is_recorded_as_a_decision(client: httpx.Client) -> None:
    items: list[Any] = [
        {"opinions": [opinion(), opinion("lung")]},
        {"opinions": []},
        {"opinions": [opinion()] * 2},
    ]
    body = client.post(URL, json={"items": items}, headers={"accept-language": "es"}).json()
    answered = [r for r in body["results"] if r["status"] == 200]
    assert len(answered) == 2
    for result in answered:
        stored = client.get(f"/v1/recommendations/{result['decision_id']}")
        assert stored.status_code == 200
        assert stored.headers["content-language"] == "es"
        assert stored.json() == {**result["recommendation"], "decision_id": result["decision_id"]}


def as_the_model_writes_it(content: bytes) -> bytes:
    """The JSON of the batch's model, None fields left out, as the route documents it."""
    return BatchResponse.model_validate_json(content).model_dump_json(exclude_none=True).encode()


MIXED: list[Any] = [
    *[s["request"] for s in load_scenarios()[:6]],
    {"opinions": [opinion(), {**opinion(), "diagnosis": {"cancer_type": "brest"}}]},
    42,
    {**load_scenarios()[0]["request"], "lang": "es"},
]


def test_the_batch_is_the_json_of_its_model_and_each_item_the_bytes_kept(client: httpx.Client) -> None:
    response = client.post(URL, json={"items": MIXED})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.content == as_the_model_writes_it(response.content)
    for result in response.json()["results"]:
        if result["status"] == 200:  # the recommendation's bytes are those of the decision, id aside
            kept = client.get(f"/v1/recommendations/{result['decision_id']}").content
            shown = json.dumps(result["recommendation"], ensure_ascii=False, separators=(",", ":"))
            assert kept == f'{shown[:-1]},"decision_id":"{result["decision_id"]}"}}'.encode()


def test_with_nothing_recorded_the_batch_is_still_the_json_of_its_model() -> None:
    app = create_app(Settings(auth_enabled=False, decision_store="off"))
    [response] = send(app, Call("POST", URL, {"items": MIXED}))
    assert response.status_code == 200
    assert response.content == as_the_model_writes_it(response.content)
    assert [("decision_id" in r) for r in response.json()["results"]] == [False] * len(MIXED)


def test_an_unknown_top_level_field_is_refused(client: httpx.Client) -> None:
    response = client.post(URL, json={"items": [{"opinions": [opinion(), opinion()]}], "pad": "x" * 1000})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["pad"]


def test_a_body_dense_with_json_values_is_refused_before_it_is_parsed(client: httpx.Client) -> None:
    dense = b'{"items": [' + b"{}," * 700_000 + b"{}]}"  # 2 MiB, under the byte limit
    response = client.post(URL, content=dense, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "JSON values" in response.json()["detail"]


def test_only_the_batch_route_has_the_batch_body_limit(client: httpx.Client) -> None:
    body = json.dumps({"pad": "x" * 100_000})  # over the 64 KiB limit, under the batch one
    for path in ("/cds-services/x:batch", "/v1/recommendations:batchx", "/v1/x:batch"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 413, path
