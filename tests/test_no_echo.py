"""No error repeats a value from the request. A distinctive value goes into every query parameter, path
parameter, header and body field of every operation in the OpenAPI document (one at a time, into a valid
example body), and unknown fields with names that are not field names go into every object; every error
body is searched for it. Names that look like field names (at most 64 of A-Z, a-z, 0-9, _ and -) may be
named; others never are."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx

from tests.support.paths import ROOT
from tests.support.server import AUTH

MARK = "ZQXJ PATIENT-JANE-DOE-1961"  # the space makes it no field name
LONG_NAME = "ZQXJ" + "x" * 70  # letters only, but longer than 64
SERVICE_ID = "org.nextsteps.opinion-compare"


def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    return document


def leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value in a JSON document that is not an object or a list."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path


def objects(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every object in a JSON document."""
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from objects(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from objects(value, (*path, index))


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def replaced(example: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(example)
    at(changed, path[:-1])[path[-1]] = value
    return changed


def with_unknown_fields(example: Any, path: tuple[Any, ...]) -> Any:
    changed = copy.deepcopy(example)
    target = at(changed, path)
    target[MARK] = 1
    target[LONG_NAME] = MARK
    return changed


def concrete(path: str, decision_id: str, service_id: str = SERVICE_ID) -> str:
    return path.replace("{decision_id}", decision_id).replace("{service_id}", service_id)


def requests() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, url, httpx keyword arguments) for every probe."""
    recorded = "00000000-0000-4000-8000-000000000000"
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            url = concrete(path, recorded)
            for name in query:
                yield method, url, {"params": {name: MARK}}
            for header in ("Accept-Language", "Idempotency-Key", "X-Request-ID"):
                yield method, url, {"headers": {header: MARK}}
            if "{decision_id}" in path:
                yield method, concrete(path, MARK), {}
            if "{service_id}" in path:
                yield method, concrete(path, recorded, MARK), {}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in body:
                example = body["example"]
                for leaf in leaves(example):
                    yield method, url, {"json": replaced(example, leaf, MARK)}
                    yield method, url, {"json": replaced(example, leaf, [MARK, {MARK: MARK}])}
                for place in objects(example):
                    yield method, url, {"json": with_unknown_fields(example, place)}
                yield method, url, {"content": MARK.encode(), "headers": {"content-type": "application/json"}}
                yield method, url, {"content": b"{}", "headers": {"content-type": MARK}}


def test_no_error_body_repeats_a_request_value(client: httpx.Client) -> None:
    probes = list(requests())
    assert len(probes) > 100
    errors = 0
    for method, url, kwargs in probes:
        headers = {**AUTH, **kwargs.pop("headers", {})}
        response = client.request(method.upper(), url, headers=headers, **kwargs)
        assert response.status_code < 500, (method, url, kwargs, response.text)
        if response.status_code >= 400:
            errors += 1
            text = response.text
            assert "ZQXJ" not in text and "JANE-DOE" not in text, (method, url, kwargs, text)
    assert errors > len(probes) // 2


def test_an_unknown_field_that_looks_like_a_name_is_named(client: httpx.Client) -> None:
    body = spec()["paths"]["/v1/recommendations"]["post"]["requestBody"]["content"]["application/json"]
    answer = client.post("/v1/recommendations", json={**body["example"], "pad_2": 1, LONG_NAME: 1})
    assert answer.status_code == 422
    assert {(e["field"], e["reason"]) for e in answer.json()["errors"]} == {
        ("pad_2", "unknown field"),
        ("(an unknown field)", "an unknown field (its name is not repeated)"),
    }
