"""The catalog, cancer types, rules, health and readiness endpoints."""

from __future__ import annotations

import hashlib

import httpx

from tests.support.paths import RULES

REQUIRED_TYPES = {
    "breast",
    "prostate",
    "lung",
    "colorectal",
    "lymphoma",
    "leukemia",
    "sarcoma",
    "melanoma",
    "pancreatic",
    "ovarian",
    "other",
}
REQUIRED_STEPS = {
    "joint_review",
    "ask_reasoning",
    "third_specialist",
    "research_guidelines",
    "support_groups",
    "confirmed_plan",
    "ask_if_safe_to_wait",
}


def test_cancer_types_list_the_required_codes_with_names(client: httpx.Client) -> None:
    types = client.get("/v1/cancer-types").json()["cancer_types"]
    codes = {t["code"] for t in types}
    assert codes >= REQUIRED_TYPES
    assert all(t["name"] for t in types)
    breast = next(t for t in types if t["code"] == "breast")
    assert any("cancer.gov" in r["url"] for r in breast["resources"])
    parents = {t["code"]: t["parent"] for t in types}
    assert parents["cll"] == "leukemia" and parents["colon"] == "colorectal"
    assert parents["leukemia"] is None and parents["breast"] is None


def test_spanish_cancer_types_link_spanish_pages_and_mark_english_ones(client: httpx.Client) -> None:
    types = client.get("/v1/cancer-types", headers={"Accept-Language": "es"}).json()["cancer_types"]
    by_code = {t["code"]: t for t in types}
    assert by_code["breast"]["name"] == "cáncer de mama"
    lung = by_code["lung"]["resources"]
    assert any("/espanol/" in r["url"] and "(en inglés)" not in r["title"] for r in lung)
    for entry in types:
        for resource in entry["resources"]:
            in_spanish = "/espanol/" in resource["url"] or "/es/" in resource["url"]
            assert resource["title"].endswith("(en inglés)") != in_spanish, resource
    # A family without pages of its own lists its subtypes' pages.
    sarcoma = {r["url"] for r in by_code["sarcoma"]["resources"]}
    assert sarcoma == {r["url"] for c in ("soft_tissue", "bone") for r in by_code[c]["resources"]}


def test_catalog_lists_every_step_with_text(client: httpx.Client) -> None:
    body = client.get("/v1/next-steps").json()
    codes = [s["code"] for s in body["next_steps"]]
    assert set(codes) >= REQUIRED_STEPS
    assert len(codes) == len(set(codes))
    assert all(s["title"] and s["questions_to_ask"] and s["resources"] for s in body["next_steps"])
    assert "not medical advice" in body["disclaimer"]


def test_rules_report_ids_version_and_the_hash_of_the_loaded_files(client: httpx.Client) -> None:
    body = client.get("/v1/rules").json()
    ids = [r["id"] for r in body["rules"]]
    assert len(ids) == len(set(ids)) > 10
    assert {r["stage"] for r in body["rules"]} == {"derive", "recommend", "adjust"}
    digest = hashlib.sha256()
    # every file the service reads, the handout's words included (a change to any of them reloads);
    # the scenarios are tests, not read by the service
    files = sorted(p for p in RULES.rglob("*.yaml") if "scenarios" not in p.parts)
    for path in sorted(files, key=lambda p: str(p.relative_to(RULES))):
        digest.update(str(path.relative_to(RULES)).encode() + b"\0" + path.read_bytes() + b"\0")
    assert body["sha256"] == digest.hexdigest()


def test_health_and_readiness(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["ruleset"]["sha256"] == client.get("/v1/rules").json()["sha256"]
