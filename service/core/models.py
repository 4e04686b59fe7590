"""Request and response bodies: the public contract, as pydantic models.

Cancer-type, next-step and language codes are the catalog's (service/core/vocabulary.py): a request is
checked against the codes of the rules the app was built from, and the schema lists exactly those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from service.core.vocabulary import CancerType, Coded, Kind, Language, StepCode


@dataclass(frozen=True)
class DocumentedAs:
    """A code in an answer: the service wrote it from its own catalog, so it is a plain string to validate
    (no vocabulary need be bound), documented as the catalog's enum so generated clients type it as one."""

    kind: Kind

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return Coded(self.kind).__get_pydantic_json_schema__(schema, handler)


StepCodeOut = Annotated[str, DocumentedAs("StepCode")]
CancerTypeOut = Annotated[str, DocumentedAs("CancerType")]


class Specialty(StrEnum):
    medical_oncology = "medical_oncology"
    surgical_oncology = "surgical_oncology"
    radiation_oncology = "radiation_oncology"
    hematology_oncology = "hematology_oncology"
    pathology = "pathology"
    radiology = "radiology"
    primary_care = "primary_care"
    other = "other"


# AJCC stage groups with their sub-stages, in any letter case: 0, 0a, 0is; I-IV, each optionally
# followed by a letter A-C and a number 1-3 (IA, IIB, IIIC1, IVA). "unknown" says so explicitly.
STAGE_FORM = re.compile(r"^(?:(0)(A|IS)?|(IV|I{1,3})(?:([ABC])([123])?)?)$")
STAGE_GROUPS = ("0", "I", "II", "III", "IV")
STAGE_UNKNOWN = "unknown"
STAGE_ACCEPTED = (
    "must be an AJCC stage: 0, 0a or 0is; or I, II, III or IV, optionally followed by a sub-stage "
    "letter A, B or C and a number 1, 2 or 3 (for example IIB, IIIC1, IVA); any letter case; or unknown"
)
STAGE_PATTERN = (
    r"^(?:0(?:[aA]|[iI][sS])?|(?:[iI][vV]|[iI]{1,3})(?:[aAbBcC][1-3]?)?|[uU][nN][kK][nN][oO][wW][nN])$"
)


def _stage(value: object) -> str:
    """The stage in its written form (IIB, 0is), or "unknown"; anything else is refused."""
    if not isinstance(value, str):
        raise ValueError(STAGE_ACCEPTED)
    upper = value.strip().upper()
    if upper == STAGE_UNKNOWN.upper():
        return STAGE_UNKNOWN
    found = STAGE_FORM.match(upper)
    if not found:
        raise ValueError(STAGE_ACCEPTED)
    zero, zero_sub, group, letter, number = found.groups()
    if zero:
        return zero + (zero_sub or "").lower()
    return f"{group}{letter or ''}{number or ''}"


Stage = Annotated[
    str,
    BeforeValidator(_stage),
    Field(
        description="The AJCC stage group, with a sub-stage if known (IIB), in any letter case.",
        json_schema_extra={"pattern": STAGE_PATTERN, "examples": ["II", "IIB", "iiib", "IVA", "0is"]},
    ),
]


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


class Coverage(StrEnum):
    medicare = "medicare"
    medicaid = "medicaid"
    private = "private"
    none = "none"
    unknown = "unknown"


class Closed(BaseModel):
    """Refuses unknown fields by name."""

    model_config = ConfigDict(extra="forbid")


NO_FOCUS = "none"


