"""Group commit: the decisions of concurrent requests go into one transaction and one flush.

One writer thread per process and store. A request hands its rows over (`submit`) and waits for its future.
The writer takes everything waiting, writes it in one transaction and commits once (one fsync on SQLite, one
flushed WAL write on PostgreSQL); what arrives meanwhile waits for the next turn, so groups grow with the load
and nobody waits for a timer when the service is idle.

An event loop wakes the writer once per pass, not once per request (`commit`): the rows of every request
that reached its commit in this pass are queued, and one callback at the end of the pass wakes the writer.
Woken by each request, the writer took the GIL from the loop at once (a context switch, and a wait for the
GIL), wrote a group of one or two, and the loop paid for every hand-over: with 2 workers on SQLite, 807
req/s against 1,349 with one wake-up per pass (store off: 1,601), and the loop's CPU per request 1,378 us
against 1,248 (docs/benchmarks.md).

While the writer has work, from its wake-up to the end of its commit, the process's threads hand the GIL over
within WRITING_SWITCH_INTERVAL_S instead of CPython's 5 ms (`_notify_writer`); when it waits for work again,
the interval is put back. The writer gives the GIL up around each database call and the fsync, and each time
it wanted it back while the event loop ran the rules engine (uvloop gives the GIL up only when it has nothing
to do) it waited up to the full interval: at a steady 400 requests/s, well under capacity, the store added 5
ms to the median latency, and on SQLite the writer held the file's lock, which the other workers' writers wait
on, 3.9 ms at the median for about 0.5 ms of work (docs/benchmarks.md). The interval is the interpreter's, so
it is set where the writer is woken (under its condition's lock) and put back by the writer. Only on SQLite: a
PostgreSQL writer waits for the server's answer at each call anyway, and there the short interval cost more
CPU than it saved (2 workers: 1,237-1,265 against 1,423-1,471 req/s).

Commit or answer, never neither. A request that gives up (its time limit passed, its client left) cancels its
future; the writer starts a commit only for futures it could still set running
(`Future.set_running_or_notify_cancel`), so a cancelled request is never committed, and a request whose
commit has begun can no longer cancel: it waits for the outcome and sends its answer. `CommitGate` holds what
one request has waiting and is what the time limit and a departing client act on.

One bad row does not fail its group: when a group's commit hits an integrity error (an `Idempotency-Key`
used by two requests at once), each of its parts is written again in a transaction of its own, and only the
part at fault gets the error.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from service.decisions.store import Store, StoreUnavailable, unavailable

log = logging.getLogger("service.decisions.group_commit")

# The GIL switch interval while a writer has work (see above), and the interpreter's own (5 ms by default).
WRITING_SWITCH_INTERVAL_S = 0.00005
DEFAULT_SWITCH_INTERVAL_S = sys.getswitchinterval()


Part = TypeVar("Part")
# Where to tell an awaiting request that its commit is over: its event loop and the future it awaits there.
Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class Abandoned(Exception):
    """The request gave up (time limit, client gone) before its commit began: nothing was committed."""


class CommitGate:
    """What one request has waiting for the writer; `close` succeeds only while none of it began to commit.

    Thread-safe: the time limit closes it on the event loop while a batch may submit from a worker thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._futures: list[Future[None]] = []

    def admit(self, future: Future[None]) -> None:
        """Track a submitted future; a closed gate cancels it at once and raises Abandoned."""
        with self._lock:
            if self._closed:
                future.cancel()
                raise Abandoned
            self._futures.append(future)

    def close(self) -> bool:
        """Give up: True when nothing of this request is or will be committed (the caller may stop and
        answer 503, or not at all); False when a commit has begun or ended, so its answer must be sent."""
        with self._lock:
            if self._closed:
                return True
            if any(not future.cancel() for future in self._futures):
                return False  # cancel() fails once the writer set the future running (or resolved it)
            self._closed = True
            return True


