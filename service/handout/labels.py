"""The handout's own words (headings, date format) per language, read from rules/handout/<lang>.yaml.

Every language the catalog has needs a file, checked at start-up, so a decision in any language prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service.core.catalog import read_yaml
from service.core.exceptions import RuleFileError

TEXT_KEYS = (
    "title",
    "intro",
    "steps_heading",
    "why_label",
    "questions_heading",
    "answer_label",
    "resources_heading",
    "no_steps",
    "notes_heading",
    "date_label",
    "ruleset_label",
    "decision_label",
    "date_format",
)


@dataclass(frozen=True)
class Labels:
    lang: str
    text: dict[str, str]
    months: tuple[str, ...]

    def __getitem__(self, key: str) -> str:
        return self.text[key]

    def date(self, day: date) -> str:
        """The day written out in this language, e.g. "November 27, 2026" or "27 de noviembre de 2026"."""
        return self.text["date_format"].format(day=day.day, month=self.months[day.month - 1], year=day.year)


def _load(path: Path, root: Path) -> Labels:
    file = str(path.relative_to(root))

    def fail(entry: str | None, reason: str) -> RuleFileError:
        return RuleFileError(file, entry, reason, kind="entry")

    doc = read_yaml(path, root, {})
    if not isinstance(doc, dict) or doc.get("lang") != path.stem:
        raise fail(None, f"must be a mapping with 'lang: {path.stem}', as the file name says")
    text: dict[str, str] = {}
    for key in TEXT_KEYS:
        value = doc.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "must be non-empty text")
        text[key] = " ".join(value.split())
    months = doc.get("months")
    if not isinstance(months, list) or len(months) != 12 or not all(isinstance(m, str) and m for m in months):
        raise fail("months", "must list the twelve month names")
    try:
        text["date_format"].format(day=1, month="m", year=2000)
    except (KeyError, IndexError, ValueError) as exc:
        raise fail("date_format", "may use only {day}, {month} and {year}") from exc
    return Labels(path.stem, text, tuple(months))


def load_labels(rules_dir: Path, languages: set[str]) -> dict[str, Labels]:
    """The handout words for each of `languages`; raises RuleFileError when one is missing or bad."""
    folder = rules_dir / "handout"
    labels = {path.stem: _load(path, rules_dir) for path in sorted(folder.glob("*.yaml"))}
    for lang in sorted(languages - set(labels)):
        raise RuleFileError(
            f"handout/{lang}.yaml", None, "is missing: every text language needs one", kind="entry"
        )
    return labels