def _focus(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """A cancer-type code, "none", or null; one error naming both forms, not one per union member."""
    if value == NO_FOCUS:
        return NO_FOCUS
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError(
            "tumor_focus", "must be a cancer-type code (GET /v1/cancer-types) or 'none'"
        ) from None


class Clinician(Closed):
    specialty: Specialty | None = Field(
        default=None, description="The clinician's field of medicine; omitted or null when not known."
    )
    tumor_focus: Annotated[CancerType | Literal["none"] | None, WrapValidator(_focus)] = Field(
        default=None,
        description=(
            'The cancer type this clinician specialises in; "none" when known to have no such focus; '
            "omitted or null when not known."
        ),
    )


class Diagnosis(Closed):
    cancer_type: CancerType = Field(
        description="The cancer this opinion names (a code from `GET /v1/cancer-types`)."
    )
    stage: Stage | None = Field(
        default=None, description="The stage this opinion gives; leave it out when it is not known."
    )


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
    sequence: Annotated[list[Modality], AfterValidator(_no_repeats)] | None = Field(
        default=None,
        min_length=1,
        # x-ordered: the order of the items carries meaning (forms keep it; modalities is a set).
        json_schema_extra={"uniqueItems": True, "x-ordered": True},
        description=(
            "Optional: the treatment kinds in the order the doctor proposes them. A kind named here counts "
            "as proposed even when modalities leaves it out. Two known sequences that differ are a "
            "treatment difference."
        ),
    )
    intent: Intent | None = Field(
        default=None, description="What the treatment aims at; leave it out when it is not known."
    )


class Opinion(Closed):
    clinician: Clinician = Field(description="Who gave the opinion.")
    diagnosis: Diagnosis = Field(description="What the opinion says the cancer is.")
    treatment: Treatment | None = Field(
        default=None,
        description="The treatment proposed; omitted for a diagnosis only (a pathology or radiology read).",
    )
    explained_reasoning: StrictBool | None = Field(
        default=None,
        description="true: the clinician explained how they reached this opinion; false: they did not; "
        "omitted or null: not known.",
    )
    guidelines_cited: list[Annotated[StrictStr, Field(max_length=200)]] | None = Field(
        description="Guidelines the clinician named, as written (at most 20); not used to rank.",
        default=None,
        max_length=20,
    )


class RecommendationRequest(Closed):
    opinions: list[Opinion] = Field(
        min_length=2, max_length=10, description="Two to ten opinions, oldest first."
    )
    time_sensitive: StrictBool = Field(default=False, description="A doctor has said decisions are urgent.")
    records_shared: StrictBool | None = Field(
        default=None, description="Records, slides and scans have been sent to the doctors giving opinions."
    )
    tumor_board_reviewed: StrictBool | None = Field(
        default=None, description="A multidisciplinary tumor board has reviewed the case."
    )
    treatment_started: StrictBool | None = Field(default=None, description="Treatment has already begun.")
    coverage: Coverage | None = Field(default=None, description="The patient's kind of health coverage.")
    completed_steps: list[StepCode] = Field(
        default_factory=list, max_length=20, description="Next steps the patient has already done."
    )
    lang: Language | None = Field(
        default=None,
        description="Language of the patient-facing text; wins over the Accept-Language header.",
    )


class Reason(BaseModel):
    rule: str = Field(description="The id of the rule (see `GET /v1/rules`).")
    text: str = Field(description="Why, in plain words, in the answer's language.")


class Resource(BaseModel):
    # Frozen: one object per link is shared by every answer that shows it (service/core/ranking.py).
    model_config = ConfigDict(frozen=True)

    title: str = Field(description="What the page is, in the answer's language.")
    url: str = Field(description="The page's address.")
    phones: list[str] = Field(
        default_factory=list,
        exclude_if=lambda phones: not phones,
        description="Phone numbers to call about it, as written by the health system (local resources only; "
        "left out when there are none).",
    )


class NextStep(BaseModel):
    rank: int = Field(description="Position in the list, from 1 (do this first).")
    code: StepCodeOut = Field(
        description="Which next step this is; stable across languages and versions of the text."
    )
    title: str = Field(description="The step in a few words, in the answer's language.")
    summary: str = Field(description="One or two sentences on the step.")
    details: str = Field(description="What the step involves and why it helps.")
    questions_to_ask: list[str] = Field(
        description="Questions the patient may ask the care team about this step."
    )
    reasons: list[Reason] = Field(
        description="Every rule that put the step on the list or moved it, with its reason."
    )
    resources: list[Resource] = Field(
        description="Patient guides and pages about the step (and about the cancer types named)."
    )


class RulesetRef(BaseModel):
    version: str = Field(description="The ruleset's version, from the catalog.")
    sha256: str = Field(
        description="SHA-256 over the loaded rule, catalog and text files: which rules gave the answer."
    )


class TenantRef(BaseModel):
    """Whose view an answer shows: the caller's tenant (health system) and the revision of its overrides."""

    id: str = Field(description="The tenant (health system) of the client that asked.")
    overrides_sha256: str = Field(
        description="SHA-256 of the tenant's overrides file: which local resources and words were applied."
    )


def _no_tenant(tenant: object) -> bool:
    return tenant is None


Discordance = Literal["diagnosis", "stage", "treatment"]
Consensus = Literal["agree", "disagree", "uncertain"]


class RecommendationResponse(BaseModel):
    """The ranked, explained next steps for one comparison.

    `POST /v1/recommendations` and `GET /v1/recommendations/{id}` answer a `RecordedRecommendation`: this
    plus the `decision_id` it is kept under. This type alone is a batch item's `recommendation`, and the
    answer when the service keeps no decisions (`DECISION_STORE=off`).
    """

    next_steps: list[NextStep] = Field(description="The next steps in rank order, each explained.")
    discordances: list[Discordance] = Field(description="What differs between opinions that give it.")
    unknowns: list[Discordance] = Field(
        description="What could not be compared because some opinion does not give it."
    )
    consensus: Consensus = Field(
        description="agree: everything compared is known and equal; disagree: a known value differs; "
        "uncertain: nothing known differs, but something is unknown."
    )
    ruleset: RulesetRef = Field(description="The rules that gave this answer.")
    rules_fired: list[str] = Field(description="Every rule that fired, in rule-file order.")
    disclaimer: str = Field(
        description="Information for a talk with the care team, not medical advice: show it with the steps."
    )
    tenant: TenantRef | None = Field(
        default=None,
        exclude_if=_no_tenant,
        description="The caller's tenant, when its overrides shaped the answer (hidden steps left out, local "
        "resources and paragraphs added); left out for a client without a tenant.",
    )


class CatalogStep(BaseModel):
    code: StepCodeOut = Field(description="The next step's code, as `NextStep.code` carries it.")
    title: str = Field(description="The step in a few words (a cancer type named generically).")
    summary: str = Field(description="One or two sentences on the step.")
    details: str = Field(description="What the step involves and why it helps.")
    questions_to_ask: list[str] = Field(
        description="Questions the patient may ask the care team about this step."
    )
    resources: list[Resource] = Field(description="Patient guides and pages about the step.")


class CatalogResponse(BaseModel):
    next_steps: list[CatalogStep] = Field(description="Every next step, in tie-break order.")
    ruleset: RulesetRef = Field(description="The rules loaded.")
    disclaimer: str = Field(description="The disclaimer every answer carries.")
    tenant: TenantRef | None = Field(
        default=None,
        exclude_if=_no_tenant,
        description="The caller's tenant, whose view this is (steps it cannot offer left out); left out for "
        "a client without a tenant.",
    )


class CancerTypeEntry(BaseModel):
    code: CancerTypeOut = Field(description="The code to send as `cancer_type` or `tumor_focus`.")
    name: str = Field(description="The cancer type's name, in the answer's language.")
    parent: str | None = Field(
        default=None,
        description="The broad type this code is a subtype of (`cll` -> `leukemia`); a type and its own "
        "subtype are not a difference of diagnosis.",
    )
    resources: list[Resource] = Field(description="Patient pages about this cancer type.")


class CancerTypesResponse(BaseModel):
    cancer_types: list[CancerTypeEntry] = Field(description="Every accepted cancer type.")


class RuleEntry(BaseModel):
    id: str = Field(description="The rule's id, as `Reason.rule` and `rules_fired` name it.")
    stage: str = Field(description="Which stage it runs in: derive, recommend or adjust.")
    action: str = Field(description="What it does when it fires: derive, recommend, adjust or withdraw.")
    file: str = Field(description="The rule file it is defined in.")


class ReloadFailure(BaseModel):
    """The last reload that was refused; the rules loaded before it kept serving."""

    at: datetime = Field(description="When the reload was refused.")
    reason: str = Field(description="The file and entry at fault and why, or why a restart is needed.")
    restart_needed: bool = Field(description="The accepted codes changed: they take effect on a restart.")


class RulesLoad(BaseModel):
    """The rules this server process serves: their revision (sha256 of every file read), the last failure."""

    revision: str = Field(
        description="SHA-256 over the loaded rule, catalog and text files; with tenant overrides loaded, "
        "SHA-256 over that and each tenant's overrides revision."
    )
    version: str = Field(description="The ruleset's version.")
    overrides: dict[str, str] = Field(
        default_factory=dict,
        description="Each tenant's overrides revision: the SHA-256 of its file, by tenant id.",
    )
    loaded_at: datetime = Field(description="When these rules were put in use (start-up or a reload).")
    last_failure: ReloadFailure | None = Field(
        default=None, description="The last reload refused since start-up, if any."
    )


class ReloadOutcome(BaseModel):
    revision: str = Field(description="The revision now in use.")
    previous_revision: str = Field(description="The revision in use before.")
    changed: bool = Field(description="False when the files were the ones already in use.")


class ReloadResponse(ReloadOutcome):
    reloads: Literal["every_process", "this_process"] = Field(
        description="`every_process`: every process of this server was told to reload too; `this_process`: "
        "this server runs no other."
    )


class RulesResponse(BaseModel):
    version: str = Field(description="The ruleset's version.")
    sha256: str = Field(description="SHA-256 over the loaded rule, catalog and text files.")
    rules: list[RuleEntry] = Field(description="Every rule, in evaluation order.")
    loaded: RulesLoad = Field(description="When they were loaded and the last reload refused, if any.")


class Health(BaseModel):
    status: Literal["ok"] = Field(description="Always `ok` when the process answers.")


class Readiness(BaseModel):
    status: Literal["ready"] = Field(
        description="`ready`: the rules are loaded and the decision store answers."
    )
    ruleset: RulesetRef = Field(description="The rules loaded.")
    decision_store: Literal["sqlite", "postgresql", "off"] | None = Field(
        default=None, description="Where decisions are kept: `sqlite`, `postgresql`, or `off` (none kept)."
    )
    rules: RulesLoad | None = Field(
        default=None, description="The revision this process serves and the last reload it refused."
    )
