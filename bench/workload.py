"""A fixed, realistic set of unique comparisons, the same on every run (seeded)."""

from __future__ import annotations

import random
from typing import Any

from service.config import get_settings
from service.core.catalog import load_catalog
from service.core.models import STAGE_GROUPS, Intent, Modality, Specialty

CATALOG = load_catalog(get_settings().rules_dir)

COMMON_TYPES = ["breast", "prostate", "lung", "colorectal", "lymphoma", "melanoma", "pancreatic", "ovarian"]
STAGES = list(STAGE_GROUPS)
MODALITIES = [m.value for m in Modality]
SPECIALTIES = [s.value for s in Specialty]
INTENTS = [i.value for i in Intent]


def comparison(rng: random.Random, index: int) -> dict[str, Any]:
    """One comparison: usually two or three opinions about one cancer type, a few details apart."""
    n = rng.choices([2, 3, 4, 5], weights=[70, 20, 7, 3])[0]
    cancer = rng.choice(COMMON_TYPES)
    stage = rng.choice(STAGES)
    base_mods = rng.sample(MODALITIES, rng.randint(1, 3))
    opinions = []
    for i in range(n):
        diagnosis: dict[str, Any] = {
            "cancer_type": cancer if rng.random() < 0.9 else rng.choice(list(CATALOG.cancer_types))
        }
        if rng.random() < 0.85:
            diagnosis["stage"] = stage if rng.random() < 0.75 else rng.choice([*STAGES, "unknown"])
        mods = base_mods if rng.random() < 0.6 else rng.sample(MODALITIES, rng.randint(1, 3))
        treatment: dict[str, Any] = {"modalities": mods}
        if rng.random() < 0.5:
            treatment["intent"] = rng.choice(INTENTS)
        clinician: dict[str, Any] = {"specialty": rng.choice(SPECIALTIES)}
        if rng.random() < 0.4:
            clinician["tumor_focus"] = cancer if rng.random() < 0.8 else rng.choice(COMMON_TYPES)
        opinions.append(
            {
                "clinician": clinician,
                "diagnosis": diagnosis,
                "treatment": treatment,
                "explained_reasoning": rng.random() < 0.5,
                # a unique free-text citation makes every comparison distinct
                "guidelines_cited": [f"guideline note {index}-{i}"],
            }
        )
    body: dict[str, Any] = {"opinions": opinions, "time_sensitive": rng.random() < 0.15}
    if rng.random() < 0.3:
        body["completed_steps"] = rng.sample(list(CATALOG.step_codes), rng.randint(1, 2))
    return body


def comparisons(count: int, seed: int = 20261125) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [comparison(rng, i) for i in range(count)]
