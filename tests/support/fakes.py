"""Stand-ins the tests control."""

from __future__ import annotations


class Clock:
    """A monotonic clock the test moves by hand (`clock.now += 1`)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
