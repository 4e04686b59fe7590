"""Decision ids: random version-4 uuids, as `uuid.uuid4()` makes them, from the OS's random bytes.

`uuid.uuid4()` asks the OS for 16 bytes on every call, and `os.urandom` releases the GIL around that system
call. On the event loop, with the decision writer's thread waiting for the GIL, each release can hand the GIL
over and leave the loop waiting to get it back (py-spy under load: 7% of a worker's samples in `uuid4`).
So the bytes are fetched 4 KiB at a time, from the same source, and cut into ids.
"""

from __future__ import annotations

import os
import threading
import uuid

BYTES_PER_FETCH = 4096


class RandomIds:
    """Version-4 uuids from os.urandom, fetched in bulk; safe across threads and after a fork."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer = b""
        self._offset = 0
        os.register_at_fork(after_in_child=self._forget)  # a forked child must not reuse the parent's bytes

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._buffer, self._offset = b"", 0

    def new(self) -> uuid.UUID:
        with self._lock:
            if self._offset + 16 > len(self._buffer):
                self._buffer, self._offset = os.urandom(BYTES_PER_FETCH), 0
            chunk = self._buffer[self._offset : self._offset + 16]
            self._offset += 16
        return uuid.UUID(bytes=chunk, version=4)


_ids = RandomIds()


def new_decision_id() -> uuid.UUID:
    """A new random decision id (122 random bits, like uuid.uuid4)."""
    return _ids.new()
