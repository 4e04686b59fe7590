"""Request and response bodies: the public contract, as pydantic models.

Cancer-type, next-step and language codes are the catalog's (service/core/vocabulary.py): a request is
checked against the codes of the rules the app was built from, and the schema lists exactly those.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr

from service.core.vocabulary import CancerType, Language, StepCode


class Specialty(StrEnum):
    medical_oncology = "medical_oncology"
    surgical_oncology = "surgical_oncology"
    radiation_oncology = "radiation_oncology"
    hematology_oncology = "hematology_oncology"
    pathology = "pathology"
    radiology = "radiology"
    primary_care = "primary_care"
    other = "other"


class Stage(StrEnum):
    stage_0 = "0"
    stage_i = "I"
    stage_ii = "II"
    stage_iii = "III"
    stage_iv = "IV"
    unknown = "unknown"


class Modality(StrEnum):
    surgery = "surgery"
    chemotherapy = "chemotherapy"
    radiation = "radiation"
    immunotherapy = "immunotherapy"
    targeted_therapy = "targeted_therapy"
    hormone_therapy = "hormone_therapy"
    active_surveillance = "active_surveillance"
    stem_cell_transplant = "stem_cell_transplant"
    palliative_care = "palliative_care"
    clinical_trial = "clinical_trial"
    other = "other"


class Intent(StrEnum):
    curative = "curative"
    control = "control"
    palliative = "palliative"
    unknown = "unknown"


class Closed(BaseModel):
    """Refuses unknown fields by name."""

    model_config = ConfigDict(extra="forbid")


class Clinician(Closed):
    specialty: Specialty
    tumor_focus: CancerType | None = Field(
        default=None, description="The cancer type this clinician specialises in, if any."
    )


class Diagnosis(Closed):
    cancer_type: CancerType
    stage: Stage | None = None


def _no_repeats(values: list[Modality]) -> list[Modality]:
    if len(set(values)) != len(values):
        raise ValueError("each treatment kind may appear only once")
    return values


class Treatment(Closed):
    modalities: Annotated[list[Modality], AfterValidator(_no_repeats)] = Field(
        min_length=1,
        json_schema_extra={"uniqueItems": True},
        description="A non-empty set of treatment kinds, each at most once.",
    )
    intent: Intent | None = None


class Opinion(Closed):
    clinician: Clinician
    diagnosis: Diagnosis
    treatment: Treatment
    explained_reasoning: StrictBool = Field(
        default=False, description="The clinician explained how they reached this opinion."
    )
    guidelines_cited: list[Annotated[StrictStr, Field(max_length=200)]] | None = Field(
        default=None, max_length=20
    )


class RecommendationRequest(Closed):
    opinions: list[Opinion] = Field(
        min_length=2, max_length=10, description="Two to ten opinions, oldest first."
    )
    time_sensitive: StrictBool = Field(default=False, description="A doctor has said decisions are urgent.")
    completed_steps: list[StepCode] = Field(
        default_factory=list, max_length=20, description="Next steps the patient has already done."
    )
    lang: Language | None = Field(
        default=None,
        description="Language of the patient-facing text; wins over the Accept-Language header.",
    )


class Reason(BaseModel):
    rule: str
    text: str


class Resource(BaseModel):
    title: str
    url: str


class NextStep(BaseModel):
    rank: int
    code: str
    title: str
    summary: str
    details: str
    questions_to_ask: list[str]
    reasons: list[Reason]
    resources: list[Resource]


class RulesetRef(BaseModel):
    version: str
    sha256: str


Discordance = Literal["diagnosis", "stage", "treatment"]


class RecommendationResponse(BaseModel):
    next_steps: list[NextStep]
    discordances: list[Discordance]
    consensus: Literal["agree", "disagree"]
    ruleset: RulesetRef
    rules_fired: list[str] = Field(description="Every rule that fired, in rule-file order.")
    disclaimer: str


class CatalogStep(BaseModel):
    code: str
    title: str
    summary: str
    details: str
    questions_to_ask: list[str]
    resources: list[Resource]


class CatalogResponse(BaseModel):
    next_steps: list[CatalogStep]
    ruleset: RulesetRef
    disclaimer: str


class CancerTypeEntry(BaseModel):
    code: str
    name: str
    resources: list[Resource]


class CancerTypesResponse(BaseModel):
    cancer_types: list[CancerTypeEntry]


class RuleEntry(BaseModel):
    id: str
    stage: str
    action: str
    file: str


class RulesResponse(BaseModel):
    version: str
    sha256: str
    rules: list[RuleEntry]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    ruleset: RulesetRef
    decision_store: Literal["sqlite", "postgresql", "off"] | None = None
