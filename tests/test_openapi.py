"""The OpenAPI document is a product: valid, complete, example-rich, and equal to what the app serves."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from service.web.problems import PROBLEM_JSON
from tests.support.paths import ROOT

COMMITTED = ROOT / "openapi" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return loaded


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def contents(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, media type, media object) for every request and response body."""
    for path, method, op in operations(doc):
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            yield f"{method} {path} request", media, content
        for status, response in op["responses"].items():
            for media, content in response.get("content", {}).items():
                yield f"{method} {path} {status}", media, content


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) that resolves #/components refs."""
    return Draft202012Validator(
        {**schema, "components": doc["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def test_the_committed_document_is_what_the_app_serves(client: httpx.Client, doc: dict[str, Any]) -> None:
    assert client.get("/openapi.json").json() == doc


def test_openapi_check_fails_when_the_file_and_the_app_differ(tmp_path: Path, doc: dict[str, Any]) -> None:
    def check(path: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "service.openapi", "check", str(path)]
        # From another directory: the document must not depend on where it is made.
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)

    assert check(COMMITTED).returncode == 0
    stale = copy.deepcopy(doc)
    stale["paths"]["/v1/recommendations"]["post"]["summary"] = "An older summary"
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(stale, indent=2), encoding="utf-8")
    result = check(path)
    assert result.returncode == 1
    assert "make openapi" in result.stderr
    assert "An older summary" in result.stderr


def test_the_document_is_valid_openapi(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any error


def test_the_validator_would_catch_a_broken_document(doc: dict[str, Any]) -> None:
    broken = copy.deepcopy(doc)
    broken["paths"]["/v1/rules"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/NoSuchSchema"
    }
    with pytest.raises(Exception, match="NoSuchSchema"):
        validate(broken)


def test_no_machine_specific_text(doc: dict[str, Any]) -> None:
    text = COMMITTED.read_text(encoding="utf-8")
    assert str(ROOT) not in text
    assert "/home/" not in text and "/tmp/" not in text and "/work/" not in text


def test_operations_have_stable_ids_summaries_and_descriptions(doc: dict[str, Any]) -> None:
    ids = {}
    for path, method, op in operations(doc):
        ids[op["operationId"]] = f"{method} {path}"
        assert op.get("summary", "").strip(), f"{method} {path}"
        assert len(op.get("description", "").strip()) > 20, f"{method} {path}"
    assert ids == {
        "recommendations-create": "post /v1/recommendations",
        "recommendations-get": "get /v1/recommendations/{decision_id}",
        "recommendations-feedback": "post /v1/recommendations/{decision_id}/feedback",
        "recommendations-handout": "get /v1/recommendations/{decision_id}/handout",
        "review-rules": "get /v1/review/rules",
        "review-scenarios": "get /v1/review/scenarios",
        "decisions-list": "get /v1/decisions",
        "decisions-report": "get /v1/decisions/report",
        "recommendations-create-batch": "post /v1/recommendations:batch",
        "metrics-get": "get /metrics",
        "next-steps-list": "get /v1/next-steps",
        "cancer-types-list": "get /v1/cancer-types",
        "rules-list": "get /v1/rules",
        "health-live": "get /healthz",
        "health-ready": "get /readyz",
        "rules-reload": "post /v1/admin/rules:reload",
        "cds-services-discover": "get /cds-services",
        "cds-services-call": "post /cds-services/{service_id}",
        "cds-services-patient-view": "post /cds-services/nextsteps-patient-view",
        "cds-services-feedback": "post /cds-services/{service_id}/feedback",
    }


def test_every_error_is_documented_as_problem_json(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        errors = {status: r for status, r in op["responses"].items() if int(status) >= 400}
        assert "500" in errors, f"{method} {path}"
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(errors), f"{method} {path}"
        for status, response in errors.items():
            assert list(response["content"]) == [PROBLEM_JSON], f"{method} {path} {status}"
            assert response["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_every_body_has_an_example_that_validates(doc: dict[str, Any]) -> None:
    seen = 0
    for where, _media, content in contents(doc):
        assert "example" in content, where
        errors = [e.message for e in validator(doc, content["schema"]).iter_errors(content["example"])]
        assert errors == [], where
        seen += 1
    assert seen >= 25


def test_an_example_that_breaks_its_schema_is_caught(doc: dict[str, Any]) -> None:
    body = doc["paths"]["/v1/recommendations"]["post"]["requestBody"]["content"]["application/json"]
    wrong = copy.deepcopy(body["example"])
    wrong["opinions"][0]["diagnosis"]["cancer_type"] = "not-a-cancer-type"
    del wrong["opinions"][1]["clinician"]
    messages = [e.message for e in validator(doc, body["schema"]).iter_errors(wrong)]
    assert len(messages) == 2


@pytest.mark.parametrize(
    ("path", "operation_id"),
    [
        ("/v1/recommendations", "recommendations-create"),
        ("/v1/recommendations:batch", "recommendations-create-batch"),
        ("/cds-services/nextsteps-opinion-compare", "cds-services-call"),
        ("/cds-services/nextsteps-opinion-compare/feedback", "cds-services-feedback"),
    ],
)
def test_request_examples_are_accepted_by_the_live_server(
    client: httpx.Client, doc: dict[str, Any], path: str, operation_id: str
) -> None:
    op = next(op for _p, _m, op in operations(doc) if op["operationId"] == operation_id)
    example = op["requestBody"]["content"]["application/json"]["example"]
    if (
        operation_id == "cds-services-feedback"
    ):  # feedback is taken on a card the service gave, as a client does
        call = next(op for _p, _m, op in operations(doc) if op["operationId"] == "cds-services-call")
        cards = client.post(
            path.removesuffix("/feedback"), json=call["requestBody"]["content"]["application/json"]["example"]
        ).json()["cards"]
        example = {
            "feedback": [
                {**entry, "card": card["uuid"]}
                for entry, card in zip(example["feedback"], cards, strict=False)
            ]
        }
    response = client.post(path, json=example)
    assert response.status_code == 200, response.text
    answer = op["responses"]["200"].get("content", {}).get("application/json")
    if answer is not None:
        assert [e.message for e in validator(doc, answer["schema"]).iter_errors(response.json())] == []


def test_the_document_names_its_servers(doc: dict[str, Any]) -> None:
    """Swagger UI and ReDoc call the server the document came from; a generated client is told a base URL."""
    assert [s["url"] for s in doc["servers"]] == ["/", "http://127.0.0.1:8000"]
    assert all(s["description"] for s in doc["servers"])


def test_optional_parameters_are_not_nullable(doc: dict[str, Any]) -> None:
    """ReDoc showed "Idempotency-Key (string) or Idempotency-Key (null)"; an unused one is left out."""
    for _path, _method, op in operations(doc):
        for parameter in op.get("parameters", []):
            assert "anyOf" not in parameter["schema"], (op["operationId"], parameter["name"])


def test_every_field_and_parameter_says_what_it_is(doc: dict[str, Any]) -> None:
    """Generated clients turn these into doc comments; ReDoc shows them beside each field."""
    bare = [
        f"{name}.{field}"
        for name, schema in doc["components"]["schemas"].items()
        for field, value in schema.get("properties", {}).items()
        if not value.get("description")
    ]
    bare += [
        f"{op['operationId']}: {parameter['name']}"
        for _path, _method, op in operations(doc)
        for parameter in op.get("parameters", [])
        if not parameter.get("description")
    ]
    assert bare == []


def test_public_descriptions_carry_no_internal_notes(doc: dict[str, Any]) -> None:
    text = json.dumps(doc).lower()
    for note in ("event loop", "thread", "worker", "durable", "gil"):
        assert note not in text, note
