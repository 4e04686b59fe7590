"""`make rules-coverage`: per rule the scenarios that fire it, per step those that rank it; it fails when a
rule has no scenario or a scenario's request is refused."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from service.core.rulebook import RuleBook
from service.review.coverage import measure
from service.review.scenarios import run_scenarios
from tests.support.paths import ROOT, RULES


def command(rules_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.review.coverage", "--rules-dir", str(rules_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_shipped_scenarios_fire_every_rule_and_the_report_names_them() -> None:
    done = command(RULES)
    assert done.returncode == 0, done.stdout + done.stderr
    rules = RuleBook.load(RULES)
    for rule in rules.recommender.ruleset.rules:
        assert f"  {rule.id} ({rule.file}): " in done.stdout
    for code in rules.catalog.step_codes:
        assert f"  {code}: " in done.stdout
    assert "FAIL" not in done.stdout


def test_a_rule_no_scenario_fires_fails_and_is_named(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES, rules_dir)
    book = RuleBook.load(rules_dir)
    full = measure(book, run_scenarios(rules_dir, book))
    # keep only the scenarios that do not fire one chosen rule
    target = next(rule for rule, names in full.rules.items() if names)
    for path in (rules_dir / "scenarios").glob("*.yaml"):
        kept = [
            entry
            for entry in yaml.safe_load(path.read_text())
            if f"{path.name}: {entry['name']}" not in full.rules[target]
        ]
        path.write_text(yaml.safe_dump(kept))
    done = command(rules_dir)
    assert done.returncode == 1
    assert "FAIL: rules no scenario fires:" in done.stdout
    assert target in done.stdout.split("FAIL: rules no scenario fires:")[1]


def test_each_scenario_is_counted_for_the_rules_it_fires_and_the_steps_it_ranks() -> None:
    book = RuleBook.load(RULES)
    scenarios = run_scenarios(RULES, book)
    coverage = measure(book, scenarios)
    label, first = f"{scenarios[0].file}: {scenarios[0].name}", scenarios[0]
    answer = book.recommender.recommend(book.parse(first.request))
    assert {r for r, names in coverage.rules.items() if label in names} == set(answer.rules_fired)
    assert {c for c, names in coverage.steps.items() if label in names} == {s.code for s in answer.next_steps}


def test_a_scenario_whose_request_is_refused_fails_with_its_name(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES, rules_dir)
    bad = [{"name": "a request with no opinions", "request": {"opinions": []}, "expect": {}}]
    (rules_dir / "scenarios" / "zz-bad.yaml").write_text(yaml.safe_dump(bad))
    done = command(rules_dir)
    assert done.returncode == 1
    assert (
        "FAIL: zz-bad.yaml: a request with no opinions: its request is refused by the service" in done.stdout
    )
