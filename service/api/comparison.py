"""The body of POST /v1/recommendations, by its media type: our JSON contract, or a FHIR R4 Bundle.

FastAPI's own body parsing is replaced here (one dependency), so both media types share one route and
one path to the answer; the JSON errors are the same ones FastAPI gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from service.api.deps import FhirReaderDep, RulesDep
from service.core.fhir_report import FhirReport
from service.core.models import RecommendationRequest
from service.web.limits import FHIR_JSON, media_type
from service.web.problems import BODY_PARSE_ERROR

FHIR_BUNDLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "FhirBundle",
    "description": (
        "A FHIR R4 Bundle (mCODE profiles welcome) holding the patient's Conditions, stage Observations, "
        "Procedures, MedicationRequests, CarePlans or ServiceRequests, and the Practitioners and "
        "PractitionerRoles behind them; mapped to opinions by rules/fhir/*.yaml."
    ),
    "required": ["resourceType"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "entry": {"type": "array", "maxItems": 2000, "items": {"type": "object"}},
    },
}
REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/RecommendationRequest"}},
            FHIR_JSON: {"schema": FHIR_BUNDLE_SCHEMA},
        },
    }
}


@dataclass(frozen=True)
class Comparison:
    """What to compare and (from FHIR) what was derived."""

    request: RecommendationRequest
    fhir: FhirReport | None = None


def _json(raw: bytes) -> Any:
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error"}
        raise RequestValidationError([{**error, "ctx": {"error": exc.msg}}]) from None
    except (ValueError, RecursionError):  # invalid UTF-8, or nested too deeply
        raise HTTPException(400, BODY_PARSE_ERROR) from None


async def read_comparison(request: Request, fhir: FhirReaderDep, rules: RulesDep) -> Comparison:
    raw = await request.body()
    if media_type(request.headers.get("content-type", "")) == FHIR_JSON:
        derived = fhir.read_bundle(raw, rules)  # FhirInvalid: 422 via service.integrations.fhir.problems
        return Comparison(derived.request, derived.report)
    try:
        body = rules.parse(_json(raw))
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None
    return Comparison(body)


ComparisonDep = Annotated[Comparison, Depends(read_comparison)]
