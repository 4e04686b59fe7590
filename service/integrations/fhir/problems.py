"""Bad or unusable FHIR as problem+json (422): each error names the entry and element, never a value."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.integrations.fhir.bundle import FhirInvalid
from service.integrations.fhir.reader import TooFewOpinions
from service.web.problem_types import FHIR_TOO_FEW_OPINIONS, INVALID_FHIR
from service.web.problems import FieldError, problem


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FhirInvalid)
    errors = [FieldError(field=e.field, reason=e.reason) for e in exc.errors]
    if isinstance(exc, TooFewOpinions):
        detail = "The FHIR resources do not hold two to ten complete opinions; see errors."
        return problem(FHIR_TOO_FEW_OPINIONS, detail, errors)
    return problem(INVALID_FHIR, f"{len(errors)} FHIR element(s) are not valid; see errors.", errors)


def install(app: FastAPI) -> None:
    app.add_exception_handler(FhirInvalid, _invalid)
