"""What an answer to FHIR input says about it: the opinions derived, the resources used and ignored.

Part of the response contract (RecordedRecommendation.fhir); filled by service/integrations/fhir.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.core.models import Opinion

IgnoredReason = Literal[
    "not_read",  # a resource type that says nothing about an opinion
    "code_not_mapped",  # its code is in no table of rules/fhir/
    "no_clinician",  # no Practitioner or PractitionerRole asserted, requested or performed it
    "not_a_treatment",  # a test or a diagnostic procedure
    "not_current",  # entered in error, refuted, cancelled, revoked or not done
    "other_patient",  # about another patient than the one in context
    "administration",  # giving a requested medicine: the request carries the opinion
]
Role = Literal["patient", "clinician", "specialty", "diagnosis", "stage", "treatment"]


class UsedResource(BaseModel):
    resource: str = Field(description="`Type/id` (or its place in the Bundle when it has no id).")
    used_as: Role = Field(
        description="What it was read as: patient, clinician, specialty, diagnosis, stage or treatment."
    )


class IgnoredResource(BaseModel):
    resource: str = Field(description="`Type/id` (or its place in the Bundle when it has no id).")
    reason: IgnoredReason = Field(
        description=(
            "not_read: says nothing about an opinion; code_not_mapped: its code is in no mapping table; "
            "no_clinician: no Practitioner asserted, requested or performed it; not_a_treatment: a test "
            "or diagnostic procedure; not_current: entered in error, refuted, cancelled or not done; "
            "other_patient: about another patient; administration: the request carries the opinion."
        )
    )


class DerivedOpinionEntry(BaseModel):
    clinician: str = Field(description="The Practitioner (or PractitionerRole) whose opinion this is.")
    status: Literal["compared", "incomplete"] = Field(
        description="compared: in the comparison; incomplete: the FHIR lacks what the contract needs."
    )
    opinion: Opinion | None = Field(default=None, description="As compared, when `compared`.")
    missing: list[str] = Field(default_factory=list, description="Contract fields the FHIR did not give.")
    resources: list[str] = Field(description="The resources this opinion was read from.")


class FhirReport(BaseModel):
    opinions: list[DerivedOpinionEntry] = Field(description="One per clinician, oldest first.")
    used: list[UsedResource] = Field(description="The resources an opinion was read from, and as what.")
    ignored: list[IgnoredResource] = Field(description="The resources not read, and why.")
