"""The adapter to durable-rules: the only module that imports ``durable``.

durable-rules 2.0.28 is used within what was measured safe on this machine:
- one Host per process, with its self-rescheduling timer threads switched off
  (they segfault the process when the engine is called from several threads);
- one thread at a time inside the engine (a lock; the C core never releases the GIL);
- facts only, never events (an event is consumed by the first rule that fires);
- a fresh string session id per evaluation, always deleted afterwards
  (a ruleset holds at most 1,024 live sessions);
- exceptions raised in actions are swallowed by the engine into the session
  state: they are caught here and raised again as EngineError;
- delete_state aborts the process (SIGABRT) for a session in which no action
  ever ran: every session starts with a fact that a built-in rule fires on.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from durable.engine import Host, MessageNotHandledException

from service.exceptions import EngineError

Fact = dict[str, Any]
# Called once per rule firing with the rule id and the matched facts by alias;
# returns the facts the firing asserts.
FireHandler = Callable[[str, Mapping[str, Fact]], Iterable[Fact]]
# The built-in rule that makes every session run at least one action.
OPEN_RULE = "__session_open"
OPEN_FACT: Fact = {"t": OPEN_RULE}


class _QuietHost(Host):  # type: ignore[misc]
    """A Host without timer threads, binding each rule's action by its name."""

    def __init__(self, definitions: dict[str, Any], bind: Callable[[str], Callable[[Any], None]]) -> None:
        self._bind = bind
        super().__init__(definitions)

    def _run(self) -> None:
        """No dispatch or timer threads: this service never uses timers or queued work."""

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self._bind(action_name)


class RulesEngine:
    """One durable-rules ruleset, evaluated one batch sequence at a time."""

    def __init__(self, name: str, definition: dict[str, Any], aliases: Mapping[str, Sequence[str]]) -> None:
        self._name = name
        self._aliases = aliases
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._handler: FireHandler | None = None
        self._error: BaseException | None = None
        self._pending: list[Fact] = []
        self._seen: set[tuple[tuple[str, Any], ...]] = set()
        opener = {"all": [{"o": {"t": OPEN_RULE}}], "run": OPEN_RULE}
        self._host = _QuietHost({name: {**definition, OPEN_RULE: opener}}, self._action_for)

    def _action_for(self, rule_id: str) -> Callable[[Any], None]:
        if rule_id == OPEN_RULE:
            return _opened
        aliases = tuple(self._aliases[rule_id])

        def action(c: Any) -> None:
            self._fire(rule_id, aliases, c)

        return action

    def _fire(self, rule_id: str, aliases: Sequence[str], c: Any) -> None:
        if self._error is not None or self._handler is None:
            return
        try:
            self._pending.extend(self._handler(rule_id, {alias: c._m[alias] for alias in aliases}))
        except BaseException as exc:  # the engine would swallow it; keep it for evaluate()
            self._error = exc

    def _assert(self, sid: str, batch: Sequence[Fact]) -> None:
        """Assert one batch, then what its firings produced, batch by batch, until nothing new comes.

        Facts produced by actions are asserted together after the firing round rather than one
        by one from inside each action: one call into the engine instead of one per fact, with
        the same forward chaining.
        """
        while self._error is None:
            fresh = {}
            for fact in batch:  # facts are a set: the engine refuses a fact it has already seen
                key = tuple(sorted(fact.items()))
                if key not in self._seen:
                    self._seen.add(key)
                    fresh[key] = fact
            if not fresh:
                return
            self._pending = []
            # MessageNotHandled: no rule waits for these facts (yet); they are kept all the same.
            with contextlib.suppress(MessageNotHandledException):
                self._host.assert_facts(self._name, [{**fact, "sid": sid} for fact in fresh.values()])
            batch = self._pending

    def evaluate(self, batches: Sequence[Sequence[Fact]], handler: FireHandler) -> None:
        """Assert each batch of facts in turn in a fresh session, running every rule that fires.

        A batch's facts go in in order: a phase fact that starts a stage goes last in its batch,
        so the stage's rules see every other fact of the batch.
        """
        with self._lock:
            sid = f"e{next(self._sids)}"
            self._handler, self._error, self._seen = handler, None, set()
            try:
                for batch in [[OPEN_FACT, *batches[0]], *batches[1:]] if batches else [[OPEN_FACT]]:
                    self._assert(sid, batch)
                state = self._host.get_state(self._name, sid)
            except Exception as exc:
                raise EngineError(f"rules engine failed: {type(exc).__name__}") from exc
            finally:
                self._handler, self._pending = None, []
                self._host.delete_state(self._name, sid)
            if self._error is not None:
                raise EngineError(f"a rule action failed: {type(self._error).__name__}") from self._error
            if "exception" in state:
                raise EngineError("a rule action failed inside the engine")


def _opened(c: Any) -> None:
    """The built-in opening rule's action: running at all is its whole purpose."""
