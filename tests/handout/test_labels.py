"""The handout's headings per language: every text language has them, or start-up stops."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from service.core.exceptions import RuleFileError
from service.handout.labels import load_labels
from tests.support.paths import RULES


def test_each_language_writes_the_date_its_own_way() -> None:
    labels = load_labels(RULES, {"en", "es"})
    assert labels["en"].date(date(2026, 11, 27)) == "November 27, 2026"
    assert labels["es"].date(date(2026, 1, 5)) == "5 de enero de 2026"


def copy_rules(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    return root


def test_a_language_without_handout_words_stops_start_up(tmp_path: Path) -> None:
    root = copy_rules(tmp_path)
    (root / "handout" / "es.yaml").unlink()
    with pytest.raises(RuleFileError, match=r"handout/es\.yaml: is missing"):
        load_labels(root, {"en", "es"})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("title: ''", "entry 'title': must be non-empty text"),
        ("months: [enero]", "entry 'months': must list the twelve month names"),
        ("date_format: '{weekday}'", "entry 'date_format': may use only"),
    ],
)
def test_a_bad_entry_is_named(tmp_path: Path, line: str, message: str) -> None:
    root = copy_rules(tmp_path)
    path = root / "handout" / "es.yaml"
    key = line.split(":")[0]
    kept = [row for row in path.read_text().splitlines() if not row.startswith(f"{key}:")]
    path.write_text("\n".join([*kept, line]) + "\n")
    with pytest.raises(RuleFileError, match=re.escape(message)):
        load_labels(root, {"en", "es"})
