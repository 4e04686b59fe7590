"""Decision ids: time-ordered version-7 uuids (RFC 9562), from the OS's random bytes fetched in bulk.

Why version 7, not 4: the decision id is the key of `decisions` (and of `decision_steps` before revision
0008), and a random key puts each new row's index entries at a random place, so every decision of a commit
dirties index pages of its own (SQLite writes each of them to the WAL and again at checkpoint; PostgreSQL
writes each to its WAL, a full page after a checkpoint). A version-7 id starts with the Unix time in
milliseconds, so new entries land together at the end of each index: measured in process, the pages a commit
of six decisions writes fell from about 76 to 58, and the writer's CPU per decision by about a third
(docs/benchmarks.md). The 74 other bits are random, so an id is as hard to guess as before; it tells its
creation time to the caller it is given to, which the caller already knows.

`uuid.uuid4()` asks the OS for 16 bytes on every call, and `os.urandom` releases the GIL around that system
call. On the event loop, with the decision writer's thread waiting for the GIL, each release can hand the GIL
over and leave the loop waiting to get it back (py-spy under load: 7% of a worker's samples in `uuid4`).
So the random bytes are fetched 4 KiB at a time, from the same source, and cut into ids.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

BYTES_PER_FETCH = 4096
RANDOM_BYTES = 10  # rand_a (12 bits) and rand_b (62 bits) are cut from these


class RandomBytes:
    """The OS's random bytes, fetched in bulk; safe across threads and after a fork."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer = b""
        self._offset = 0
        os.register_at_fork(after_in_child=self._forget)  # a forked child must not reuse the parent's bytes

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._buffer, self._offset = b"", 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if self._offset + count > len(self._buffer):
                self._buffer, self._offset = os.urandom(BYTES_PER_FETCH), 0
            chunk = self._buffer[self._offset : self._offset + count]
            self._offset += count
        return chunk


_random = RandomBytes()


def uuid7(unix_ms: int, random: bytes) -> uuid.UUID:
    """The version-7 uuid for a time (ms since 1970) and 10 random bytes: 48 bits of time, the version,
    12 random bits, the RFC 9562 variant, 62 random bits."""
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(random)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # variant 10
    return uuid.UUID(int=value)


def new_decision_id() -> uuid.UUID:
    """A new decision id: version 7, the current time in ms and 74 random bits."""
    return uuid7(time.time_ns() // 1_000_000, _random.take(RANDOM_BYTES))
