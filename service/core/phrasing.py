"""Words that depend on the answer: what differs (with the values), what is unknown, how many doctors.

The rules derive the facts (a discordance fact carries one opinion's side of a difference); this
module only puts them into the words of one language, for the answer to the caller who sent them.
Nothing here is logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.core.exceptions import RuleFileError

ASPECTS = ("diagnosis", "stage", "modalities", "sequence", "intent")
TREATMENT_ASPECTS = ("modalities", "sequence", "intent")
VIEW_FORMS = ("one", "many", "another")
UNKNOWN_KINDS = ("diagnosis", "stage", "treatment")
# Placeholders this module fills; the cancer-type ones are filled elsewhere.
VALUE_PLACEHOLDERS = (
    "doctors",
    "opinions",
    "differences",
    "diagnosis_views",
    "stage_views",
    "treatment_views",
    "unknowns",
)
TWO = 2
SET_JOIN = "+"
SEQUENCE_JOIN = ">"


@dataclass(frozen=True)
class Phrases:
    doctors: dict[str, str]  # "two" / "many" -> "both doctors" / "all your doctors"
    numbers: tuple[str, ...]  # "one", "two", ... for counts from 1
    views: dict[str, dict[str, str]]  # aspect -> form (one, many, another) -> template
    joiner_and: str
    order: str  # "{first} first, then {rest}"
    joiner_then: str
    modalities: dict[str, str]
    intents: dict[str, str]
    unknowns: dict[str, str]


def _fail(file: str, entry: str, reason: str) -> RuleFileError:
    return RuleFileError(file, entry, reason, kind="entry")


def _words(raw: Any, file: str, entry: str, keys: Sequence[str] | None = None) -> dict[str, str]:
    """Named words, each non-empty text; keys None: whatever the mapping names."""
    if not isinstance(raw, dict):
        raise _fail(file, entry, "must be a mapping")
    found: dict[str, str] = {}
    for key in raw if keys is None else keys:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _fail(file, f"{entry}.{key}", "must be non-empty text")
        found[key] = value
    return found


def load_phrases(raw: Any, file: str) -> Phrases:
    """The `phrases` section of a text file, checked: every form of every word the answer may need.

    That every treatment kind and intent of the contract has its words is checked where the
    contract is known (check_phrases).
    """
    if not isinstance(raw, dict):
        raise _fail(file, "phrases", "'phrases' must be a mapping")
    numbers = raw.get("numbers")
    if (
        not isinstance(numbers, list)
        or len(numbers) < 10
        or not all(isinstance(n, str) and n for n in numbers)
    ):
        raise _fail(file, "phrases.numbers", "must list the words for one to ten")
    views = raw.get("views")
    if not isinstance(views, dict):
        raise _fail(file, "phrases.views", "must be a mapping")
    return Phrases(
        doctors=_words(raw.get("doctors"), file, "phrases.doctors", ("two", "many")),
        numbers=tuple(numbers),
        views={a: _words(views.get(a), file, f"phrases.views.{a}", VIEW_FORMS) for a in ASPECTS},
        joiner_and=_words(raw, file, "phrases", ("joiner_and",))["joiner_and"],
        order=_words(raw, file, "phrases", ("order",))["order"],
        joiner_then=_words(raw, file, "phrases", ("joiner_then",))["joiner_then"],
        modalities=_words(raw.get("modalities"), file, "phrases.modalities"),
        intents=_words(raw.get("intents"), file, "phrases.intents"),
        unknowns=_words(raw.get("unknowns"), file, "phrases.unknowns", UNKNOWN_KINDS),
    )


def check_phrases(lang: str, phrases: Phrases, modalities: Sequence[str], intents: Sequence[str]) -> None:
    """Every treatment kind and intent the contract accepts has words in this language."""
    file = f"text/{lang}.yaml"
    for what, have, need in (
        ("modalities", phrases.modalities, modalities),
        ("intents", phrases.intents, intents),
    ):
        missing = [code for code in need if code not in have]
        if missing:
            raise _fail(file, f"phrases.{what}.{missing[0]}", "no words for this code")


def count_word(phrases: Phrases, count: int) -> str:
    return phrases.numbers[count - 1] if 0 < count <= len(phrases.numbers) else str(count)


def listing(phrases: Phrases, items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    if len(items) <= TWO:
        return phrases.joiner_and.join(items)
    return ", ".join(items[:-1]) + phrases.joiner_and + items[-1]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


class ValueWords:
    """Puts the values of one answer's discordance facts into words of one language."""

    def __init__(self, phrases: Phrases, cancer_name: Callable[[str], str]) -> None:
        self.phrases, self.cancer_name = phrases, cancer_name

    def value(self, aspect: str, value: str) -> str:
        p = self.phrases
        if aspect == "diagnosis":
            return self.cancer_name(value)
        if aspect == "modalities":
            return listing(p, [p.modalities[m] for m in value.split(SET_JOIN)])
        if aspect == "sequence":
            first, *rest = [p.modalities[m] for m in value.split(SEQUENCE_JOIN)]
            if not rest:
                return first
            return p.order.replace("{first}", first).replace("{rest}", p.joiner_then.join(rest))
        if aspect == "intent":
            return p.intents[value]
        return value  # a stage, as written

    def views(self, aspect: str, facts: Sequence[Mapping[str, str]]) -> str:
        """One sentence: "Two doctors found stage II; one doctor found stage III" (majority first)."""
        holders: dict[str, set[int]] = {}
        for fact in facts:
            if fact["aspect"] == aspect:
                holders.setdefault(fact["value"], set()).add(int(fact["opinion"]))
        ordered = sorted(holders.items(), key=lambda item: (-len(item[1]), min(item[1])))
        forms = self.phrases.views[aspect]
        pairwise = len(ordered) == TWO and all(len(refs) == 1 for _, refs in ordered)
        parts = []
        for position, (value, refs) in enumerate(ordered):
            form = "another" if pairwise and position == 1 else "one" if len(refs) == 1 else "many"
            part = forms[form].replace("{count}", count_word(self.phrases, len(refs)))
            parts.append(part.replace("{value}", self.value(aspect, value)))
        return capitalise("; ".join(parts))

    def sentences(self, aspects: Sequence[str], facts: Sequence[Mapping[str, str]]) -> str:
        """The views of each aspect that differs, one sentence each, joined ("A; b. C; d")."""
        present = {f["aspect"] for f in facts}
        return ". ".join(self.views(a, facts) for a in aspects if a in present)

    def unknowns(self, kinds: Sequence[str]) -> str:
        return listing(self.phrases, [self.phrases.unknowns[k] for k in UNKNOWN_KINDS if k in kinds])


