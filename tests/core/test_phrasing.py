"""What differs, in words: the values the rules derived, majority view first, in each language."""

from __future__ import annotations

from service.config import get_settings
from service.core.catalog import load_catalog
from service.core.phrasing import ValueWords, answer_values

CATALOG = load_catalog(get_settings().rules_dir)


def words(lang: str) -> ValueWords:
    text = CATALOG.texts[lang]
    return ValueWords(text.phrases, text.cancer_types.__getitem__)


def fact(aspect: str, opinion: int, value: str) -> dict[str, str]:
    kind = aspect if aspect in ("diagnosis", "stage") else "treatment"
    return {"t": "discordance", "kind": kind, "aspect": aspect, "opinion": str(opinion), "value": value}


def test_two_views_one_each_say_one_and_another() -> None:
    facts = [fact("stage", 1, "II"), fact("stage", 2, "III")]
    assert words("en").views("stage", facts) == "One doctor found stage II; another found stage III"
    assert (
        words("es").views("stage", facts) == "Un médico encontró un estadio II; otro encontró un estadio III"
    )


def test_the_majority_comes_first_and_the_view_apart_is_named() -> None:
    facts = [fact("sequence", 1, "chemotherapy>surgery"), fact("sequence", 2, "surgery>chemotherapy")]
    facts.append(fact("sequence", 3, "surgery>chemotherapy"))
    assert words("en").views("sequence", facts) == (
        "Two doctors suggested surgery first, then chemotherapy; "
        "one doctor suggested chemotherapy first, then surgery"
    )
    assert words("es").views("sequence", facts) == (
        "Dos médicos sugirieron primero cirugía, luego quimioterapia; "
        "un médico sugirió primero quimioterapia, luego cirugía"
    )


def test_three_different_views_are_each_named_once_in_opinion_order() -> None:
    facts = [fact("diagnosis", 3, "cll"), fact("diagnosis", 1, "lymphoma"), fact("diagnosis", 2, "leukemia")]
    said = words("en").views("diagnosis", facts)
    assert said.split("; ") == [
        "One doctor named lymphoma",
        "one doctor named leukemia",
        "one doctor named chronic lymphocytic leukemia (CLL)",
    ]


def test_treatment_kinds_are_listed_in_plain_words() -> None:
    facts = [fact("modalities", 1, "chemotherapy+radiation+surgery"), fact("modalities", 2, "surgery")]
    assert words("en").views("modalities", facts) == (
        "One doctor suggested chemotherapy, radiation therapy and surgery; another suggested surgery"
    )


def test_the_answer_values_fit_the_number_of_opinions() -> None:
    facts = [fact("stage", 1, "IIA"), fact("stage", 2, "IIB")]
    two = answer_values(words("en"), 2, facts)
    many = answer_values(words("es"), 4, facts)
    assert two["doctors"] == "both doctors" and two["opinions"] == "two"
    assert many["doctors"] == "todos sus médicos" and many["opinions"] == "cuatro"
    assert two["differences"] == two["stage_views"] == "One doctor found stage IIA; another found stage IIB"
    assert two["treatment_views"] == two["diagnosis_views"] == ""


def test_unknowns_are_listed_in_a_fixed_order() -> None:
    assert words("en").unknowns(["treatment", "diagnosis"]) == "the type of cancer and the treatment"
    assert words("es").unknowns(["stage", "treatment", "diagnosis"]) == (
        "el tipo de cáncer, el estadio y el tratamiento"
    )
