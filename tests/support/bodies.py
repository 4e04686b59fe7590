"""Request bodies as clients send them: one opinion, the canonical comparisons, the rule scenarios."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.paths import RULES


def load_scenarios() -> list[dict[str, Any]]:
    scenarios: list[dict[str, Any]] = []
    for path in sorted((RULES / "scenarios").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text()):
            scenarios.append({**entry, "file": path.name})
    return scenarios


def opinion(
    cancer_type: str = "breast",
    stage: str | None = "II",
    modalities: tuple[str, ...] = ("surgery",),
    tumor_focus: str | None = None,
    explained: bool = False,
    specialty: str = "medical_oncology",
    intent: str | None = None,
) -> dict[str, Any]:
    """One opinion as a client would send it."""
    clinician: dict[str, Any] = {"specialty": specialty}
    if tumor_focus:
        clinician["tumor_focus"] = tumor_focus
    diagnosis: dict[str, Any] = {"cancer_type": cancer_type}
    if stage:
        diagnosis["stage"] = stage
    treatment: dict[str, Any] = {"modalities": list(modalities)}
    if intent:
        treatment["intent"] = intent
    return {
        "clinician": clinician,
        "diagnosis": diagnosis,
        "treatment": treatment,
        "explained_reasoning": explained,
    }


# The canonical comparisons: two opinions on breast cancer that differ in stage, in treatment, or agree.
STAGES_DIFFER = {"opinions": [opinion(), opinion(stage="III")]}
TREATMENTS_DIFFER = {"opinions": [opinion(), opinion(modalities=("chemotherapy",))]}
AGREE = {"opinions": [opinion(), opinion()]}
