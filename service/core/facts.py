"""A validated request, turned into the flat facts the rules reason over.

Who gave an opinion (clinician) and what it says (opinion) are separate facts:
in durable-rules a fact binds to at most one alias of a match, negations
included, so a rule asking "does any clinician focus on this opinion's cancer
type?" needs them apart.

This is where input is normalised for the engine: durable-rules compares values
loosely ("9" matches 8, "false" matches false), so every fact field has one
exact type, and missing values become the explicit code "unknown" or "none".
"""

from __future__ import annotations

from service.core.engine import Fact
from service.core.models import RecommendationRequest

# Every fact type the service asserts, with the exact type of each field.
# The rule loader checks rule conditions against this table.
INPUT_SCHEMA: dict[str, dict[str, type]] = {
    "case": {"opinions": int, "time_sensitive": bool},
    "clinician": {"idx": int, "specialty": str, "tumor_focus": str},
    "opinion": {
        "idx": int,
        "cancer_type": str,
        "stage": str,
        "modalities": str,
        "intent": str,
        "explained": bool,
    },
    "completed": {"code": str},
}
# Facts the adapter and the actions assert themselves.
PHASE_SCHEMA: dict[str, type] = {"name": str}
STEP_SCHEMA: dict[str, type] = {"code": str}


def to_facts(request: RecommendationRequest) -> list[Fact]:
    """The input facts for one comparison, in a fixed order."""
    facts: list[Fact] = [
        {"t": "case", "opinions": len(request.opinions), "time_sensitive": request.time_sensitive}
    ]
    for idx, opinion in enumerate(request.opinions):
        clinician = opinion.clinician
        facts.append(
            {
                "t": "clinician",
                "idx": idx,
                "specialty": clinician.specialty.value,
                "tumor_focus": clinician.tumor_focus.value if clinician.tumor_focus else "none",
            }
        )
        facts.append(
            {
                "t": "opinion",
                "idx": idx,
                "cancer_type": opinion.diagnosis.cancer_type.value,
                "stage": opinion.diagnosis.stage.value if opinion.diagnosis.stage else "unknown",
                "modalities": "+".join(sorted(m.value for m in opinion.treatment.modalities)),
                "intent": opinion.treatment.intent.value if opinion.treatment.intent else "unknown",
                "explained": opinion.explained_reasoning,
            }
        )
    facts.extend(
        {"t": "completed", "code": code} for code in sorted({c.value for c in request.completed_steps})
    )
    return facts


def cancer_types_named(request: RecommendationRequest) -> list[str]:
    """The cancer-type codes the opinions name, first mention first."""
    return list(dict.fromkeys(o.diagnosis.cancer_type.value for o in request.opinions))
