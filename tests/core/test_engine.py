"""The durable-rules adapter, against the engine's measured hazards."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from service.core.engine import RulesEngine
from service.core.exceptions import EngineError

_names = itertools.count()
GATE = {"g": {"$and": [{"t": "phase"}, {"name": "go"}]}}


def engine(rules: dict[str, Any], aliases: dict[str, list[str]]) -> RulesEngine:
    return RulesEngine(f"test{next(_names)}", rules, aliases)


class Recorder:
    def __init__(self) -> None:
        self.fired: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, rule_id: str, matched: Mapping[str, dict[str, Any]]) -> Iterable[dict[str, Any]]:
        self.fired.append(
            (rule_id, {k: {f: v for f, v in fact.items() if f in ("t", "n")} for k, fact in matched.items()})
        )
        return ()


def test_the_engine_starts_no_threads() -> None:
    before = set(threading.enumerate())
    engine({"r": {"all": [{"a": {"t": "x"}}], "run": "r"}}, {"r": ["a"]})
    assert set(threading.enumerate()) == before


def test_more_evaluations_than_the_engine_holds_live_sessions() -> None:
    """A ruleset holds 1,024 live sessions; each evaluation must delete its own."""
    eng = engine({"r": {"all": [{"a": {"t": "x"}}], "run": "r"}}, {"r": ["a"]})
    for n in range(3000):
        rec = Recorder()
        eng.evaluate([[{"t": "x", "n": n}]], rec)
        assert rec.fired == [("r", {"a": {"t": "x", "n": n}})]


def test_one_fact_is_seen_by_every_rule_that_matches_it() -> None:
    """Facts, not events: an event would be consumed by the first rule."""
    rules = {f"r{i}": {"all": [{"a": {"t": "x"}}], "run": f"r{i}"} for i in range(5)}
    rec = Recorder()
    engine(rules, {r: ["a"] for r in rules}).evaluate([[{"t": "x"}]], rec)
    assert sorted(r for r, _ in rec.fired) == sorted(rules)


def test_an_exception_in_an_action_is_raised_not_swallowed() -> None:
    eng = engine({"r": {"all": [{"a": {"t": "x"}}], "run": "r"}}, {"r": ["a"]})

    def broken(rule_id: str, matched: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
        raise KeyError("boom")

    with pytest.raises(EngineError, match="KeyError"):
        eng.evaluate([[{"t": "x"}]], broken)
    rec = Recorder()
    eng.evaluate([[{"t": "x"}]], rec)  # the engine is still usable, with a clean session
    assert len(rec.fired) == 1


def test_facts_asserted_by_actions_chain_into_other_rules() -> None:
    rules = {
        "derive": {"all": [{"a": {"t": "x"}}], "run": "derive"},
        "use": {"all": [{"d": {"t": "derived"}}], "run": "use"},
    }
    seen: list[str] = []

    def handler(rule_id: str, matched: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
        seen.append(rule_id)
        return [{"t": "derived"}, {"t": "derived"}] if rule_id == "derive" else ()

    engine(rules, {"derive": ["a"], "use": ["d"]}).evaluate([[{"t": "x"}]], handler)
    assert seen == ["derive", "use"]  # the duplicate derived fact is one fact


def test_a_negation_is_checked_when_its_partial_match_forms() -> None:
    """Why every stage's gate comes first: durable-rules does not revisit a negation."""
    late = {"all": [{"a": {"t": "x"}}, {"n$not": {"t": "y"}}, GATE], "run": "late"}
    early = {"all": [GATE, {"a": {"t": "x"}}, {"n$not": {"t": "y"}}], "run": "early"}
    rec = Recorder()
    eng = engine({"late": late, "early": early}, {"late": ["a"], "early": ["a"]})
    eng.evaluate([[{"t": "x"}], [{"t": "y"}], [{"t": "phase", "name": "go"}]], rec)
    assert [r for r, _ in rec.fired] == ["late"]  # stale: y exists, yet it fired


def test_a_fact_binds_to_one_alias_per_match() -> None:
    """Why clinician and opinion are separate facts: a rule never matches a fact with itself."""
    rule = {"all": [{"a": {"t": "x"}}, {"b": {"$and": [{"t": "x"}, {"k": {"a": "k"}}]}}], "run": "r"}
    rec = Recorder()
    engine({"r": rule}, {"r": ["a", "b"]}).evaluate([[{"t": "x", "k": 1, "n": 1}]], rec)
    assert rec.fired == []


def test_threads_take_turns_in_one_engine() -> None:
    rules = {"r": {"all": [{"a": {"t": "x"}}, {"b": {"$and": [{"t": "y"}, {"n": {"a": "n"}}]}}], "run": "r"}}
    eng = engine(rules, {"r": ["a", "b"]})
    failures: list[str] = []

    def worker(w: int) -> None:
        for i in range(300):
            n = w * 1000 + i
            rec = Recorder()
            eng.evaluate([[{"t": "x", "n": n}, {"t": "y", "n": n}, {"t": "y", "n": n + 1}]], rec)
            if [m["a"]["n"] for _, m in rec.fired] != [n]:
                failures.append(f"{w}:{i}")

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_a_session_in_which_no_rule_fires_is_deleted_safely() -> None:
    """delete_state aborts the process for a session that never ran an action; the adapter prevents it.

    Run in a child process so that a regression fails this test instead of killing the run.
    """
    code = (
        "from service.core.engine import RulesEngine\n"
        "rule = {'all': [{'a': {'t': 'x'}}, {'b': {'$and': [{'t': 'x'}, {'k': 2}]}}], 'run': 'r'}\n"
        "eng = RulesEngine('t', {'r': rule}, {'r': ['a', 'b']})\n"
        "fired = []\n"
        "for n in range(2000):\n"
        "    eng.evaluate([[{'t': 'x', 'k': 1, 'n': n}]], lambda r, m: fired.append(r) or ())\n"
        "print('done', len(fired))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, "done 0"), result.stderr[-500:]


def test_a_fact_the_adapter_cannot_take_is_an_engine_error_and_the_engine_stays_usable() -> None:
    """Facts are flat (service/core/facts.py); a nested value fails before any session exists, and no
    attempt is made to delete a session that was never opened (the core would raise, masking the error)."""
    eng = engine({"r": {"all": [{"a": {"t": "x"}}], "run": "r"}}, {"r": ["a"]})
    with pytest.raises(EngineError, match="TypeError"):
        eng.evaluate([[{"t": "x", "nested": {"a": 1}}]], Recorder())
    rec = Recorder()
    eng.evaluate([[{"t": "x", "n": 1}]], rec)
    assert rec.fired == [("r", {"a": {"t": "x", "n": 1}})]
