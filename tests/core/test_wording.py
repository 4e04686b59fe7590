"""Cancer names with their articles, and links in the answer's language."""

from __future__ import annotations

import httpx

from service.core.catalog import CANCER_PLACEHOLDERS, load_catalog
from service.core.ranking import resources_for
from service.core.wording import cancer_phrases, cancer_type_pages, fill
from tests.support.bodies import opinion
from tests.support.paths import RULES


def test_spanish_names_take_their_articles_and_contractions() -> None:
    es = load_catalog(RULES).texts["es"]
    template = "Tratamiento {of_the_cancer}; dedicado {to_the_cancer}; sobre {the_cancer}; con {cancer}."
    assert fill(template, cancer_phrases(es, ["breast"])) == (
        "Tratamiento del cáncer de mama; dedicado al cáncer de mama; "
        "sobre el cáncer de mama; con cáncer de mama."
    )
    assert fill(template, cancer_phrases(es, ["leukemia"])) == (
        "Tratamiento de la leucemia; dedicado a la leucemia; sobre la leucemia; con leucemia."
    )
    assert fill("sobre {the_cancer}", cancer_phrases(es, ["breast", "leukemia"])) == (
        "sobre el cáncer de mama o la leucemia"
    )
    assert (
        fill("tratamiento {of_the_cancer}", cancer_phrases(es, ["other"]))
        == "tratamiento de su tipo de cáncer"
    )


def test_english_names_take_no_article() -> None:
    en = load_catalog(RULES).texts["en"]
    phrases = cancer_phrases(en, ["breast", "lymphoma"])
    assert fill("See a specialist in {cancer}.", phrases) == "See a specialist in breast cancer or lymphoma."
    assert fill("Treatment {of_the_cancer}", cancer_phrases(en, ["aml"])) == (
        "Treatment of acute myeloid leukemia (AML)"
    )
    assert fill("{stage} stays", phrases) == "{stage} stays"


def test_a_family_without_its_own_pages_links_each_subtype() -> None:
    catalog = load_catalog(RULES)
    en = catalog.texts["en"]
    sarcoma = {r.url for r in cancer_type_pages(catalog, en, ["sarcoma"])}
    soft_tissue = {r.url for r in cancer_type_pages(catalog, en, ["soft_tissue"])}
    bone = {r.url for r in cancer_type_pages(catalog, en, ["bone"])}
    assert sarcoma == soft_tissue | bone
    assert soft_tissue and bone and not soft_tissue & bone
    # Named with its own subtype, a family is covered by the subtype's pages alone.
    assert {r.url for r in cancer_type_pages(catalog, en, ["leukemia", "cll"])} == {
        r.url for r in cancer_type_pages(catalog, en, ["cll"])
    }
    assert cancer_type_pages(catalog, en, ["other"]) == []


def post(client: httpx.Client, lang: str, *opinions: dict[str, object]) -> dict[str, object]:
    response = client.post("/v1/recommendations", json={"opinions": list(opinions), "lang": lang})
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def resources(answer: dict[str, object]) -> list[dict[str, str]]:
    steps = answer["next_steps"]
    assert isinstance(steps, list)
    return [r for step in steps for r in step["resources"]]


def test_spanish_answers_link_spanish_pages_and_mark_english_ones(client: httpx.Client) -> None:
    catalog = load_catalog(RULES)
    spanish = {link.url: link for _, lang, link in catalog.links() if lang == "es"}
    english_only = {link.url for _, lang, link in catalog.links() if lang == "en"} - spanish.keys()
    answer = post(
        client,
        "es",
        opinion("aml", None, ("chemotherapy",)),
        opinion("leukemia", None, ("stem_cell_transplant",)),
    )
    links = resources(answer)
    assert links
    for link in links:
        assert link["url"] not in english_only, link
        page = spanish[link["url"]]
        assert link["title"].endswith("(en inglés)") == (page.page_lang == "en"), link
    aml = catalog.cancer_types["aml"].pages["nci"]["es"]
    assert aml.page_lang == "es"
    guide = next(r for r in links if r["url"] == aml.url)
    assert (
        guide["title"]
        == "Instituto Nacional del Cáncer: leucemia mieloide aguda (LMA), información para pacientes"
    )
    # The answer names the subtype, not "leucemia o leucemia mieloide aguda".
    texts = " ".join(s["title"] + s["summary"] for s in answer["next_steps"])  # type: ignore[attr-defined]
    assert "leucemia o " not in texts


def test_english_answers_link_english_pages_unmarked(client: httpx.Client) -> None:
    catalog = load_catalog(RULES)
    english = {link.url for _, lang, link in catalog.links() if lang == "en"}
    answer = post(client, "en", opinion("colon", "II"), opinion("rectal", "III", ("chemotherapy",)))
    links = resources(answer)
    assert {r["url"] for r in links} <= english
    assert not any("(in " in r["title"] for r in links)
    titles = {r["title"] for r in links}
    assert "National Cancer Institute: colon cancer, for patients" in titles
    assert "National Cancer Institute: rectal cancer, for patients" in titles


def test_no_step_links_the_same_page_twice() -> None:
    catalog = load_catalog(RULES)
    for lang, text in catalog.texts.items():
        for code in catalog.step_codes:
            for named in (["breast"], ["sarcoma"], ["leukemia", "cll"], ["aml", "lymphoma"], ["other"]):
                urls = [r.url for r in resources_for(code, catalog, text, named)]
                assert len(urls) == len(set(urls)), (lang, code, named)


def test_the_medicare_page_is_no_default_link_and_exists_in_spanish() -> None:
    catalog = load_catalog(RULES)
    assert [s.code for s in catalog.steps if "medicare_second_opinion" in s.resources] == []
    medicare = catalog.resources["medicare_second_opinion"]
    assert medicare["en"].url.startswith("https://www.medicare.gov/")
    assert medicare["es"].url.startswith("https://es.medicare.gov/")
    assert medicare["es"].page_lang == "es"
    cis = catalog.resources["nci_cis"]["es"]
    assert cis.url.startswith("https://www.cancer.gov/espanol/") and cis.page_lang == "es"
    assert "español" in catalog.texts["es"].resources["nci_cis"]


def test_the_placeholders_are_documented_at_the_head_of_every_text_file() -> None:
    catalog = load_catalog(RULES)
    for lang in catalog.texts:
        head = (RULES / "text" / f"{lang}.yaml").read_text().split(f"lang: {lang}")[0]
        for placeholder in CANCER_PLACEHOLDERS:
            assert "{" + placeholder + "}" in head, (lang, placeholder)
