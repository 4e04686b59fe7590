"""HL7 CDS Hooks 2.0: the documents of our one service and how a recommendation becomes cards.

No standard hook carries opinion comparisons, so the service answers a custom hook named in
reverse-domain notation whose `context` is the REST request body (plus the usual ids).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

from service.core.models import NextStep, RecommendationRequest, RecommendationResponse

HOOK = "org.nextsteps.opinion-compare"
SERVICE_ID = "nextsteps-opinion-compare"
SOURCE_LABEL = "nextsteps"
OVERRIDE_SYSTEM = "https://nextsteps.example/cds-hooks/override-reasons"
SUMMARY_LIMIT = 139  # the spec: "<140 characters"


class Coding(BaseModel):
    """A code from a code system (the spec's Coding)."""

    code: StrictStr = Field(description="The code.", max_length=200)
    system: StrictStr | None = Field(
        description="The code system the code is from.", default=None, max_length=500
    )
    display: StrictStr | None = Field(
        description="The code in words, for people.", default=None, max_length=500
    )


# Offered on every card; a clinician picks one when dismissing it.
OVERRIDE_REASONS = (
    Coding(code="already-done", system=OVERRIDE_SYSTEM, display="The patient has already done this"),
    Coding(code="not-relevant", system=OVERRIDE_SYSTEM, display="Not relevant for this patient"),
    Coding(code="patient-declined", system=OVERRIDE_SYSTEM, display="The patient does not want this"),
)


class CdsService(BaseModel):
    hook: str = Field(description="The hook this service answers.")
    title: str = Field(description="The service's name.")
    description: str = Field(description="What the service does.")
    id: str = Field(description="The id to call it by: `POST /cds-services/{id}`.")
    prefetch: dict[str, str] | None = Field(
        default=None, description="FHIR queries the EHR may run ahead and send with the call."
    )
    usageRequirements: str | None = Field(default=None, description="What an EHR must do to use it.")


class Discovery(BaseModel):
    services: list[CdsService] = Field(description="The CDS services on this server.")


EHR_IDS = {"userId", "patientId", "encounterId"}  # in a hook's context, never kept with the decision


class OpinionCompareContext(RecommendationRequest):
    """The comparison, exactly as `POST /v1/recommendations` takes it, plus the hook's usual ids."""

    userId: StrictStr | None = Field(
        default=None, max_length=200, description="Who is using the EHR, e.g. `Practitioner/123`."
    )
    patientId: StrictStr | None = Field(
        default=None, max_length=200, description="The FHIR id of the patient in context."
    )
    encounterId: StrictStr | None = Field(
        description="The FHIR id of the encounter in context.", default=None, max_length=200
    )


class CdsRequest(BaseModel):
    """A hook call. FHIR access fields are accepted but unused: the context holds all we need."""

    model_config = ConfigDict(extra="forbid")

    hook: Literal["org.nextsteps.opinion-compare"] = Field(description="The hook being called.")
    hookInstance: uuid.UUID = Field(description="A UUID for this call.")
    fhirServer: StrictStr | None = Field(
        description="The EHR's FHIR base URL; accepted, not used.", default=None, max_length=2000
    )
    fhirAuthorization: dict[str, object] | None = Field(
        default=None, description="Access to the EHR's FHIR server; accepted, not used."
    )
    context: OpinionCompareContext = Field(description="The comparison to answer.")
    prefetch: dict[str, object] | None = Field(
        default=None, description="Prefetched FHIR data; accepted, not used."
    )


class Source(BaseModel):
    label: str = Field(description="Who the card is from.")
    url: str | None = Field(default=None, description="A page about the source.")
    topic: Coding | None = Field(default=None, description="What the card is about, as a code.")


class Link(BaseModel):
    label: str = Field(description="The link's text.")
    url: str = Field(description="Where it goes.")
    type: Literal["absolute", "smart"] = Field(description="`absolute`: an ordinary web page.")


class Card(BaseModel):
    uuid: str = Field(description="The card's id; send it as `card` in feedback.")
    summary: str = Field(
        description="The next step's title (under 140 characters).", max_length=SUMMARY_LIMIT
    )
    detail: str = Field(description="Markdown: what, why, questions to ask, and the disclaimer.")
    indicator: Literal["info", "warning", "critical"] = Field(
        description="`warning` when a doctor said decisions are urgent, else `info`."
    )
    source: Source = Field(description="This service.")
    links: list[Link] = Field(description="Patient guides and pages about the step.")
    overrideReasons: list[Coding] = Field(
        description="Reasons a clinician may pick when dismissing the card."
    )


class CdsResponse(BaseModel):
    cards: list[Card] = Field(description="One card per next step, in rank order.")


class OverrideReason(BaseModel):
    reason: Coding | None = Field(
        default=None, description="The reason picked, from the card's `overrideReasons`."
    )
    userComment: StrictStr | None = Field(
        description="The clinician's comment; never stored or logged.", default=None, max_length=2000
    )


class AcceptedSuggestion(BaseModel):
    id: StrictStr = Field(
        description="The suggestion's uuid (this service's cards carry none).", max_length=200
    )


def _timestamp_text(value: Any) -> Any:
    """outcomeTimestamp is an ISO 8601 string: a bare number is refused, not read as epoch seconds."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string with a time zone")
    return value


class FeedbackEntry(BaseModel):
    card: StrictStr = Field(max_length=200, description="The `uuid` of the card.")
    outcome: Literal["accepted", "overridden"] = Field(description="`accepted` or `overridden`.")
    acceptedSuggestions: list[AcceptedSuggestion] | None = Field(
        default=None, description="The suggestions accepted, for `accepted`."
    )
    overrideReason: OverrideReason | None = Field(
        default=None, description="Why the card was dismissed, for `overridden`."
    )
    outcomeTimestamp: Annotated[AwareDatetime, BeforeValidator(_timestamp_text)] = Field(
        description="When the clinician acted, with a time zone (ISO 8601)."
    )


class Feedback(BaseModel):
    feedback: list[FeedbackEntry] = Field(
        description="One entry per card acted on (1 to 100).", min_length=1, max_length=100
    )


def discovery() -> Discovery:
    return Discovery(
        services=[
            CdsService(
                hook=HOOK,
                id=SERVICE_ID,
                title="Next steps when cancer opinions differ",
                description=(
                    "Compares two to ten opinions about a patient's cancer and suggests ranked, explained "
                    "next steps to talk over with the patient. Information, never medical advice."
                ),
                usageRequirements=(
                    "Put the opinions in `context` exactly as the REST API's "
                    "`POST /v1/recommendations` body; no prefetch or FHIR access is needed."
                ),
            )
        ]
    )


def card_summary(step: NextStep) -> str:
    text = step.title
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1].rstrip() + "…"


def card_detail(step: NextStep, disclaimer: str) -> str:
    """Markdown for the card body: the step in plain words, why, what to ask, the disclaimer."""
    lines = [step.summary, "", step.details, ""]
    lines += [f"- {reason.text}" for reason in step.reasons]
    lines += [""] + [f"1. {question}" for question in step.questions_to_ask]
    lines += ["", f"*{disclaimer}*"]
    return "\n".join(lines)


def cards(
    answer: RecommendationResponse,
    time_sensitive: bool,
    source_url: str | None,
    card_ids: Mapping[str, str] | None = None,
) -> CdsResponse:
    """One card per next step, in rank order; card_ids (step code -> uuid) when the decision is recorded."""
    indicator: Literal["info", "warning"] = "warning" if time_sensitive else "info"
    return CdsResponse(
        cards=[
            Card(
                uuid=card_ids[step.code] if card_ids else str(uuid.uuid4()),
                summary=card_summary(step),
                detail=card_detail(step, answer.disclaimer),
                indicator=indicator,
                source=Source(label=SOURCE_LABEL, url=source_url),
                links=[Link(label=r.title, url=r.url, type="absolute") for r in step.resources],
                overrideReasons=list(OVERRIDE_REASONS),
            )
            for step in answer.next_steps
        ]
    )
