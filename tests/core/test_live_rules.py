"""LiveRules: a reload swaps the whole rule book only when the new set passes every check; a request
keeps the rule book it started with, whose engine ruleset is freed after its last request."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.core.exceptions import EngineError
from service.core.live_rules import LiveRules, ReloadRefused
from tests.support.bodies import load_scenarios
from tests.support.rules_edits import add_a_cancer_type, break_a_rule, bump_version, copy_rules

REQUEST = load_scenarios()[0]["request"]


def answer_revision(live: LiveRules) -> str:
    with live.lease() as book:
        return book.recommender.recommend(book.parse(REQUEST)).ruleset.sha256


def test_a_good_change_is_put_in_use_and_the_old_ruleset_freed(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    live = LiveRules(rules_dir)
    first = live.current
    bump_version(rules_dir)
    outcome = live.reload()
    assert outcome.changed and outcome.previous_revision == first.revision != outcome.revision
    assert answer_revision(live) == outcome.revision
    assert live.status().version == "2099.1.0" and live.status().last_failure is None
    with pytest.raises(EngineError):  # nothing held the old one: its engine ruleset is gone
        first.recommender.recommend(first.parse(REQUEST))


def test_the_same_files_change_nothing(tmp_path: Path) -> None:
    live = LiveRules(copy_rules(tmp_path))
    before = live.current
    outcome = live.reload()
    assert not outcome.changed and live.current is before


def test_a_request_finishes_on_the_rule_book_it_started_with(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    live = LiveRules(rules_dir)
    old = live.acquire()  # a request under way
    bump_version(rules_dir)
    new_revision = live.reload().revision
    assert old.recommender.recommend(old.parse(REQUEST)).ruleset.sha256 == old.revision != new_revision
    assert answer_revision(live) == new_revision
    live.release(old)  # its last request ends: now it is freed
    with pytest.raises(EngineError):
        old.recommender.recommend(old.parse(REQUEST))


def test_a_bad_set_is_refused_and_the_last_good_one_keeps_serving(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    live = LiveRules(rules_dir)
    good = live.current.revision
    break_a_rule(rules_dir)
    with pytest.raises(ReloadRefused) as refused:
        live.reload()
    assert "ruleset/20-recommend.yaml" in refused.value.failure.reason
    assert "'weight' must be an integer" in refused.value.failure.reason
    assert not refused.value.failure.restart_needed
    assert answer_revision(live) == good
    assert live.status().last_failure == refused.value.failure


def test_a_change_of_accepted_codes_is_refused_until_a_restart(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    live = LiveRules(rules_dir)
    good = live.current.revision
    add_a_cancer_type(rules_dir)
    with pytest.raises(ReloadRefused) as refused:
        live.reload()
    assert refused.value.failure.restart_needed
    assert "CancerType" in refused.value.failure.reason and "restart" in refused.value.failure.reason
    assert answer_revision(live) == good
    assert "newtype" in LiveRules(rules_dir).current.vocabulary.codes()["CancerType"]  # a restart takes it


def test_observe_is_told_of_each_load_and_attempt(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    seen: list[tuple[str | None, bool]] = []
    live = LiveRules(rules_dir, observe=lambda live, previous, failed: seen.append((previous, failed)))
    first = live.current.revision
    bump_version(rules_dir)
    live.reload()
    break_a_rule(rules_dir)
    with pytest.raises(ReloadRefused):
        live.reload()
    second = live.current.revision
    assert seen == [(None, False), (first, False), (second, True)]
