"""Patient-facing text: complete, plain, our own words."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from service.core.catalog import CANCER_PLACEHOLDERS, Catalog, load_catalog
from service.core.exceptions import RuleFileError
from service.core.phrasing import VALUE_PLACEHOLDERS
from tests.support.paths import ROOT, RULES

SEED = ROOT.parent / "shared" / "seed" / "managing-different-opinions.txt"


def all_text(catalog: Catalog, lang: str) -> dict[str, str]:
    text = catalog.texts[lang]
    out = {"disclaimer": text.disclaimer}
    for code, words in text.steps.items():
        out[f"step {code}"] = " ".join([words.title, words.summary, words.details, *words.questions])
    out.update({f"reason {k}": v for k, v in text.reasons.items()})
    return out


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def test_no_sentence_is_copied_from_the_seed() -> None:
    seed = words(SEED.read_text())
    runs = {tuple(seed[i : i + 7]) for i in range(len(seed) - 6)}
    catalog = load_catalog(RULES)
    for lang in catalog.texts:
        for name, text in all_text(catalog, lang).items():
            ours = words(text)
            copied = [
                " ".join(ours[i : i + 7]) for i in range(len(ours) - 6) if tuple(ours[i : i + 7]) in runs
            ]
            assert copied == [], f"{lang} {name}"


def test_only_known_placeholders_are_used() -> None:
    catalog = load_catalog(RULES)
    cancer = {"{" + p + "}" for p in CANCER_PLACEHOLDERS}
    answer_values = cancer | {"{" + name + "}" for name in VALUE_PLACEHOLDERS}
    for lang, text in catalog.texts.items():
        for name, words in all_text(catalog, lang).items():
            assert set(re.findall(r"\{[^}]*\}", words)) <= answer_values, f"{lang} {name}"
        for key, title in text.resources.items():
            assert set(re.findall(r"\{[^}]*\}", title)) <= cancer, f"{lang} resource {key}"


def test_every_answer_text_says_it_is_not_medical_advice() -> None:
    catalog = load_catalog(RULES)
    assert "not medical advice" in catalog.texts["en"].disclaimer


def test_a_step_without_text_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    en = root / "text" / "en.yaml"
    en.write_text(en.read_text().replace("  clinical_trials:\n", "  clinical_trial_x:\n"))
    with pytest.raises(
        RuleFileError, match=r"text/en.yaml: entry 'clinical_trials': the step text must be a mapping"
    ):
        load_catalog(root)


FAMILIES = {
    "leukemia": {"aml", "all", "cll", "cml"},
    "lymphoma": {"hodgkin", "non_hodgkin"},
    "colorectal": {"colon", "rectal"},
    "lung": {"non_small_cell", "small_cell"},
    "sarcoma": {"soft_tissue", "bone"},
}
COMMON = {
    "kidney", "bladder", "liver", "stomach", "esophageal", "head_and_neck",
    "thyroid", "brain", "cervical", "uterine", "myeloma", "testicular",
}  # fmt: skip


def copy_rules(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_a_type_and_its_subtypes_load_with_their_family() -> None:
    catalog = load_catalog(RULES)
    for parent, subtypes in FAMILIES.items():
        assert catalog.cancer_types[parent].parent is None
        assert set(catalog.subtypes(parent)) == subtypes
        for code in subtypes:
            assert catalog.cancer_types[code].parent == parent
            assert catalog.family(code) == parent
        assert catalog.family(parent) == parent
    assert catalog.family("breast") == "breast"
    assert set(catalog.cancer_types) >= COMMON
    assert catalog.most_specific(["leukemia", "breast", "cll"]) == ("breast", "cll")
    assert catalog.most_specific(["aml", "cll"]) == ("aml", "cll")


def test_a_subtype_of_an_unknown_type_is_refused(tmp_path: Path) -> None:
    root = copy_rules(tmp_path)
    edit(
        root / "catalog.yaml",
        "  - code: cll\n    parent: leukemia\n",
        "  - code: cll\n    parent: leukaemia\n",
    )
    with pytest.raises(
        RuleFileError,
        match=r"^catalog.yaml: entry 'cll': parent 'leukaemia' is not a cancer type in this file$",
    ):
        load_catalog(root)


def test_a_subtype_of_a_subtype_is_refused(tmp_path: Path) -> None:
    root = copy_rules(tmp_path)
    edit(root / "catalog.yaml", "  - code: cll\n    parent: leukemia\n", "  - code: cll\n    parent: aml\n")
    with pytest.raises(RuleFileError, match=r"^catalog.yaml: entry 'cll': parent 'aml' is itself a subtype"):
        load_catalog(root)


def test_every_cancer_type_has_a_name_in_every_language() -> None:
    catalog = load_catalog(RULES)
    for lang, text in catalog.texts.items():
        assert set(text.cancer_types) == set(catalog.cancer_types), lang
        for code, name in text.cancer_types.items():
            assert name.strip() and "{" not in name, (lang, code)
    es = catalog.texts["es"].cancer_forms
    assert es["breast"]["of_the_cancer"] == "del cáncer de mama"
    assert es["leukemia"]["of_the_cancer"] == "de la leucemia"
    assert es["cll"]["to_the_cancer"] == "a la leucemia linfocítica crónica (LLC)"
    assert es["lymphoma"]["the_cancer"] == "el linfoma"
    # Every Spanish name but "your type of cancer" takes an article.
    assert [c for c, f in es.items() if f["the_cancer"] == f["cancer"]] == ["other"]
    assert all("seno" not in name for name in catalog.texts["es"].cancer_types.values())


def test_a_type_without_a_spanish_name_is_refused(tmp_path: Path) -> None:
    root = copy_rules(tmp_path)
    edit(root / "text" / "es.yaml", "  kidney: {name: cáncer de riñón, article: el}\n", "")
    with pytest.raises(
        RuleFileError, match=r"^text/es.yaml: entry 'kidney': the cancer-type name must be a mapping"
    ):
        load_catalog(root)


def test_a_spanish_name_with_an_unknown_article_is_refused(tmp_path: Path) -> None:
    root = copy_rules(tmp_path)
    edit(root / "text" / "es.yaml", "kidney: {name: cáncer de riñón, article: el}", "kidney: cáncer de riñón")
    with pytest.raises(RuleFileError, match=r"^text/es.yaml: entry 'kidney': article 'none' is not listed"):
        load_catalog(root)


def test_every_link_has_a_url_for_every_language_on_an_allowed_host() -> None:
    catalog = load_catalog(RULES)
    hosts = {
        "www.cancer.gov", "www.cancer.org", "csn.cancer.org", "www.nccn.org", "www.medicare.gov",
        "es.medicare.gov", "medlineplus.gov", "www.cancercare.org", "imermanangels.org",
    }  # fmt: skip
    for key, by_lang in catalog.resources.items():
        assert set(by_lang) == set(catalog.texts), key
    for code, info in catalog.cancer_types.items():
        for kind, by_lang in info.pages.items():
            assert set(by_lang) == set(catalog.texts), (code, kind)
        # Every type but "other" links pages, its own or its subtypes'.
        assert info.pages or catalog.subtypes(code) or code == "other", code
    for where, _, link in catalog.links():
        assert link.url.startswith("https://"), where
        assert link.url.split("/")[2] in hosts, where
        assert link.page_lang in catalog.texts, where


def test_subtypes_link_their_own_pages() -> None:
    catalog = load_catalog(RULES)
    for subtypes in FAMILIES.values():
        urls = [
            {link.url for by in catalog.cancer_types[c].pages.values() for link in by.values()}
            for c in subtypes
        ]
        assert all(urls), subtypes
        assert len({frozenset(u) for u in urls}) == len(urls), "two subtypes share their pages"


CIS_ES = re.compile(r"    es: \{url: https://www.cancer.gov/espanol/contactenos, [^}]*\}\n")


def edit_cis_es(root: Path, new: str) -> None:
    """Replace the Spanish line of the NCI Cancer Information Service link."""
    path = root / "catalog.yaml"
    text, count = CIS_ES.subn(new, path.read_text())
    assert count == 1
    path.write_text(text)


BAD_LINKS = {
    "missing": ("", "the 'es' link must be a mapping$"),
    "another host": (
        "    es: {url: https://cancer.example.org/espanol, confirmed: true}\n",
        "the 'es' link is not on a host",
    ),
    "not said if confirmed": (
        "    es: {url: https://www.cancer.gov/espanol/contactenos}\n",
        "the 'es' link must say 'confirmed",
    ),
    "unconfirmed without evidence": (
        "    es: {url: https://www.cancer.gov/espanol/contactenos, confirmed: false}\n",
        "the unconfirmed 'es' link needs 'evidence'",
    ),
    "evidence that is no evidence": (
        "    es: {url: https://www.cancer.gov/espanol/contactenos, confirmed: false, evidence: guess}\n",
        "the unconfirmed 'es' link needs 'evidence'",
    ),
}


@pytest.mark.parametrize(("line", "reason"), BAD_LINKS.values(), ids=BAD_LINKS.keys())
def test_a_bad_spanish_link_is_refused_naming_file_and_entry(tmp_path: Path, line: str, reason: str) -> None:
    root = copy_rules(tmp_path)
    edit_cis_es(root, line)
    with pytest.raises(RuleFileError, match=r"^catalog.yaml: entry 'nci_cis': " + reason):
        load_catalog(root)


def test_every_link_is_confirmed_or_has_evidence() -> None:
    catalog = load_catalog(RULES)
    for where, lang, link in catalog.links():
        assert link.confirmed != (link.evidence is not None), (where, lang)
    # The links every answer may show were seen in stored copies of the pages.
    for key in ("acs_second_opinion", "nci_finding_care", "medicare_second_opinion"):
        assert catalog.resources[key]["en"].confirmed, key
