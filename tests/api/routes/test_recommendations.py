"""POST /v1/recommendations: what a portal shows a patient, checked as a portal would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.bodies import opinion


def recommend(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    result: dict[str, Any] = response.json()
    return result


def step(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in body["next_steps"] if s["code"] == code)


def test_every_step_is_ranked_explained_and_linked(client: httpx.Client) -> None:
    body = recommend(client, opinions=[opinion(), opinion(modalities=("chemotherapy",))])
    assert [s["rank"] for s in body["next_steps"]] == list(range(1, len(body["next_steps"]) + 1))
    for s in body["next_steps"]:
        assert s["title"] and s["summary"] and s["details"]
        assert s["questions_to_ask"], s["code"]
        assert s["reasons"] and all(r["rule"] and r["text"] for r in s["reasons"]), s["code"]
        assert s["resources"] and all(r["url"].startswith("https://") and r["title"] for r in s["resources"])
        assert "{" not in s["title"] + s["summary"] + s["details"] + "".join(s["questions_to_ask"])


def test_every_answer_carries_the_disclaimer_and_ruleset(client: httpx.Client) -> None:
    rules = client.get("/v1/rules").json()
    for opinions in ([opinion(), opinion()], [opinion(), opinion(cancer_type="lung")]):
        body = recommend(client, opinions=opinions)
        assert "not medical advice" in body["disclaimer"]
        assert body["ruleset"] == {"version": rules["version"], "sha256": rules["sha256"]}


def test_reasons_name_every_rule_that_placed_or_moved_a_step(client: httpx.Client) -> None:
    body = recommend(
        client,
        opinions=[opinion(tumor_focus="none"), opinion(modalities=("chemotherapy",), tumor_focus="none")],
        completed_steps=["joint_review"],
    )
    third = step(body, "third_specialist")
    assert [r["rule"] for r in third["reasons"]] == [
        "differ_third_specialist",
        "joint_review_done_third_specialist_next",
        "no_specialist_third_specialist_rises",
    ]
    assert all(r["rule"] in body["rules_fired"] for r in third["reasons"])


def test_missing_specialist_text_names_the_cancer_type(client: httpx.Client) -> None:
    body = recommend(
        client,
        opinions=[
            opinion("sarcoma", tumor_focus="none"),
            opinion("sarcoma", modalities=("radiation",), tumor_focus="none"),
        ],
    )
    third = step(body, "third_specialist")
    assert "sarcoma" in third["title"]
    assert any(
        "sarcoma" in r["text"]
        for r in third["reasons"]
        if r["rule"] == "no_specialist_third_specialist_rises"
    )


def test_missing_specialist_reason_names_only_the_uncovered_type(client: httpx.Client) -> None:
    body = recommend(
        client, opinions=[opinion("breast", tumor_focus="breast"), opinion("lymphoma", tumor_focus="none")]
    )
    reason = next(
        r
        for r in step(body, "third_specialist")["reasons"]
        if r["rule"] == "no_specialist_third_specialist_rises"
    )
    assert "lymphoma" in reason["text"] and "breast" not in reason["text"]


def test_research_guidelines_links_pdq_nccn_and_acs_for_the_cancer_type(client: httpx.Client) -> None:
    body = recommend(client, opinions=[opinion("prostate"), opinion("prostate", modalities=("radiation",))])
    urls = [r["url"] for r in step(body, "research_guidelines")["resources"]]
    assert "https://www.cancer.gov/types/prostate/patient/prostate-treatment-pdq" in urls
    assert "https://www.cancer.org/cancer/types/prostate-cancer.html" in urls
    assert any(u.startswith("https://www.nccn.org/") for u in urls)
    assert any("cancer.gov/publications/pdq" in u for u in urls)


def test_research_guidelines_for_a_type_without_pages_keeps_the_general_guides(client: httpx.Client) -> None:
    body = recommend(client, opinions=[opinion("other"), opinion("other", modalities=("radiation",))])
    urls = [r["url"] for r in step(body, "research_guidelines")["resources"]]
    assert any("cancer.gov" in u for u in urls) and any("nccn.org" in u for u in urls)
    assert any("cancer.org" in u for u in urls)


def test_answers_are_deterministic(client: httpx.Client) -> None:
    body = {"opinions": [opinion("lung", "III", ("chemotherapy", "radiation")), opinion("lung", "IV")]}

    def answer() -> dict[str, Any]:
        result = recommend(client, **body)
        result.pop("decision_id")  # each evaluation is its own recorded decision
        return result

    first = answer()
    assert all(answer() == first for _ in range(20))


def test_opinion_order_of_modalities_does_not_matter(client: httpx.Client) -> None:
    a = recommend(
        client,
        opinions=[opinion(modalities=("surgery", "radiation")), opinion(modalities=("radiation", "surgery"))],
    )
    assert a["consensus"] == "agree"


def test_completed_steps_are_read_as_a_set(client: httpx.Client) -> None:
    body = recommend(
        client, opinions=[opinion(), opinion()], completed_steps=["support_groups", "support_groups"]
    )
    assert body["consensus"] == "agree"
    assert "support_groups" not in [s["code"] for s in body["next_steps"]]


def test_a_treatment_kind_given_twice_is_refused(client: httpx.Client) -> None:
    response = client.post(
        "/v1/recommendations", json={"opinions": [opinion(modalities=("surgery", "surgery")), opinion()]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "opinions[0].treatment.modalities",
            "reason": "each treatment kind may appear only once",
        }
    ]


def test_a_stage_in_another_form_is_refused_listing_the_accepted_forms(client: httpx.Client) -> None:
    body = {"opinions": [opinion(stage="stage-zz9"), opinion()]}
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 422
    errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
    reason = errors["opinions[0].diagnosis.stage"]
    assert "0is" in reason and "IIB" in reason and "any letter case" in reason
    assert "zz9" not in response.text  # the value is never echoed


def test_a_kind_named_only_in_the_sequence_counts_as_proposed(client: httpx.Client) -> None:
    first = opinion(modalities=("surgery",))
    first["treatment"]["sequence"] = ["surgery", "radiation"]
    second = opinion(modalities=("surgery", "radiation"))
    body = recommend(client, opinions=[first, second])
    assert body["consensus"] == "agree"  # both propose surgery and radiation


def test_the_medicare_page_is_linked_only_for_people_on_medicare(client: httpx.Client) -> None:
    opinions = [opinion(), opinion(modalities=("radiation",))]
    medicare = "https://www.medicare.gov/coverage/second-surgical-opinions"
    for coverage, linked in (("medicare", True), ("private", False), (None, False)):
        extra = {"coverage": coverage} if coverage else {}
        body = recommend(client, opinions=opinions, **extra)
        urls = [r["url"] for s in body["next_steps"] for r in s["resources"]]
        assert (medicare in urls) is linked, coverage
        assert "check_coverage" in [s["code"] for s in body["next_steps"]]


def test_a_tumor_focus_is_a_cancer_type_or_none(client: httpx.Client) -> None:
    known = recommend(client, opinions=[opinion(tumor_focus="none"), opinion(tumor_focus="breast")])
    assert known["next_steps"]
    bad = opinion()
    bad["clinician"]["tumor_focus"] = "astrology"
    response = client.post("/v1/recommendations", json={"opinions": [bad, opinion()]})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "opinions[0].clinician.tumor_focus",
            "reason": "must be a cancer-type code (GET /v1/cancer-types) or 'none'",
        }
    ]
    assert "astrology" not in response.text
