"""The rule book in use and its reload without a restart (SIGHUP, or POST /v1/admin/rules:reload).

A reload reads and checks the whole rules directory (rules, catalog, text, resources) and the tenant
overrides (TENANTS_DIR, service/core/tenants.py), and compiles it
in the engine as a new ruleset, beside the one in use; only then does it replace the rule book, in one
assignment. A set that fails any check is refused: the last good one keeps serving and the failure is
kept for /readyz, GET /v1/rules and the metrics.

A request leases the rule book current when it starts (`acquire`/`release`, the route dependency in
service/api/deps.py) and finishes on it. A replaced rule book's engine ruleset is deleted when its last
lease ends (durable-rules: one engine per process, at most 1,024 live sessions per ruleset).

Changing the accepted codes (cancer types, step codes, languages) changes the contract: the request
schema and the served OpenAPI document. A reload refuses it with a message that a restart is needed.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from service.core.exceptions import RuleFileError
from service.core.models import ReloadFailure, ReloadOutcome, RulesLoad
from service.core.recommender import RULESET_NAME
from service.core.rulebook import RuleBook

# Set by `python -m service` (service/server.py) for its workers: the supervisor's process id. A worker
# that reloads on POST sends it SIGHUP, and the supervisor sends SIGHUP to every worker.
SUPERVISOR_ENV = "NEXTSTEPS_SUPERVISOR_PID"
RESTART_NEEDED = (
    "the accepted codes ({kinds}) differ from those in use; they change the request schema and the "
    "OpenAPI document, so they take effect only on a restart"
)


class ReloadRefused(Exception):
    """A rules directory that cannot replace the rules in use; `failure` says why."""

    def __init__(self, failure: ReloadFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class LiveRules:
    """The rule book in use, swapped whole by `reload`. Thread-safe."""

    def __init__(
        self,
        rules_dir: Path,
        timer: Callable[[], AbstractContextManager[object]] = nullcontext,
        observe: Callable[[LiveRules, str | None, bool], None] | None = None,
        tenants_dir: Path | None = None,
        companions: Callable[[RuleBook], object] | None = None,
    ) -> None:
        """Load rules_dir and tenants_dir (a RuleFileError stops start-up). `observe(self,
        previous_revision, failed)` is called after the first load and after every reload attempt (the
        app's metrics). `companions` reads what the app needs beside the rules from the same directory,
        on every load: a failure there refuses the reload like a bad rule."""
        self.rules_dir, self.timer, self.tenants_dir = rules_dir, timer, tenants_dir
        self.companions = companions
        # Tenants that registered clients (or DEFAULT_TENANT) name: a reload without one is refused.
        self.required_tenants: frozenset[str] = frozenset()
        self._observe = observe or (lambda live, previous, failed: None)
        self._names = itertools.count(1)
        self._reloading = threading.Lock()  # one reload at a time
        self._leases_lock = threading.Lock()
        self._leases: dict[int, int] = {}  # id(rule book) -> requests in flight on it
        self._retired: dict[int, RuleBook] = {}  # replaced, waiting for its last lease to end
        self.current = RuleBook.load(rules_dir, timer, self._next_name(), tenants_dir, companions)
        self.loaded_at = datetime.now(UTC)
        self.last_failure: ReloadFailure | None = None
        self._observe(self, None, False)

    def _next_name(self) -> str:
        return f"{RULESET_NAME}-{next(self._names)}"

    def acquire(self) -> RuleBook:
        """The rule book in use, held until `release`: it stays compiled while held."""
        with self._leases_lock:
            book = self.current
            self._leases[id(book)] = self._leases.get(id(book), 0) + 1
            return book

    def release(self, book: RuleBook) -> None:
        with self._leases_lock:
            left = self._leases[id(book)] - 1
            if left:
                self._leases[id(book)] = left
                return
            del self._leases[id(book)]
            done = self._retired.pop(id(book), None)
        if done is not None:
            done.close()

    @contextmanager
    def lease(self) -> Iterator[RuleBook]:
        book = self.acquire()
        try:
            yield book
        finally:
            self.release(book)

    def status(self) -> RulesLoad:
        book = self.current
        return RulesLoad(
            revision=book.revision,
            version=book.recommender.ref.version,
            overrides=book.overrides,
            loaded_at=self.loaded_at,
            last_failure=self.last_failure,
        )

    def reload(self) -> ReloadOutcome:
        """Read, check and compile the rules directory, then put it in use; raises ReloadRefused."""
        with self._reloading:
            old = self.current
            try:
                new = self._load_checked(old)
            except ReloadRefused as refused:
                self.last_failure = refused.failure
                self._observe(self, old.revision, True)
                raise
            if new is None:  # the same files: nothing to swap
                return ReloadOutcome(revision=old.revision, previous_revision=old.revision, changed=False)
            with self._leases_lock:
                self.current = new
                held = id(old) in self._leases
                if held:
                    self._retired[id(old)] = old
            if not held:
                old.close()
            self.loaded_at = datetime.now(UTC)
            self._observe(self, old.revision, False)
            return ReloadOutcome(revision=new.revision, previous_revision=old.revision, changed=True)

    def _load_checked(self, old: RuleBook) -> RuleBook | None:
        try:
            new = RuleBook.load(
                self.rules_dir, self.timer, self._next_name(), self.tenants_dir, self.companions
            )
        except RuleFileError as exc:
            raise _refused(str(exc)) from exc
        except Exception as exc:  # anything else the engine or the files raise: refused, never half-loaded
            raise _refused(f"the rules could not be compiled ({type(exc).__name__})") from exc
        if new.revision == old.revision:
            new.close()
            return None
        missing = sorted(self.required_tenants - set(new.tenants))
        if missing:
            new.close()
            raise _refused(
                f"no overrides file for tenant(s) {', '.join(missing)}, which registered clients (or "
                "DEFAULT_TENANT) name; restore the file, or change the clients and restart"
            )
        old_codes, new_codes = old.vocabulary.codes(), new.vocabulary.codes()
        if old_codes != new_codes:
            new.close()
            kinds = ", ".join(kind for kind in old_codes if old_codes[kind] != new_codes.get(kind))
            raise _refused(RESTART_NEEDED.format(kinds=kinds), restart_needed=True)
        # The same codes: the schema requests are validated against stays the very same object.
        return replace(new, vocabulary=old.vocabulary)


def _refused(reason: str, restart_needed: bool = False) -> ReloadRefused:
    return ReloadRefused(ReloadFailure(at=datetime.now(UTC), reason=reason, restart_needed=restart_needed))


def tell_other_workers() -> bool:
    """Ask the supervisor of `python -m service`, if any, to have every worker reload (SIGHUP)."""
    pid = os.environ.get(SUPERVISOR_ENV)
    if not pid or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), signal.SIGHUP)
    except OSError:
        return False
    return True
