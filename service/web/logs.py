"""Structured logs: one JSON object per line on stdout, for the server and every worker.

Nothing here writes a value from a request: the request log line (service/web/telemetry.py) names only
the route, the status and what the service itself answered, and an exception is logged by its type and
stack frames, never its message (a message can quote what the client sent).
"""

from __future__ import annotations

import logging
import traceback
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

# The id of the request being served, added to every log line written while it is served.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to a record written while a request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


class SafeJsonFormatter(JsonFormatter):
    """JSON lines whose exceptions carry the type and the frames, never the message."""

    def formatException(self, ei: Any) -> str:
        exc_type, _, tb = ei
        frames = traceback.format_list(traceback.extract_tb(tb)) if tb else []
        return "".join(
            ["Traceback (most recent call last):\n", *frames, f"{exc_type.__name__} (message withheld)"]
        )

    def formatStack(self, stack_info: str) -> str:
        return stack_info


def log_config(level: str) -> dict[str, Any]:
    """A logging.config.dictConfig for uvicorn's parent process and each worker.

    uvicorn's access log is off: it would write the query string. The service writes its own
    request line instead.
    """
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {
                "()": SafeJsonFormatter,
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,
                # uvicorn adds an ANSI-coloured copy of some messages
                "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
            }
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stdout"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": ["stdout"], "level": upper},
    }
