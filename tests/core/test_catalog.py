"""Patient-facing text: complete, plain, our own words."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import textstat

from service.core.catalog import Catalog, load_catalog
from service.core.exceptions import RuleFileError
from tests.support.paths import ROOT, RULES

SEED = ROOT.parent / "shared" / "seed" / "managing-different-opinions.txt"
MAX_GRADE = 8.0


def all_text(catalog: Catalog, lang: str) -> dict[str, str]:
    text = catalog.texts[lang]
    out = {"disclaimer": text.disclaimer}
    for code, words in text.steps.items():
        out[f"step {code}"] = " ".join([words.title, words.summary, words.details, *words.questions])
    out.update({f"reason {k}": v for k, v in text.reasons.items()})
    return out


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def test_english_text_reads_at_or_below_eighth_grade() -> None:
    catalog = load_catalog(RULES)
    for name, text in all_text(catalog, "en").items():
        sample = text.replace("{cancer}", "breast cancer")
        if len(words(sample)) >= 20:
            assert textstat.flesch_kincaid_grade(sample) <= MAX_GRADE, name


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


def test_only_the_cancer_placeholder_is_used() -> None:
    catalog = load_catalog(RULES)
    for lang in catalog.texts:
        for name, text in all_text(catalog, lang).items():
            assert set(re.findall(r"\{[^}]*\}", text)) <= {"{cancer}"}, f"{lang} {name}"


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
