"""The adapter to durable-rules: the only module that imports it.

durable-rules 2.0.28 is used within what was measured safe on this machine:
- its C core (``durable_rules_engine``) is driven directly. The package's Python ``Host``
  starts self-rescheduling timer threads (they segfault the process when the engine is
  called from several threads) and, per rule firing, builds a closure, reads the clock
  twice and JSON-encodes the session state: about two thirds of an evaluation's time,
  none of it needed here (docs/engine.md). The rules are still matched and fired by the
  engine's own network; this module only hands it facts and runs the actions it schedules;
- one thread at a time inside the engine, across every ruleset of the process (one lock; the C core
  never releases the GIL): a rules reload compiles its new ruleset beside the old one, under a new name;
- a ruleset is deleted (`close`) only when no evaluation can use it any more (service/core/live_rules.py);
- facts only, never events (an event is consumed by the first rule that fires);
- a fresh string session id per evaluation, always deleted afterwards
  (a ruleset holds at most 1,024 live sessions);
- an exception raised in an action is kept, the remaining scheduled actions are completed
  without running, and the evaluation then raises EngineError;
- delete_state aborts the process (SIGABRT) for a session in which no action
  ever ran: every session starts with a fact that a built-in rule fires on.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import durable_rules_engine as core
from pydantic_core import from_json, to_json

from service.core.exceptions import EngineError

Fact = dict[str, Any]  # one fact, as the engine takes it: every module that builds facts uses this type
# Called once per rule firing with the rule id and the matched facts by alias;
# returns the facts the firing asserts.
FireHandler = Callable[[str, Mapping[str, Fact]], Iterable[Fact]]
# The built-in rule that makes every session run at least one action.
OPEN_RULE = "__session_open"
OPEN_FACT: Fact = {"t": OPEN_RULE}


# What durable_rules_engine.assert_facts answers first: 0 some rule may fire, 1 no rule waits for
# these facts (they are kept all the same, and the scheduled actions are run either way), 2 a fact
# the session already holds.
OBSERVED = 2
# One thread at a time inside the C core, whichever ruleset it works on.
_ENGINE_LOCK = threading.Lock()


def _encode(facts: Iterable[Fact], sid: str) -> str:
    # pydantic-core's encoder and parser (already here with pydantic): 4x and 2x the standard library's
    return to_json([{**fact, "sid": sid} for fact in facts]).decode()


class RulesEngine:
    """One durable-rules ruleset, evaluated one batch sequence at a time."""

    def __init__(self, name: str, definition: dict[str, Any], aliases: Mapping[str, Sequence[str]]) -> None:
        self._aliases = {rule_id: tuple(names) for rule_id, names in aliases.items()}
        self._lock = _ENGINE_LOCK
        self._closed = False
        self._sids = itertools.count(1)
        # The engine takes the conditions; the actions stay here, by rule id ("run" is the Host's key).
        rules = {
            rule_id: {k: v for k, v in rule.items() if k != "run"} for rule_id, rule in definition.items()
        }
        rules[OPEN_RULE] = {"all": [{"o": {"t": OPEN_RULE}}]}
        encoded = json.dumps(rules, ensure_ascii=False)
        with self._lock:
            self._handle: int = core.create_ruleset(name, encoded)

    def close(self) -> None:
        """Delete the ruleset from the engine; only once no evaluation can reach it. Idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                core.delete_ruleset(self._handle)

    def evaluate(self, batches: Sequence[Sequence[Fact]], handler: FireHandler) -> None:
        """Assert each batch of facts in turn in a fresh session, running every rule that fires.

        A batch's facts go in in order: a phase fact that starts a stage goes last in its batch,
        so the stage's rules see every other fact of the batch.
        """
        with self._lock:
            if self._closed:
                raise EngineError("the ruleset was closed")
            session = _Session(self._handle, f"e{next(self._sids)}", self._aliases, handler)
            try:
                for batch in [[OPEN_FACT, *batches[0]], *batches[1:]] if batches else [[OPEN_FACT]]:
                    session.run(batch)
            except EngineError:
                raise
            except Exception as exc:  # the core's own error, or anything unforeseen: never a bare 500
                raise EngineError(f"rules engine failed: {type(exc).__name__}") from exc
            finally:
                # Deleting a session in which no action ran aborts the process; one that was never
                # created raises. Either can only follow a failure before the opening rule's action.
                if session.acted:
                    core.delete_state(self._handle, session.sid)
            if session.error is not None:
                raise EngineError(f"a rule action failed: {type(session.error).__name__}") from session.error


class _Session:
    """One evaluation's session: its facts, the actions the engine schedules, the first action error."""

    def __init__(
        self, handle: int, sid: str, aliases: Mapping[str, tuple[str, ...]], handler: FireHandler
    ) -> None:
        self.handle, self.sid, self.aliases, self.handler = handle, sid, aliases, handler
        self.error: BaseException | None = None
        self.acted = False  # an action has run: the session exists and may be deleted
        self.seen: set[frozenset[tuple[str, Any]]] = set()

    def run(self, batch: Sequence[Fact]) -> None:
        """Assert one batch, then what its firings produced, batch by batch, until nothing new comes.

        Facts produced by actions are asserted together after the firing round rather than one
        by one from inside each action: one call into the engine instead of one per fact, with
        the same forward chaining.
        """
        while self.error is None:
            fresh = {}
            for fact in batch:  # facts are a set: the engine refuses a fact it has already seen
                key = frozenset(fact.items())
                if key not in self.seen:
                    self.seen.add(key)
                    fresh[key] = fact
            if not fresh:
                return
            code, state = core.assert_facts(self.handle, _encode(fresh.values(), self.sid))
            if code == OBSERVED:
                raise EngineError("the engine already held a fact asserted as new")
            batch = self.fire_scheduled(state)

    def fire_scheduled(self, state: int) -> list[Fact]:
        """Run, in the engine's order, every action it has scheduled; returns the facts they assert.

        An action's facts go back to the engine only after the round (run), so the engine's messages are
        all taken first, then parsed together: one parse a round instead of one a firing (an evaluation of
        the benchmark's workload: 256 us of CPU instead of 266). An action that fails leaves the ones after
        it unrun, as when each ran before the next was taken.
        """
        messages = []
        started = core.start_action_for_state(self.handle, state)
        message = started[1] if started else None
        while message:
            messages.append(message)
            message = core.complete_and_start_action(self.handle, state)
            self.acted = True
        produced: list[Fact] = []
        if not messages:
            return produced
        # Keys only in pydantic-core's string cache (process-wide, 16,384 entries): each message
        # holds this evaluation's fresh session id, and caching those would keep thousands of
        # strings alive, spread over the heap, which would then never be given back.
        for fired in from_json(f"[{','.join(messages)}]", cache_strings="keys"):
            ((rule_id, matched),) = fired.items()
            if rule_id == OPEN_RULE:
                continue
            try:
                by_alias = {alias: matched[alias] for alias in self.aliases[rule_id]}
                produced.extend(self.handler(rule_id, by_alias))
            except Exception as exc:  # kept; the actions scheduled after it stay unrun
                self.error = exc
                break
        return produced
