"""A validated request, turned into the flat facts the rules reason over.

Who gave an opinion (clinician) and what it says (opinion) are separate facts:
in durable-rules a fact binds to at most one alias of a match, negations
included, so a rule asking "does any clinician focus on this opinion's cancer
type?" needs them apart.

This is where input is normalised for the engine, and nothing more: the rules
decide what differs, what is unknown and what is missing. durable-rules compares
values loosely ("9" matches 8, "false" matches false), so every fact field has
one exact type; a field a request may leave out is text, with the explicit code
"unknown" when it was left out, and a yes/no field is "yes", "no" or "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping

from service.core.engine import Fact
from service.core.models import STAGE_UNKNOWN, Modality, RecommendationRequest, Treatment

UNKNOWN = "unknown"
NONE = "none"  # known to be absent: no sub-stage given, no treatment given
# A sequence is written with ">" between its steps, a set of modalities with "+", sorted.
SEQUENCE_JOIN = ">"
SET_JOIN = "+"

# Every fact type the service asserts, with the exact type of each field.
# The rule loader checks rule conditions against this table.
INPUT_SCHEMA: dict[str, dict[str, type]] = {
    "case": {
        "opinions": int,
        "time_sensitive": bool,
        "records_shared": str,
        "tumor_board_reviewed": str,
        "treatment_started": str,
        "coverage": str,
    },
    "clinician": {"idx": int, "specialty": str, "tumor_focus": str},
    "opinion": {
        "idx": int,
        "ref": str,
        "cancer_type": str,
        "family": str,
        "stage": str,
        "stage_group": str,
        "stage_sub": str,
        "stage_fine": str,
        "treatment": str,
        "modalities": str,
        "modalities_known": str,
        "targeted": str,
        "immuno": str,
        "trial": str,
        "sequence": str,
        "intent": str,
        "explained": str,
    },
    "completed": {"code": str},
}
# Facts the adapter and the actions assert themselves.
PHASE_SCHEMA: dict[str, type] = {"name": str}
STEP_SCHEMA: dict[str, type] = {"code": str}


def tri(value: bool | None) -> str:
    """A yes/no field that may be unknown, as text the engine cannot confuse with a boolean."""
    return UNKNOWN if value is None else "yes" if value else "no"


def stage_levels(stage: str | None) -> dict[str, str]:
    """A stage at each level of detail: IIIC1 -> group III, sub-stage IIIC, finest IIIC1.

    A level the stage does not reach is "none"; an unknown stage is "unknown" at the group level.
    """
    if stage is None or stage == STAGE_UNKNOWN:
        return {"stage": UNKNOWN, "stage_group": UNKNOWN, "stage_sub": NONE, "stage_fine": NONE}
    if stage.startswith("0"):
        return {
            "stage": stage,
            "stage_group": "0",
            "stage_sub": stage if stage != "0" else NONE,
            "stage_fine": NONE,
        }
    group = stage.rstrip("ABC123")
    rest = stage[len(group) :]
    sub = group + rest[:1] if rest else NONE
    fine = stage if len(rest) > 1 else NONE
    return {"stage": stage, "stage_group": group, "stage_sub": sub, "stage_fine": fine}


def treatment_fields(treatment: Treatment | None) -> dict[str, str]:
    if treatment is None:
        return {
            "treatment": "no",
            "modalities": NONE,
            "modalities_known": "no",
            "targeted": "no",
            "immuno": "no",
            "trial": "no",
            "sequence": UNKNOWN,
            "intent": UNKNOWN,
        }
    # A kind named only in the sequence is still proposed: nothing the request says is dropped.
    kinds = {m.value for m in treatment.modalities} | {m.value for m in treatment.sequence or []}
    return {
        "treatment": "yes",
        "modalities": SET_JOIN.join(sorted(kinds)),
        "modalities_known": "no" if Modality.other.value in kinds else "yes",
        "targeted": tri(Modality.targeted_therapy.value in kinds),
        "immuno": tri(Modality.immunotherapy.value in kinds),
        "trial": tri(Modality.clinical_trial.value in kinds),
        "sequence": SEQUENCE_JOIN.join(m.value for m in treatment.sequence)
        if treatment.sequence
        else UNKNOWN,
        "intent": treatment.intent.value if treatment.intent else UNKNOWN,
    }


def to_facts(request: RecommendationRequest, families: Mapping[str, str]) -> list[Fact]:
    """The input facts for one comparison, in a fixed order.

    families maps a cancer-type code to its broad type (cll -> leukemia; a broad type to itself).
    """
    facts: list[Fact] = [
        {
            "t": "case",
            "opinions": len(request.opinions),
            "time_sensitive": request.time_sensitive,
            "records_shared": tri(request.records_shared),
            "tumor_board_reviewed": tri(request.tumor_board_reviewed),
            "treatment_started": tri(request.treatment_started),
            "coverage": request.coverage.value if request.coverage else UNKNOWN,
        }
    ]
    for idx, opinion in enumerate(request.opinions):
        focus = opinion.clinician.tumor_focus
        facts.append(
            {
                "t": "clinician",
                "idx": idx,
                "specialty": opinion.clinician.specialty.value if opinion.clinician.specialty else UNKNOWN,
                "tumor_focus": UNKNOWN if focus is None else str(getattr(focus, "value", focus)),
            }
        )
        cancer_type = opinion.diagnosis.cancer_type.value
        facts.append(
            {
                "t": "opinion",
                "idx": idx,
                "ref": str(idx + 1),
                "cancer_type": cancer_type,
                "family": families.get(cancer_type, cancer_type),
                **stage_levels(opinion.diagnosis.stage),
                **treatment_fields(opinion.treatment),
                "explained": tri(opinion.explained_reasoning),
            }
        )
    facts.extend(
        {"t": "completed", "code": code} for code in sorted({c.value for c in request.completed_steps})
    )
    return facts


def cancer_types_named(request: RecommendationRequest) -> list[str]:
    """The cancer-type codes the opinions name, first mention first."""
    return list(dict.fromkeys(o.diagnosis.cancer_type.value for o in request.opinions))
