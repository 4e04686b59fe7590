"""The document the app serves: FastAPI's schema with examples, problem+json errors, headers, security."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from service.core.models import RecommendationRequest
from service.core.rulebook import RuleBook
from service.openapi import security
from service.web.limits import FHIR_JSON
from service.web.problems import PROBLEM_JSON

EXAMPLES = Path(__file__).resolve().parent / "examples.json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
REF_TEMPLATE = "#/components/schemas/{model}"
# Operations whose patient-facing text follows Accept-Language / `lang`.
LANGUAGE_AWARE = {
    "recommendations-create",
    "recommendations-handout",
    "next-steps-list",
    "cancer-types-list",
    "cds-services-call",
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

TAGS = [
    {"name": "recommendations", "description": "Opinions in, ranked and explained next steps out."},
    {
        "name": "decisions",
        "description": "Every answer kept: fetch it again, give feedback, audit and report.",
    },
    {"name": "reference", "description": "The next-step catalog, cancer types and the loaded rules."},
    {"name": "cds-hooks", "description": "HL7 CDS Hooks 2.0: the same comparison, answered as cards."},
    {"name": "operations", "description": "Liveness and readiness."},
]


def _problem_responses(operation: dict[str, Any]) -> None:
    """Every error response is application/problem+json with the Problem schema; FastAPI's own
    422 (HTTPValidationError) is never sent by this service, so it is dropped."""
    responses = operation["responses"]
    for status in list(responses):
        response = responses[status]
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref", "").endswith("/HTTPValidationError"):
            del responses[status]
    for response in responses.values():
        if response.get("content", {}).get("application/json", {}).get("schema") == {}:
            del response["content"]  # an answer without a body
    if "500" not in responses:
        responses["500"] = {"description": "The service failed; nothing about the request is echoed."}
    for status, response in responses.items():
        if int(status) >= 400:
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def _examples(operation: dict[str, Any], examples: dict[str, Any]) -> None:
    """Attach the request and response examples kept in examples.json."""
    op_id = operation["operationId"]
    mine = examples["operations"].get(op_id, {})
    body = operation.get("requestBody", {}).get("content", {})
    for media, key in (("application/json", "request"), (FHIR_JSON, "request_fhir")):
        if media in body:
            body[media]["example"] = mine[key]
    for status, response in operation["responses"].items():
        for media, content in response.get("content", {}).items():
            if media == PROBLEM_JSON:
                content["example"] = mine.get("problems", {}).get(status) or examples["problems"][status]
            elif media in mine.get("media", {}):  # a second media type of one response (the handout's PDF)
                content["example"] = mine["media"][media]
            else:
                content["example"] = mine["responses"][status]


# Swagger UI and ReDoc call the server that serves the document; generated clients take a base URL.
SERVERS = [
    {"url": "/", "description": "The server this document was fetched from."},
    {"url": "http://127.0.0.1:8000", "description": "A local server started with `make run`."},
]


def _optional_parameters(operation: dict[str, Any]) -> None:
    """An optional header or query parameter is left out when unused: `string`, not `string or null`."""
    for parameter in operation.get("parameters", []):
        schema = parameter["schema"]
        kinds = schema.get("anyOf", [])
        if not parameter.get("required") and {"type": "null"} in kinds and len(kinds) == 2:
            (kind,) = (k for k in kinds if k != {"type": "null"})
            del schema["anyOf"]
            schema.update(kind)


def _language_header(operation: dict[str, Any], languages: list[str]) -> None:
    if operation["operationId"] in LANGUAGE_AWARE:
        operation["responses"]["200"]["headers"] = {
            "Content-Language": {
                "description": "The language of the patient-facing text.",
                "schema": {"type": "string", "enum": languages},
            }
        }


def _add_schema(schemas: dict[str, Any], model: type[BaseModel]) -> None:
    """A model's schema, and those it refers to, under components.schemas unless there already."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault(model.__name__, schema)


def build(app: FastAPI) -> dict[str, Any]:
    """The document of this app: its codes (cancer types, steps, languages) are those of its rules."""
    rules: RuleBook = app.state.live_rules.current
    with rules.vocabulary.bound():
        doc = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=TAGS,
            servers=SERVERS,
        )
    security.add(doc, app)
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    languages = sorted(rules.catalog.texts)
    for path in doc["paths"].values():
        for method, operation in path.items():
            if method in HTTP_METHODS:
                _problem_responses(operation)
                _optional_parameters(operation)
                _examples(operation, examples)
                _language_header(operation, languages)
    schemas = doc["components"]["schemas"]
    with rules.vocabulary.bound():  # named by POST /v1/recommendations' two media types
        _add_schema(schemas, RecommendationRequest)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def install(app: FastAPI) -> None:
    """Serve the built document at /openapi.json (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return copy.deepcopy(app.openapi_schema)

    app.openapi = openapi  # type: ignore[method-assign]
