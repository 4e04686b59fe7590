"""Every error a client can cause, as application/problem+json (RFC 9457), in one place."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.web import problem_types as types
from service.web.logs import request_id_var
from service.web.problem_types import ProblemType

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("service.web.problems")
BODY_PARSE_ERROR = "There was an error parsing the body"


class FieldError(BaseModel):
    field: str = Field(description="The field, as a path into the body: `opinions[0].diagnosis.stage`.")
    reason: str = Field(description="What is wrong with it; never the value sent.")


class Problem(BaseModel):
    """An RFC 9457 problem document; ``errors`` names each bad field and why."""

    type: str = Field(description="A URL naming the kind of problem.")
    title: str = Field(description="The kind of problem, in a few words.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request; never a value from it.")
    errors: list[FieldError] | None = Field(
        default=None, description="Each bad field and why, when the body was refused."
    )


class UnsupportedMediaType(Exception):
    """The body is not JSON (415)."""


async def _unsupported(request: Request, exc: Exception) -> JSONResponse:
    return problem(types.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.")


def document(kind: ProblemType, detail: str, errors: list[FieldError] | None = None) -> Problem:
    return Problem(type=kind.uri, title=kind.title, status=kind.status, detail=detail, errors=errors)


def problem(
    kind: ProblemType,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The answer for a problem of this type (service/web/problem_types.py)."""
    body = document(kind, detail, errors)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=kind.status, media_type=PROBLEM_JSON, headers=headers
    )


# A field name is repeated in an error only when it looks like one; any other name (a whole paragraph, a
# patient's name, control characters) is "an unknown field" at its position.
FIELD_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
UNNAMED = "an unknown field"
# Validator messages that quote a piece of the input (pydantic's UUID parser names the bad character).
GENERIC_MESSAGES = {
    "uuid_parsing": "Input should be a valid UUID",
    "uuid_type": "Input should be a valid UUID",
}


def named(part: object) -> bool:
    """Whether a part of a field path may be repeated: an index, or a name that looks like a field name."""
    return isinstance(part, int) or FIELD_NAME.fullmatch(str(part)) is not None


def _field_path(loc: tuple[Any, ...]) -> str:
    """("body", "opinions", 0, "clinician") -> "opinions[0].clinician"; a name that does not look like a
    field name is never repeated: `(an unknown field)` stands in its place."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + (str(part) if named(part) else f"({UNNAMED})")
    return path or "body"


def _reason(error: dict[str, Any]) -> str:
    """The validator's own words, which never echo the submitted value."""
    if error["type"] == "extra_forbidden":
        return "unknown field" if named(error["loc"][-1]) else f"{UNNAMED} (its name is not repeated)"
    if error["type"] == "json_invalid":
        position = error["loc"][-1] if isinstance(error["loc"][-1], int) else None
        where = f" at character {position}" if position is not None else ""
        return f"malformed JSON{where}: {error.get('ctx', {}).get('error', 'cannot be parsed')}"
    if error["type"] == "missing" and error["loc"] == ("body",):
        return "a JSON body is required"
    if error["type"] in ("value_error", "assertion_error") and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])  # our validator's words, without pydantic's "Value error, "
    return GENERIC_MESSAGES.get(error["type"], str(error["msg"]))


def field_errors(errors: list[dict[str, Any]]) -> list[FieldError]:
    """One entry per bad field; a JSON syntax error is about the whole body."""
    return [
        FieldError(
            field="body" if e["type"] == "json_invalid" else _field_path(tuple(e["loc"])), reason=_reason(e)
        )
        for e in errors
    ]


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(list(exc.errors()))
    malformed = any(e.reason.startswith("malformed JSON") for e in errors)
    if malformed:
        return problem(types.MALFORMED_JSON, "The request body is not valid JSON.", errors)
    return problem(types.INVALID_REQUEST, f"{len(errors)} field(s) are not valid; see errors.", errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == BODY_PARSE_ERROR:
        # FastAPI's words for a body that json.loads could not take: invalid UTF-8, or nested too deeply
        reason = "cannot be read as JSON (invalid UTF-8, or nested too deeply)"
        return problem(
            types.MALFORMED_JSON,
            "The request body is not valid JSON.",
            [FieldError(field="body", reason=reason)],
        )
    kind = types.for_http_status(exc.status_code)
    return problem(kind, str(exc.detail), headers=getattr(exc, "headers", None))


def unhandled(exc: Exception, path: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one answer to an error nothing else handled (500), logged by the error's type only."""
    # The log line names the error type only: a message could carry request values.
    log.error("unhandled error", extra={"error_type": type(exc).__name__, "path": path})
    return problem(types.INTERNAL_ERROR, "The service could not answer this request.", headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = request_id_var.get()  # still set: service/web/telemetry.py keeps it when a request fails
    return unhandled(exc, request.url.path, {"x-request-id": request_id} if request_id else None)


def install(app: FastAPI) -> None:
    """Map every error to problem+json."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(UnsupportedMediaType, _unsupported)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


# Documented on every operation that takes a body.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description, "content": {PROBLEM_JSON: {}}}
    for status, description in {
        400: "Malformed JSON.",
        413: "The body is larger than the configured limit.",
        415: "The body is not application/json.",
        422: "A field is not valid; `errors` names each one and why.",
        500: "The service failed; nothing about the request is echoed.",
    }.items()
}
