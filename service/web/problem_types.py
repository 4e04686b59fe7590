"""Every problem type this service answers with (RFC 9457): its slug, title and status, each in one place.

A type's title is the same on every answer of that type; the `detail` says what happened this time.
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "https://nextsteps.example/problems/"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str
    status: int

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug


BAD_REQUEST = ProblemType("bad-request", "Bad request", 400)  # not HTTP/1.1 at all (h11 refused it)
MALFORMED_JSON = ProblemType("malformed-json", "Malformed JSON", 400)
INVALID_HOOK_REQUEST = ProblemType("invalid-hook-request", "Invalid hook request", 400)
UNKNOWN_CARD = ProblemType("unknown-card", "Unknown card", 400)  # CDS Hooks feedback on a card never issued
UNAUTHORIZED = ProblemType("unauthorized", "Unauthorized", 401)
FORBIDDEN = ProblemType("forbidden", "Forbidden", 403)
NOT_FOUND = ProblemType("not-found", "Not found", 404)
DECISION_NOT_FOUND = ProblemType("decision-not-found", "Decision not found", 404)
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", "Method not allowed", 405)
NOT_ACCEPTABLE = ProblemType("not-acceptable", "Not acceptable", 406)
HEADER_TIMEOUT = ProblemType("header-timeout", "Request timeout", 408)
IDEMPOTENCY_KEY_REUSED = ProblemType("idempotency-key-reused", "Idempotency-Key reused", 409)
BODY_TOO_LARGE = ProblemType("body-too-large", "Body too large", 413)
UNSUPPORTED_MEDIA_TYPE = ProblemType("unsupported-media-type", "Unsupported media type", 415)
RULES_REFUSED = ProblemType("rules-refused", "Rules reload refused", 422)
INVALID_REQUEST = ProblemType("invalid-request", "Invalid request", 422)
INVALID_FHIR = ProblemType("invalid-fhir", "Invalid FHIR", 422)
FHIR_TOO_FEW_OPINIONS = ProblemType("fhir-too-few-opinions", "Too few opinions in the FHIR data", 422)
# CDS Hooks: neither the prefetch nor the EHR's FHIR server gave the data the service needs.
FHIR_DATA_UNAVAILABLE = ProblemType("fhir-data-unavailable", "FHIR data unavailable", 412)
RATE_LIMITED = ProblemType("rate-limited", "Too many requests", 429)
HEADERS_TOO_LARGE = ProblemType("headers-too-large", "Request header fields too large", 431)
INTERNAL_ERROR = ProblemType("internal-error", "Internal error", 500)
# A store the answer depends on (the decision store, or the shared store for credentials) is not reachable.
STORE_UNAVAILABLE = ProblemType("store-unavailable", "Store unavailable", 503)
STORE_OFF = ProblemType("store-off", "Decision store switched off", 503)
TIMEOUT = ProblemType("timeout", "Request took too long", 503)
# A worker's connections or batch slots are all taken: retry after the time in Retry-After.
BUSY = ProblemType("busy", "Service busy", 503)

BY_HTTP_STATUS = {kind.status: kind for kind in (UNAUTHORIZED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED)}


def for_http_status(status: int) -> ProblemType:
    """The type of an HTTPException's answer: a known one, else a generic `http-error` of that status."""
    return BY_HTTP_STATUS.get(status) or ProblemType("http-error", "Request failed", status)
