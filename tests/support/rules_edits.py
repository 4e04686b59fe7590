"""Edits of a copy of the rules directory, as an operator would make them before a reload."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

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


def add_a_cancer_type(rules_dir: Path, code: str = "newtype") -> None:
    """A change of the accepted codes, valid otherwise: a cancer type like the first one, named alike."""
    catalog_path = rules_dir / "catalog.yaml"
    catalog = yaml.safe_load(catalog_path.read_text())
    first = catalog["cancer_types"][0]
    catalog["cancer_types"].append({**first, "code": code})
    catalog_path.write_text(yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False))
    for path in (rules_dir / "text").glob("*.yaml"):
        text = yaml.safe_load(path.read_text())
        text["cancer_types"][code] = text["cancer_types"][first["code"]]
        path.write_text(yaml.safe_dump(text, allow_unicode=True, sort_keys=False))
