"""JSON log lines: exceptions by type and frames only, the request id on every line of a request."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest

from service.web.logs import log_config, request_id_var


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger wired exactly as log_config() wires the service's, writing to a buffer."""
    config = log_config("debug")
    config["handlers"]["stdout"]["stream"] = io.StringIO()
    config["loggers"] = {"nextsteps.test": {"handlers": ["stdout"], "level": "DEBUG", "propagate": False}}
    config["root"] = {"level": "WARNING", "handlers": []}
    config["disable_existing_loggers"] = False
    saved = logging.root.handlers[:], logging.root.level
    logging.config.dictConfig(config)
    logger = logging.getLogger("nextsteps.test")
    yield logger, logger.handlers[0].stream  # type: ignore[attr-defined]
    logger.handlers.clear()
    logging.root.handlers[:], logging.root.level = saved[0], saved[1]


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_an_exception_is_logged_by_type_and_frames_never_its_message(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = logged
    secret = "ZQX" + "SECRET"  # as a request value would be: not in the source line of a frame
    try:
        raise ValueError(f"patient {secret} born 1970-01-01")
    except ValueError:
        logger.exception("failed")
    [line] = lines(buffer)
    assert line["message"] == "failed" and line["level"] == "ERROR"
    assert "ValueError (message withheld)" in line["exc_info"]
    assert "test_logs.py" in line["exc_info"]  # the frames are kept
    assert "ZQXSECRET" not in buffer.getvalue()


def test_lines_written_during_a_request_carry_its_id(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = logged
    logger.info("outside")
    token = request_id_var.set("req-42")
    try:
        logger.warning("inside", extra={"error_type": "KeyError"})
    finally:
        request_id_var.reset(token)
    outside, inside = lines(buffer)
    assert "request_id" not in outside
    assert inside["request_id"] == "req-42" and inside["error_type"] == "KeyError"
    assert set(inside) >= {"timestamp", "level", "logger", "message"}


def test_uvicorn_access_log_is_silenced_at_every_level() -> None:
    for level in ("critical", "error", "warning", "info", "debug"):
        access = log_config(level)["loggers"]["uvicorn.access"]
        assert access == {"handlers": [], "level": "CRITICAL", "propagate": False}
