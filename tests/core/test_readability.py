"""Reading level of every step, as a patient reads it: English at grade 8 or below, Spanish easy.

A step is read whole (title, summary, details and questions together), with its cancer
placeholders filled in. Short steps are measured too: a title and two questions can still
be hard to read. textstat is pinned at 0.7.4 (later versions fetch data from the network).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from statistics import mean

import pytest
import textstat

from service.core.catalog import Catalog, LanguageText, StepText, load_catalog
from service.core.wording import cancer_phrases, fill
from tests.support.paths import RULES

MAX_GRADE = 8.0  # Flesch-Kincaid grade, every English step
MAX_MEAN_GRADE = 6.0  # Flesch-Kincaid grade, mean over English steps
MIN_EASE_ES = 70.0  # Fernández-Huerta, every Spanish step (70: easy, about 7th grade)
COMMON = "breast"  # the type most answers name


@contextmanager
def language(lang: str) -> Iterator[None]:
    """textstat counts syllables per language; it keeps the choice globally."""
    textstat.set_lang(lang)
    try:
        yield
    finally:
        textstat.set_lang("en")


def read_whole(words: StepText, text: LanguageText, cancer_type: str) -> str:
    phrases = cancer_phrases(text, [cancer_type])
    return " ".join(
        fill(part, phrases) for part in (words.title, words.summary, words.details, *words.questions)
    )


def scores(catalog: Catalog, lang: str, cancer_type: str) -> dict[str, float]:
    """Each step's score: Flesch-Kincaid grade in English, Fernández-Huerta ease in Spanish."""
    text = catalog.texts[lang]
    measure = textstat.flesch_kincaid_grade if lang == "en" else textstat.fernandez_huerta
    with language(lang):
        return {code: measure(read_whole(words, text, cancer_type)) for code, words in text.steps.items()}


def grades(catalog: Catalog, cancer_type: str) -> dict[str, float]:
    return scores(catalog, "en", cancer_type)


def ease_es(catalog: Catalog, cancer_type: str) -> dict[str, float]:
    return scores(catalog, "es", cancer_type)


def test_every_english_step_reads_at_grade_8_or_below_and_6_on_average() -> None:
    catalog = load_catalog(RULES)
    measured = grades(catalog, COMMON)
    assert set(measured) == set(catalog.step_codes)
    assert {code: g for code, g in measured.items() if g > MAX_GRADE} == {}
    assert mean(measured.values()) <= MAX_MEAN_GRADE


def test_every_spanish_step_reads_easily() -> None:
    catalog = load_catalog(RULES)
    measured = ease_es(catalog, COMMON)
    assert set(measured) == set(catalog.step_codes)
    assert {code: e for code, e in measured.items() if e < MIN_EASE_ES} == {}


@pytest.mark.parametrize("cancer_type", sorted(load_catalog(RULES).cancer_types))
def test_long_cancer_names_keep_every_step_readable(cancer_type: str) -> None:
    """The longest names ("cáncer de pulmón de células no pequeñas") must not push a step over."""
    catalog = load_catalog(RULES)
    assert {c: g for c, g in grades(catalog, cancer_type).items() if g > MAX_GRADE} == {}
    assert {c: e for c, e in ease_es(catalog, cancer_type).items() if e < MIN_EASE_ES} == {}


def test_the_disclaimer_reads_easily() -> None:
    catalog = load_catalog(RULES)
    with language("en"):
        assert textstat.flesch_kincaid_grade(catalog.texts["en"].disclaimer) <= MAX_GRADE
    with language("es"):
        assert textstat.fernandez_huerta(catalog.texts["es"].disclaimer) >= MIN_EASE_ES


def test_the_measure_tells_hard_text_from_easy_text() -> None:
    """The thresholds bite: a dense sentence fails where a plain one passes."""
    dense = (
        "Multidisciplinary consultation facilitates comprehensive interdisciplinary evaluation of "
        "histopathological classification discrepancies."
    )
    plain = "Ask both doctors to look at your case together. Ask what each one found."
    with language("en"):
        assert textstat.flesch_kincaid_grade(dense) > MAX_GRADE >= textstat.flesch_kincaid_grade(plain)
    with language("es"):
        denso = (
            "La consulta multidisciplinaria facilita la evaluación interdisciplinaria "
            "de discrepancias histopatológicas."
        )
        claro = "Pida a sus dos médicos que miren su caso juntos. Pregunte qué vio cada uno."
        assert textstat.fernandez_huerta(denso) < MIN_EASE_ES <= textstat.fernandez_huerta(claro)
