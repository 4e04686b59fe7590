"""Serve the app with uvicorn's process supervisor: N workers sharing one socket, each replaced if it dies.

SIGHUP to the supervisor reloads the rules in every worker without a restart (uvicorn's own SIGHUP would
restart them): it is passed on to each worker, which reloads in a thread while it keeps answering
(service/core/live_rules.py). POST /v1/admin/rules:reload reloads its worker and sends the supervisor SIGHUP.

The supervisor runs even with one worker, so a worker killed by a signal (or a crash inside the rules
engine) is always replaced: it checks its workers every half second. On SIGTERM (or SIGINT) it asks each
worker to stop; a worker stops accepting, finishes the requests in flight (for at most
`shutdown_timeout` seconds), and the supervisor exits 0.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.supervisors import Multiprocess

from service.config import Settings
from service.core.live_rules import SUPERVISOR_ENV, LiveRules, ReloadRefused
from service.web import heap, metrics
from service.web.logs import log_config

if TYPE_CHECKING:  # the supervisor never imports the app's framework (tests/test_memory.py)
    from fastapi import FastAPI

APP = "service.server:worker_app"
HTTP = "service.web.http_protocol:BoundedH11Protocol"  # h11 with header, time and connection limits

logger = logging.getLogger("nextsteps.rules")


class Supervisor(Multiprocess):
    """uvicorn's supervisor, but SIGHUP reloads the rules in each worker instead of restarting it."""

    def handle_hup(self) -> None:
        logger.info("SIGHUP: every worker reloads its rules")
        for process in self.processes:
            # one that has just exited is replaced by a worker that loads the rules as they are now
            with contextlib.suppress(OSError):
                if process.pid is not None:
                    os.kill(process.pid, signal.SIGHUP)


def reload_on_sighup(live: LiveRules) -> None:
    """In a worker's main thread: on SIGHUP, reload in a thread of its own while requests go on."""

    def reload() -> None:
        try:
            outcome = live.reload()
        except ReloadRefused:
            logger.error("rules reload refused; the last good rules keep serving (see GET /v1/rules)")
        else:
            logger.info("rules reload: revision %s (changed: %s)", outcome.revision[:12], outcome.changed)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda signum, frame: threading.Thread(target=reload).start())


# The collector's young pass runs once the objects made since the last pass, less those freed, reach this.
# With the decision store on, each request waits for its commit, so the objects of a worker's requests in
# flight come and go in bursts, and that count reached CPython's 2,000 about every 11 requests: 87-92 young
# passes per 1,000 requests, 8 of the middle generation and one full, 75-95 us of the event loop's time per
# request, and none of them found anything to free (counted with gc.callbacks in both workers under wrk,
# 32 connections; store off: 1.6 young passes per 1,000). At 10,000: 0.6 per 1,000 requests and 1.6 us per
# request, and in five pairs of adjacent wrk runs the event loops' CPU per request fell in four (by 100 to
# 270 us). Cycles still go within a pass or two of their making: a few MB at most wait for it.
YOUNG_COLLECTION_THRESHOLD = 10_000


def worker_app() -> FastAPI:
    """The app as each worker serves it, with everything built at start-up frozen out of the collector.

    A request allocates short-lived objects; every so many, Python's collector runs a full pass over
    every object alive, the app's hundreds of thousands included: pauses of tens of milliseconds
    (p99 under load 71 ms, 14 ms frozen; python -m bench.http_bench). gc.freeze() keeps what exists
    now out of those passes; it is never freed, as the app lives as long as the worker. The heap is
    kept from holding on to what a batch freed (service/web/heap.py).

    The young generation is collected every YOUNG_COLLECTION_THRESHOLD net new objects, not CPython's
    2,000 (see there).
    """
    from service.main import create_app  # in the worker only: the supervisor never builds the app

    heap.keep_small()
    app = create_app()
    reload_on_sighup(app.state.live_rules)
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    return app


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        APP,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=log_config(settings.log_level),
        log_level=settings.log_level,
        access_log=False,  # it would log query strings; service/web/telemetry.py logs each request
        server_header=False,
        http=HTTP,
        # X-Forwarded-* only from the proxies named in FORWARDED_ALLOW_IPS (none by default)
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips),
        timeout_graceful_shutdown=settings.shutdown_timeout,
    )


def serve(settings: Settings) -> int:
    """Run until told to stop; returns the process exit code."""
    try:
        directory = metrics.prepare_multiproc_dir(settings.prometheus_multiproc_dir)
    except OSError as exc:
        print(f"nextsteps: invalid settings: PROMETHEUS_MULTIPROC_DIR: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        config = uvicorn_config(settings)
        os.environ[SUPERVISOR_ENV] = str(os.getpid())  # the workers inherit it (service/core/live_rules.py)
        supervisor = Supervisor(config, sockets=[config.bind_socket()])
        supervisor.run()
    finally:
        metrics.remove_multiproc_dir(directory, settings.prometheus_multiproc_dir)
    failed = [p.exitcode for p in supervisor.processes if p.exitcode == uvicorn.config.STARTUP_FAILURE]
    return 3 if failed else 0
