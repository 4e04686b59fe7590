"""Edits of a copy of the rules directory, as an operator would make them before a reload."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.support.paths import RULES


def copy_rules(into: Path) -> Path:
    rules_dir = into / "rules"
    shutil.copytree(RULES, rules_dir)
    return rules_dir


def bump_version(rules_dir: Path, version: str = "2099.1.0") -> None:
    """A content change that keeps every code: the catalog's version (the revision changes with it)."""
    catalog = rules_dir / "catalog.yaml"
    text, count = re.subn(r"(?m)^version: .*$", f'version: "{version}"', catalog.read_text())
    assert count == 1
    catalog.write_text(text)


def break_a_rule(rules_dir: Path) -> None:
    """A mistake the checks catch: a weight that is not a number, in the first recommend rule."""
    path = rules_dir / "ruleset" / "20-recommend.yaml"
    text, count = re.subn(r"weight: \d+", 'weight: "heavy"', path.read_text(), count=1)
    assert count == 1
    path.write_text(text)


def drop_a_language(rules_dir: Path) -> None:
    """A change of the accepted codes: Spanish is no longer offered."""
    (rules_dir / "text" / "es.yaml").unlink()
