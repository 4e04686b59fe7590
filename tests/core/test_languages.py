"""English and Spanish: complete catalogs, Accept-Language with q-values, and a `lang` field that wins."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from service.core.catalog import load_catalog
from service.core.languages import choose, negotiate, parse_accept_language
from service.core.wording import fill
from tests.support.bodies import opinion
from tests.support.paths import RULES

LANGS = {"en", "es"}
MAMA = {
    "cancer": "cáncer de mama",
    "the_cancer": "el cáncer de mama",
    "of_the_cancer": "del cáncer de mama",
    "to_the_cancer": "al cáncer de mama",
}


def keys(node: Any, prefix: str = "") -> set[str]:
    """Every key path of a YAML document, lists by position."""
    if isinstance(node, dict):
        return {p for k, v in node.items() for p in keys(v, f"{prefix}.{k}" if prefix else str(k))}
    if isinstance(node, list):
        return {p for i, v in enumerate(node) for p in keys(v, f"{prefix}[{i}]")}
    return {prefix}


def test_every_catalog_entry_exists_in_both_languages() -> None:
    catalog = load_catalog(RULES)
    assert set(catalog.texts) == LANGS
    en, es = catalog.texts["en"], catalog.texts["es"]
    assert set(en.steps) == set(es.steps) == set(catalog.step_codes)
    assert set(en.cancer_types) == set(es.cancer_types) == set(catalog.cancer_types)
    assert set(en.resources) == set(es.resources)
    assert set(en.reasons) == set(es.reasons)
    for code in catalog.step_codes:
        assert len(en.steps[code].questions) == len(es.steps[code].questions), code
    raw = {lang: yaml.safe_load((RULES / "text" / f"{lang}.yaml").read_text()) for lang in LANGS}
    # Names and their grammar differ by language (Spanish names carry an article); the rest matches.
    grammar = ("lang", "cancer_types.", "articles.")
    assert {k for k in keys(raw["en"]) if not k.startswith(grammar)} == {
        k for k in keys(raw["es"]) if not k.startswith(grammar)
    }
    assert set(raw["en"]["cancer_types"]) == set(raw["es"]["cancer_types"])


def test_spanish_is_not_english() -> None:
    catalog = load_catalog(RULES)
    en, es = catalog.texts["en"], catalog.texts["es"]
    same = [code for code in catalog.step_codes if en.steps[code].details == es.steps[code].details]
    assert same == []
    assert [k for k in en.reasons if en.reasons[k] == es.reasons[k]] == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es", [("es", 1.0)]),
        ("en;q=0.5, es-MX", [("es-mx", 1.0), ("en", 0.5)]),
        ("fr;q=0.9, es;q=0.8, *;q=0.1", [("fr", 0.9), ("es", 0.8), ("*", 0.1)]),
        ("es;q=0, en", [("en", 1.0)]),
        ("es;q=2, en;q=abc, , de", [("de", 1.0)]),
        ("", []),
    ],
)
def test_accept_language_parsing(header: str, expected: list[tuple[str, float]]) -> None:
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("es", "es"),
        ("es-419", "es"),
        ("fr, es;q=0.5", "es"),
        ("en;q=0.3, es;q=0.7", "es"),
        ("es;q=0.7, en", "en"),
        ("es;q=0", "en"),
        ("fr, de", "en"),
        ("*", "en"),
        ("garbage;;;", "en"),
    ],
)
def test_negotiation_falls_back_to_english(header: str | None, expected: str) -> None:
    assert negotiate(header, LANGS) == expected


def test_the_lang_field_wins() -> None:
    assert choose("en", "es", LANGS) == "en"
    assert choose("es", None, LANGS) == "es"
    assert choose(None, "es", LANGS) == "es"


def body(**extra: Any) -> dict[str, Any]:
    return {
        "opinions": [opinion("breast", "II"), opinion("breast", "III", ("chemotherapy",))],
        **extra,
    }


def test_a_spanish_request_gets_spanish_text_and_disclaimer(client: httpx.Client) -> None:
    catalog = load_catalog(RULES)
    response = client.post(
        "/v1/recommendations", json=body(), headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.4"}
    )
    assert response.status_code == 200
    assert response.headers["content-language"] == "es"
    assert "accept-language" in response.headers["vary"].lower()
    answer = response.json()
    assert answer["disclaimer"] == catalog.texts["es"].disclaimer
    titles = {s["code"]: s["title"] for s in answer["next_steps"]}
    assert titles["third_specialist"] == "Vea a otro especialista en cáncer de mama"
    first = answer["next_steps"][0]
    assert first["summary"] == fill(catalog.texts["es"].steps[first["code"]].summary, MAMA).replace(
        "{doctors}", "los dos médicos"
    )
    reasons = catalog.texts["es"].reasons
    for step in answer["next_steps"]:
        for reason in step["reasons"]:
            template = fill(reasons[reason["rule"]], MAMA)
            if "{" in template:  # names what the opinions say: checked in tests/core/test_phrasing.py
                assert "{" not in reason["text"] and reason["text"].endswith(template.rsplit("}", 1)[1])
            else:
                assert reason["text"] == template


def test_the_lang_field_wins_over_the_header(client: httpx.Client) -> None:
    english = client.post("/v1/recommendations", json=body(lang="en"), headers={"Accept-Language": "es"})
    assert english.headers["content-language"] == "en"
    assert english.json()["disclaimer"].startswith("This is general information")
    spanish = client.post("/v1/recommendations", json=body(lang="es"))
    assert spanish.headers["content-language"] == "es"


def test_an_unsupported_language_falls_back_to_english(client: httpx.Client) -> None:
    response = client.post("/v1/recommendations", json=body(), headers={"Accept-Language": "fr-FR, de;q=0.5"})
    assert response.headers["content-language"] == "en"
    bad = client.post("/v1/recommendations", json=body(lang="fr"))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "lang"


def test_reference_endpoints_follow_the_language(client: httpx.Client) -> None:
    steps = client.get("/v1/next-steps", headers={"Accept-Language": "es"})
    assert steps.headers["content-language"] == "es"
    assert steps.json()["next_steps"][0]["title"] == "Pregunte si puede tomarse tiempo para decidir"
    assert steps.json()["disclaimer"].startswith("Esta es información general")
    types = client.get("/v1/cancer-types", headers={"Accept-Language": "es"})
    assert types.headers["content-language"] == "es"
    names = {t["code"]: t["name"] for t in types.json()["cancer_types"]}
    assert names["lung"] == "cáncer de pulmón"
    english = client.get("/v1/cancer-types")
    assert english.headers["content-language"] == "en"
    assert {t["code"]: t["name"] for t in english.json()["cancer_types"]}["lung"] == "lung cancer"
