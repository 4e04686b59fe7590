"""The store's turns between SQLite writers: one at a time, and a quick GIL hand-over while holding one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from service.decisions.store import TURN_SWITCH_INTERVAL_S, WriterTurns


def test_the_holder_of_the_file_lock_gets_the_gil_back_quickly_and_the_default_returns_after(
    tmp_path: Path,
) -> None:
    default = sys.getswitchinterval()
    turns = WriterTurns(tmp_path / "decisions.sqlite3.writer-lock")
    with turns:
        assert sys.getswitchinterval() == pytest.approx(TURN_SWITCH_INTERVAL_S)
        assert default > TURN_SWITCH_INTERVAL_S
    assert sys.getswitchinterval() == default
    with turns:  # and again, on the file opened before
        assert sys.getswitchinterval() == pytest.approx(TURN_SWITCH_INTERVAL_S)
    assert sys.getswitchinterval() == default


def test_a_store_of_one_process_keeps_the_interpreters_interval() -> None:
    """An in-memory SQLite store: no other process waits on a lock, so nothing to hurry."""
    default = sys.getswitchinterval()
    with WriterTurns(None):
        assert sys.getswitchinterval() == default
