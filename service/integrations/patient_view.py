"""The `patient-view` CDS service: its discovery entry, request shape, override reasons, and cards in
the voice of who is looking (a clinician, or the patient and their family)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

from service.core.catalog import Catalog
from service.core.exceptions import RuleFileError
from service.core.models import NextStep, RecommendationResponse
from service.integrations.cds_hooks import (
    SOURCE_LABEL,
    SUMMARY_LIMIT,
    Card,
    CdsResponse,
    CdsService,
    Coding,
    Link,
    Source,
    card_detail,
    card_summary,
)
from service.integrations.fhir import prefetch

HOOK = "patient-view"
SERVICE_ID = "nextsteps-patient-view"
Audience = Literal["clinician", "patient"]
# HL7 CDS Hooks 3.0 ballot: Non-Adherence Reason Codes (the category codes), with our own displays.
NON_ADHERENCE = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
OVERRIDE_REASONS = (
    Coding(code="cds-not-applicable", system=NON_ADHERENCE, display="Does not apply to this patient"),
    Coding(code="cds-suboptimal-context", system=NON_ADHERENCE, display="Not the right time or person"),
    Coding(code="recipient-disagrees-evidence", system=NON_ADHERENCE, display="Disagree with the reasons"),
    Coding(code="does-not-align-preferences", system=NON_ADHERENCE, display="Not what the patient wants"),
    Coding(code="not-convenient-feasible", system=NON_ADHERENCE, display="Not practical for the patient"),
)


class PatientViewContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    userId: StrictStr = Field(
        max_length=200,
        pattern=r"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9\-.]{1,64}$",
        description="Who opened the chart: a Practitioner, PractitionerRole, Patient or RelatedPerson.",
    )
    patientId: StrictStr = Field(
        max_length=64, pattern=r"^[A-Za-z0-9\-.]{1,64}$", description="The FHIR id of the patient in view."
    )
    encounterId: StrictStr | None = Field(
        default=None, max_length=64, description="The FHIR id of the current encounter, if any (not used)."
    )


def _json_number(value: Any) -> Any:
    """A JSON number (1 or 1.0), never a string or a boolean read as one."""
    if isinstance(value, bool | str):
        raise ValueError("must be a number")
    return value


class FhirAuthorization(BaseModel):
    access_token: StrictStr = Field(  # RFC 6750 b64token
        max_length=8000,
        pattern=r"^[A-Za-z0-9\-._~+/]+=*$",
        description="The bearer token for reading fhirServer; used for those reads only, never kept.",
    )
    token_type: Literal["Bearer"] = Field(description="Always Bearer.")
    expires_in: Annotated[int, BeforeValidator(_json_number)] = Field(
        ge=0, description="Seconds the token stays valid."
    )
    scope: StrictStr = Field(max_length=4000, description="The FHIR scopes the token grants.")
    subject: StrictStr = Field(max_length=200, description="Who the token was issued to (this service).")
    patient: StrictStr | None = Field(
        default=None, max_length=64, description="The patient the token is limited to, if any."
    )


class PatientViewRequest(BaseModel):
    """A patient-view call. The prefetch keys are those of discovery; any of them may be missing."""

    model_config = ConfigDict(extra="forbid")

    hook: Literal["patient-view"] = Field(description="The hook: patient-view.")
    hookInstance: uuid.UUID = Field(description="The EHR's id for this call.")
    fhirServer: StrictStr | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/\-]*)?$",
        description="The EHR's FHIR base URL, read for what the prefetch lacks (if the settings allow it).",
    )
    fhirAuthorization: FhirAuthorization | None = Field(
        default=None, description="The token for reading fhirServer."
    )
    context: PatientViewContext = Field(description="Who opened which patient's chart.")
    prefetch: dict[str, Any] | None = Field(
        default=None, description="FHIR searches the EHR ran ahead, by the keys of discovery's prefetch."
    )

    @property
    def audience(self) -> Audience:
        return "patient" if self.context.userId.split("/")[0] in ("Patient", "RelatedPerson") else "clinician"


def discovery_entry() -> CdsService:
    return CdsService(
        hook=HOOK,
        id=SERVICE_ID,
        title="Next steps when cancer opinions differ (from the chart)",
        description=(
            "Reads the patient's cancer diagnoses, stages and treatment plans (FHIR R4, mCODE welcome), "
            "one opinion per clinician, and suggests ranked, explained next steps when they differ. "
            "Information for a talk with the care team, never medical advice."
        ),
        prefetch=dict(prefetch.TEMPLATES),
        usageRequirements=(
            "Needs the prefetch above or FHIR read access (patient/*.read of Condition, Observation, "
            "Procedure, MedicationRequest, CarePlan, ServiceRequest, PractitionerRole)."
        ),
    )


@dataclass(frozen=True)
class ClinicianVoice:
    """Card summaries for clinicians, by language and step (rules/cds/clinician-voice.yaml)."""

    summaries: dict[str, dict[str, str]]

    @classmethod
    def load(cls, rules_dir: Path, catalog: Catalog) -> ClinicianVoice:
        file = "cds/clinician-voice.yaml"
        try:
            data = yaml.safe_load((rules_dir / file).read_bytes())
        except (OSError, yaml.YAMLError) as exc:
            raise RuleFileError(file, None, "cannot be read as YAML", kind="entry") from exc
        for lang in catalog.texts:
            steps = (data or {}).get(lang) or {}
            for code in catalog.step_codes:
                text = steps.get(code)
                if not isinstance(text, str) or not 0 < len(text) <= SUMMARY_LIMIT:
                    raise RuleFileError(
                        file, f"{lang}.{code}", "needs a summary of 1-139 characters", kind="entry"
                    )
        return cls({lang: dict(data[lang]) for lang in catalog.texts})


def _clinician_detail(step: NextStep, disclaimer: str) -> str:
    return "\n".join(["**What the patient reads:** " + step.title, "", card_detail(step, disclaimer)])


def cards(
    answer: RecommendationResponse,
    audience: Audience,
    voice: ClinicianVoice,
    lang: str,
    source_url: str | None,
    card_ids: dict[str, str] | None,
) -> CdsResponse:
    """One card per next step, in rank order, in the reader's voice."""
    out = []
    for step in answer.next_steps:
        clinician = audience == "clinician"
        out.append(
            Card(
                uuid=card_ids[step.code] if card_ids else str(uuid.uuid4()),
                summary=voice.summaries[lang][step.code] if clinician else card_summary(step),
                detail=_clinician_detail(step, answer.disclaimer)
                if clinician
                else card_detail(step, answer.disclaimer),
                indicator="info",
                source=Source(label=SOURCE_LABEL, url=source_url),
                links=[Link(label=r.title, url=r.url, type="absolute") for r in step.resources],
                overrideReasons=list(OVERRIDE_REASONS),
            )
        )
    return CdsResponse(cards=out)
