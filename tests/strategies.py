"""Hypothesis strategies for requests, shared by the property and differential tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from service.config import get_settings
from service.core.catalog import load_catalog
from service.core.models import Intent, Modality, Specialty, Stage

CATALOG = load_catalog(get_settings().rules_dir)


def values(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


clinicians = st.fixed_dictionaries(
    {"specialty": values(Specialty)}, optional={"tumor_focus": st.sampled_from(list(CATALOG.cancer_types))}
)
opinions = st.fixed_dictionaries(
    {
        "clinician": clinicians,
        "diagnosis": st.fixed_dictionaries(
            {"cancer_type": st.sampled_from(list(CATALOG.cancer_types))}, optional={"stage": values(Stage)}
        ),
        "treatment": st.fixed_dictionaries(
            {"modalities": st.lists(values(Modality), min_size=1, max_size=4, unique=True)},
            optional={"intent": values(Intent)},
        ),
    },
    optional={
        "explained_reasoning": st.booleans(),
        "guidelines_cited": st.lists(st.text(max_size=30), max_size=3),
    },
)
requests = st.fixed_dictionaries(
    {"opinions": st.lists(opinions, min_size=2, max_size=10)},
    optional={
        "time_sensitive": st.booleans(),
        "completed_steps": st.lists(st.sampled_from(CATALOG.step_codes), max_size=4),
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
