"""Decision-log errors as application/problem+json. Nothing from the request is echoed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.decisions.exceptions import (
    Abandoned,
    BadCursor,
    DecisionNotFound,
    IdempotencyConflict,
    StepNotInDecision,
    StoreOff,
    StoreUnavailable,
)
from service.web import problem_types as types
from service.web.problems import FieldError, problem

log = logging.getLogger("service.decisions")
RETRY_AFTER_S = "5"


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem(types.DECISION_NOT_FOUND, "No decision has this id.")


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        types.IDEMPOTENCY_KEY_REUSED,
        "This Idempotency-Key was sent before with a different body; use a new key for a new request.",
        [FieldError(field="Idempotency-Key", reason="already used with a different body")],
    )


def _invalid_field(field: str, reason: str) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """A handler answering 422 for one field the request validation could not judge on its own."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return problem(
            types.INVALID_REQUEST,
            "1 field(s) are not valid; see errors.",
            [FieldError(field=field, reason=reason)],
        )

    return handler


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("decision store unavailable", extra={"error_type": str(exc), "path": request.url.path})
    return problem(
        types.STORE_UNAVAILABLE,
        "The decision could not be recorded or read, so no answer is given. Try again shortly.",
        headers={"Retry-After": RETRY_AFTER_S},
    )


async def _abandoned(request: Request, exc: Exception) -> JSONResponse:
    """The request gave up before its decision was committed (normally answered by the time limit)."""
    return problem(
        types.TIMEOUT,
        "The request was not completed in time, and nothing was recorded; send it again.",
        headers={"Retry-After": "1"},
    )


async def _off(request: Request, exc: Exception) -> JSONResponse:
    return problem(types.STORE_OFF, "This service runs with DECISION_STORE=off: no decisions are recorded.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DecisionNotFound, _not_found)
    app.add_exception_handler(IdempotencyConflict, _conflict)
    app.add_exception_handler(
        StepNotInDecision, _invalid_field("step_code", "not a next step of this decision")
    )
    app.add_exception_handler(BadCursor, _invalid_field("cursor", "not a cursor this service issued"))
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(StoreOff, _off)
    app.add_exception_handler(Abandoned, _abandoned)
