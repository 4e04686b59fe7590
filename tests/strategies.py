"""Hypothesis strategies for requests, shared by the property and differential tests.

Every optional field of the contract is sometimes left out, sometimes sent, so the tests see
unknown values as often as known ones.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from service.config import get_settings
from service.core.catalog import load_catalog
from service.core.models import Coverage, Intent, Modality, Specialty

CATALOG = load_catalog(get_settings().rules_dir)
CANCER_TYPES = list(CATALOG.cancer_types)
STEP_CODES = list(CATALOG.step_codes)
# Stages in the forms a portal may send: groups, sub-stages, any letter case, and "unknown".
STAGES = ["0", "0is", "I", "IA", "ib", "II", "IIA", "IIB", "iib", "III", "IIIA", "IIIC", "IIIC1", "IV", "IVA"]
STAGES.append("unknown")


def values(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


def treatments() -> st.SearchStrategy[dict[str, Any]]:
    def with_sequence(treatment: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        kinds = treatment["modalities"]
        return st.one_of(
            st.just(treatment),
            st.permutations(kinds).map(lambda order: {**treatment, "sequence": list(order)}),
        )

    return st.fixed_dictionaries(
        {"modalities": st.lists(values(Modality), min_size=1, max_size=4, unique=True)},
        optional={"intent": values(Intent)},
    ).flatmap(with_sequence)


clinicians = st.fixed_dictionaries(
    {"specialty": values(Specialty)},
    optional={"tumor_focus": st.one_of(st.sampled_from(CANCER_TYPES), st.just("none"), st.none())},
)
opinions = st.fixed_dictionaries(
    {
        "clinician": clinicians,
        "diagnosis": st.fixed_dictionaries(
            {"cancer_type": st.sampled_from(CANCER_TYPES)}, optional={"stage": st.sampled_from(STAGES)}
        ),
    },
    optional={
        "treatment": treatments(),
        "explained_reasoning": st.one_of(st.booleans(), st.none()),
        "guidelines_cited": st.lists(st.text(max_size=30), max_size=3),
    },
)
maybe_bool = st.one_of(st.booleans(), st.none())
requests = st.fixed_dictionaries(
    {"opinions": st.lists(opinions, min_size=2, max_size=10)},
    optional={
        "time_sensitive": st.booleans(),
        "completed_steps": st.lists(st.sampled_from(STEP_CODES), max_size=4),
        "records_shared": maybe_bool,
        "tumor_board_reviewed": maybe_bool,
        "treatment_started": maybe_bool,
        "coverage": values(Coverage),
    },
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