# The values every reason of one answer may name (the last of VALUE_PLACEHOLDERS, unknowns, is each
# reason's own); the views name the aspects that differ.
ANSWER_VALUES = VALUE_PLACEHOLDERS[:-1]
VIEWS = {
    "differences": ASPECTS,
    "diagnosis_views": ("diagnosis",),
    "stage_views": ("stage",),
    "treatment_views": TREATMENT_ASPECTS,
}


class AnswerValues:
    """The values of answer_values, each put into words when first asked for: most reasons name none
    of the views, which cost the most to write."""

    def __init__(
        self, words: ValueWords, opinions: int, facts: Callable[[], Sequence[Mapping[str, str]]]
    ) -> None:
        self.words, self.opinions, self.facts = words, opinions, facts
        self._found: dict[str, str] = {}
        self._facts: Sequence[Mapping[str, str]] | None = None

    def __getitem__(self, name: str) -> str:
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = self._value(name)
        return found

    def _value(self, name: str) -> str:
        p = self.words.phrases
        if name == "doctors":
            return p.doctors["two" if self.opinions == TWO else "many"]
        if name == "opinions":
            return count_word(p, self.opinions)
        if self._facts is None:
            self._facts = self.facts()
        return self.words.sentences(VIEWS[name], self._facts)


def answer_values(words: ValueWords, opinions: int, facts: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The values every reason of one answer may name."""
    values = AnswerValues(words, opinions, lambda: facts)
    return {name: values[name] for name in ANSWER_VALUES}


def fill_values(template: str, values: Mapping[str, str]) -> str:
    for name, words in values.items():
        template = template.replace("{" + name + "}", words)
    return template


PLACEHOLDERS = tuple((name, "{" + name + "}") for name in VALUE_PLACEHOLDERS)


def fill_named(template: str, value: Callable[[str], str]) -> str:
    """fill_values with every value of VALUE_PLACEHOLDERS, in that order, each asked for only when the
    template names it: the same text, as replacing a placeholder the text does not hold changes nothing."""
    for name, placeholder in PLACEHOLDERS:
        if placeholder in template:
            template = template.replace(placeholder, value(name))
    return template
