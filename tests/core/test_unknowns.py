"""An unknown never becomes a statement: leaving a field out never fires a rule that speaks about it.

For every optional field of the request, the rules that fire only because a value is explicitly
absent, false or different are listed; the property strips the field from a generated request and
checks that none of them fires. The example tests show that each of those rules does fire when the
value is sent, so the property cannot pass by the rules never firing at all.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.config import get_settings
from service.core.models import RecommendationResponse
from service.core.rulebook import RuleBook
from tests.strategies import requests

RULES = RuleBook.load(get_settings().rules_dir)

# field -> (where it lives, the rules that speak about its value)
OPINION_FIELDS: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "explained_reasoning": ((), {"reasoning_not_explained", "unexplained_reasoning_first"}),
    "tumor_focus": (
        ("clinician",),
        {"no_tumor_specialist", "no_specialist_third_specialist_rises", "many_opinions_no_specialist"},
    ),
    "stage": (
        ("diagnosis",),
        {
            "stage_differs",
            "sub_stage_differs",
            "finest_stage_differs",
            "stage_differs_imaging_review",
            "stage_four_trials",
        },
    ),
    "treatment": (
        (),
        {
            "treatment_modalities_differ",
            "treatment_order_differs",
            "treatment_intent_differs",
            "targeted_therapy_differs_biomarkers",
            "immunotherapy_differs_biomarkers",
            "trial_proposed",
            "cure_or_control_differs_trials",
        },
    ),
    "sequence": (("treatment",), {"treatment_order_differs"}),
    "intent": (("treatment",), {"treatment_intent_differs", "cure_or_control_differs_trials"}),
}
CASE_FIELDS: dict[str, set[str]] = {
    "records_shared": {"records_already_shared"},
    "tumor_board_reviewed": {"tumor_board_already_reviewed", "tumor_board_counts_as_joint_review"},
    "treatment_started": {"started_and_differ", "started_and_agree"},
    "coverage": {"medicare_coverage"},
    "time_sensitive": {"urgent_and_differ", "uncertain_and_urgent"},
}
# A field left out of every opinion makes its kind unknown.
UNKNOWN_KIND = {"stage": "stage", "treatment": "treatment"}


def answer(body: dict[str, Any]) -> RecommendationResponse:
    return RULES.recommender.recommend(RULES.parse(body))


def strip(body: dict[str, Any], field: str, only: int | None = None) -> dict[str, Any]:
    """The request with the field left out of every opinion (or of opinion `only`)."""
    out = copy.deepcopy(body)
    path, _ = OPINION_FIELDS[field]
    for idx, opinion in enumerate(out["opinions"]):
        if only is not None and idx != only:
            continue
        node = opinion
        for key in path:
            node = node.get(key) or {}
        node.pop(field, None)
    return out


@settings(max_examples=200, deadline=None)
@given(body=requests, field=st.sampled_from(sorted(OPINION_FIELDS)))
def test_an_opinion_field_left_out_everywhere_is_never_stated(body: dict[str, Any], field: str) -> None:
    stripped = answer(strip(body, field))
    assert not set(stripped.rules_fired) & OPINION_FIELDS[field][1]
    if field in UNKNOWN_KIND:
        assert UNKNOWN_KIND[field] in stripped.unknowns
        assert stripped.consensus != "agree"
        assert "confirmed_plan" not in [s.code for s in stripped.next_steps]


@settings(max_examples=150, deadline=None)
@given(body=requests, data=st.data())
def test_one_clinician_of_unknown_focus_means_no_gap_is_stated(
    body: dict[str, Any], data: st.DataObject
) -> None:
    only = data.draw(st.integers(min_value=0, max_value=len(body["opinions"]) - 1))
    stripped = answer(strip(body, "tumor_focus", only))
    assert not set(stripped.rules_fired) & OPINION_FIELDS["tumor_focus"][1]


@settings(max_examples=150, deadline=None)
@given(body=requests)
def test_a_specialty_left_out_changes_nothing_in_the_answer(body: dict[str, Any]) -> None:
    """No rule reads a clinician's specialty, so a portal that does not know it gets the same answer (a
    rule that comes to read it must say what an unknown specialty means, and be listed above)."""
    stripped = copy.deepcopy(body)
    for opinion in stripped["opinions"]:
        opinion["clinician"].pop("specialty", None)
    full, without = answer(body), answer(stripped)
    assert without.model_dump() == full.model_dump()


@settings(max_examples=150, deadline=None)
@given(body=requests, field=st.sampled_from(sorted(CASE_FIELDS)))
def test_a_case_field_left_out_is_never_stated(body: dict[str, Any], field: str) -> None:
    stripped = answer({k: v for k, v in body.items() if k != field})
    assert not set(stripped.rules_fired) & CASE_FIELDS[field]


@settings(max_examples=150, deadline=None)
@given(body=requests)
def test_agreement_is_only_said_when_everything_compared_is_known(body: dict[str, Any]) -> None:
    result = answer(body)
    request = RULES.parse(body)
    if result.consensus == "agree":
        assert all(o.diagnosis.stage not in (None, "unknown") for o in request.opinions)
        assert all(o.diagnosis.cancer_type.value != "other" for o in request.opinions)
        assert any(o.treatment is not None for o in request.opinions)
        assert result.unknowns == [] and result.discordances == []


def opinion(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clinician": {"specialty": "medical_oncology", "tumor_focus": "breast"},
        "diagnosis": {"cancer_type": "breast", "stage": "II"},
        "treatment": {"modalities": ["surgery"], "intent": "curative"},
        "explained_reasoning": True,
    }
    for key, value in extra.items():
        if isinstance(value, dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


# For each field: a request where the value, sent, makes its rules fire.
STATED = {
    "explained_reasoning": {
        "opinions": [opinion(explained_reasoning=False), opinion(treatment={"modalities": ["chemotherapy"]})]
    },
    "tumor_focus": {
        "opinions": [
            opinion(clinician={"tumor_focus": "none"}),
            opinion(clinician={"tumor_focus": "none"}, diagnosis={"stage": "III"}),
        ]
    },
    "stage": {"opinions": [opinion(diagnosis={"stage": "IIA"}), opinion(diagnosis={"stage": "IVB"})]},
    "treatment": {
        "opinions": [
            opinion(
                treatment={
                    "modalities": ["targeted_therapy", "immunotherapy", "clinical_trial"],
                    "sequence": ["targeted_therapy", "immunotherapy"],
                }
            ),
            opinion(treatment={"modalities": ["chemotherapy"], "intent": "palliative"}),
        ]
    },
    "sequence": {
        "opinions": [
            opinion(
                treatment={"modalities": ["surgery", "chemotherapy"], "sequence": ["surgery", "chemotherapy"]}
            ),
            opinion(
                treatment={"modalities": ["surgery", "chemotherapy"], "sequence": ["chemotherapy", "surgery"]}
            ),
        ]
    },
    "intent": {"opinions": [opinion(), opinion(treatment={"intent": "palliative"})]},
}


@pytest.mark.parametrize("field", sorted(STATED))
def test_each_field_s_rules_fire_when_the_value_is_sent(field: str) -> None:
    sent = answer(STATED[field])
    assert set(sent.rules_fired) & OPINION_FIELDS[field][1]
    assert not set(answer(strip(STATED[field], field)).rules_fired) & OPINION_FIELDS[field][1]