class GroupCommitter(Generic[Part]):
    """The writer thread of one store: `submit` parts, each written by `write(connection, parts)`.

    The writer keeps one connection (no session, no pool round trip per commit); after a failure it is
    dropped and the next group connects again."""

    def __init__(self, store: Store, write: Callable[[Connection, Sequence[Part]], None], name: str) -> None:
        self.store = store
        self._connection: Connection | None = None
        self._write = write
        self._name = name
        self._waiting: list[tuple[Part, Future[None], Waiter | None]] = []
        self._ready = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._wake_pending: set[asyncio.AbstractEventLoop] = set()  # loops with a wake-up scheduled
        self._hurries = store.dialect == "sqlite"
        self._hurried = False  # the switch interval is WRITING_SWITCH_INTERVAL_S (see above)
        self.groups = 0  # commits made, and parts in them: for tests and benchmarks
        self.parts = 0

    def submit(
        self, part: Part, gate: CommitGate | None = None, waiter: Waiter | None = None, wake: bool = True
    ) -> Future[None]:
        """Queue `part` for the next group; the future resolves once it is committed (or failed). With
        `wake` False the writer is not woken for it: the caller does that (`_wake_writer`) soon."""
        future: Future[None] = Future()
        if gate is not None:
            gate.admit(future)
        with self._ready:
            if self._closing:
                raise StoreUnavailable("closed")
            self._waiting.append((part, future, waiter))
            if self._thread is None:  # started on first use: in the worker process, not the supervisor
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            if wake:
                self._notify_writer()
        return future

    def _notify_writer(self) -> None:
        """Wake the writer (under _ready), and on SQLite hand it the GIL quickly until it waits again."""
        if self._hurries and not self._hurried:
            self._hurried = True
            sys.setswitchinterval(WRITING_SWITCH_INTERVAL_S)
        self._ready.notify()

    def _wake_writer(self) -> None:
        """Tell the writer that parts are waiting (once per event-loop pass, from `commit`)."""
        self._wake_pending.discard(asyncio.get_running_loop())
        with self._ready:
            self._notify_writer()

    async def commit(self, part: Part, gate: CommitGate | None = None) -> None:
        """`submit` for the event loop: returns once `part` is committed, raises what its commit raised.

        Unlike `asyncio.wrap_future`, which wakes the loop once per request (a write to its self-pipe, which
        releases the GIL, and each release can leave the writer waiting a switch interval to get it back),
        the writer wakes each loop once per group, for all of that loop's requests in it (`_wake`)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        future = self.submit(part, gate, (loop, waiter), wake=False)
        if loop not in self._wake_pending:  # the first of this pass: wake the writer when the pass ends
            self._wake_pending.add(loop)
            loop.call_soon(self._wake_writer)
        # A gate closed by the time limit cancels the future before the writer claims it: say so at once.
        future.add_done_callback(lambda done: _cancel_soon(loop, waiter) if done.cancelled() else None)
        try:
            await waiter
        except asyncio.CancelledError:
            future.cancel()  # as wrap_future does; too late once the writer claimed it (then it commits)
            raise

    def close(self) -> None:
        """Commit what is waiting, then stop the writer."""
        with self._ready:
            self._closing = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=60)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._waiting and self._hurried:  # nothing to write: the loop's default again
                    self._hurried = False
                    sys.setswitchinterval(DEFAULT_SWITCH_INTERVAL_S)
                while not self._waiting and not self._closing:
                    self._ready.wait()
                if not self._waiting and self._closing:
                    return
            # The store's turn first (SQLite: one writer at a time, across processes), then the claim:
            # what arrives while this writer waits for its turn joins this group, not the next one, and
            # a request that gives up meanwhile is still free to go (nothing of it claimed).
            waiting: list[tuple[Part, Future[None], Waiter | None]] = []
            try:
                with self.store.turns:
                    waiting = self._claim()
                    self._commit([(part, future) for part, future, _ in waiting if future.running()])
            except Exception as exc:  # the turn could not be taken (its lock file): nothing was written
                waiting = waiting or self._claim()
                for _, future, _ in waiting:
                    if future.running():
                        future.set_exception(StoreUnavailable(type(exc).__name__))
            _wake([(future, waiter) for _, future, waiter in waiting if waiter is not None])
            # Not kept while waiting for the next group: a batch's thousand decisions would outlive it,
            # scattered over the heap, and keep the memory it used from going back (tests/test_memory.py).
            del waiting

    def _claim(self) -> list[tuple[Part, Future[None], Waiter | None]]:
        """Everything waiting, each future set running unless its request gave up (cancelled): from here
        on those parts are committed or fail, and their requests wait for the outcome."""
        with self._ready:
            waiting, self._waiting = self._waiting, []
        for _, future, _ in waiting:
            future.set_running_or_notify_cancel()
        return waiting

    def _transaction(self, parts: Sequence[Part]) -> None:
        """Write `parts` and commit, on the writer's connection (its turn taken by `_run`); store failures
        raise StoreUnavailable."""
        try:
            if self._connection is None:
                self._connection = self.store.engine.connect()
            with self._connection.begin():
                self._write(self._connection, parts)
        except DBAPIError as exc:
            error = unavailable(exc)
            if error is not exc:  # the connection may be broken: the next group opens another
                self._drop_connection()
                self.store.note_failure()  # /readyz says so (service/api/routes/health.py)
            raise error from exc
        except PoolTimeout as exc:
            self.store.note_failure()
            raise StoreUnavailable(type(exc).__name__) from exc
        self.store.failed_at = None

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except Exception:  # already unusable; nothing more to release
                log.debug("closing a failed writer connection failed too")
            self._connection = None

    def _commit(self, group: list[tuple[Part, Future[None]]]) -> None:
        if not group:
            return
        try:
            self._transaction([part for part, _ in group])
        except IntegrityError as exc:
            if len(group) == 1:
                group[0][1].set_exception(exc)
                return
            log.info("a group of %d decisions hit an integrity error; writing them one by one", len(group))
            for part, future in group:
                self._commit_alone(part, future)
            return
        except Exception as exc:  # the store is down, or a bug: every request of the group is told
            for _, future in group:
                future.set_exception(exc)
            return
        self.groups += 1
        self.parts += len(group)
        for _, future in group:
            future.set_result(None)

    def _commit_alone(self, part: Part, future: Future[None]) -> None:
        try:
            self._transaction([part])
        except Exception as exc:
            future.set_exception(exc)
            return
        self.groups += 1
        self.parts += 1
        future.set_result(None)


def _wake(waiters: Sequence[tuple[Future[None], Waiter]]) -> None:
    """Pass each resolved future's outcome to the request awaiting it: one call into each event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Future[None], asyncio.Future[None]]]] = {}
    for future, (loop, waiter) in waiters:
        by_loop.setdefault(loop, []).append((future, waiter))
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, pairs)
        except RuntimeError:  # the loop is closed: nobody waits any more
            log.debug("a request's event loop closed before its commit ended")


def _settle(pairs: Sequence[tuple[Future[None], asyncio.Future[None]]]) -> None:
    """On the event loop: each awaiting request gets its commit's outcome."""
    for future, waiter in pairs:
        if waiter.done():
            continue
        if future.cancelled():
            waiter.cancel()
        elif (error := future.exception()) is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(None)


def _cancel_soon(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]) -> None:
    try:
        loop.call_soon_threadsafe(lambda: waiter.cancel() if not waiter.done() else None)
    except RuntimeError:
        log.debug("a request's event loop closed before its commit was abandoned")
