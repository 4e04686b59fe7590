"""A worker's heap, as glibc's malloc keeps it: given back after a batch, and kept from growing in between.

glibc is reached through ctypes; with another C library (musl, macOS) these do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache

M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3
# Blocks of 1 MiB to 4 MiB come and go with single requests: thresholds of 128 KiB or 1 MiB cost 65-75%
# more CPU per POST /v1/recommendations (mapping, trimming and faulting them again); 4 MiB costs nothing
# measurable and holds the pod's peak as well as 128 KiB does.
THRESHOLD = 4 * 1024 * 1024


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def keep_small() -> None:
    """Fix malloc's thresholds at 4 MiB, for the life of the process.

    By default glibc raises them as the process frees large blocks (up to 32 MiB to map, twice that to
    trim): after one largest batch, a worker's threads keep tens of MiB of freed heap that malloc_trim does
    not return (it leaves each thread heap's top alone). Fixed, blocks from 4 MiB up are mapped and unmapped
    on their own, and a heap's free top over 4 MiB goes back at once. Measured with tests/test_memory.py:
    the pod's peak fell from 433-440 MiB to 391-396 MiB (380-387 MiB with 128 KiB).
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_TRIM_THRESHOLD, THRESHOLD)
        libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)


def give_back(resume: bool = False) -> None:
    """After a batch: collect its garbage, let the collector's automatic passes run again if `resume`
    (they were paused for it: `pause_collection`), then return the free pages of every heap (malloc_trim).

    A batch's objects can sit in reference cycles (an exception's traceback holds the parsed body) that
    only a collection frees. While the passes were paused nothing left the youngest generation, so a
    collection of that generation alone finds all of them, and scans nothing older: after a batch of
    1,000 items it took 0.2 ms (once 9 ms), where a full one took 10-18 ms and found nothing more."""
    gc.collect(0)
    if resume:
        gc.enable()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def pause_collection() -> bool:
    """Pause the collector's automatic passes (gc.disable) while a batch is in flight; True if they ran.

    A 1,000-item batch allocates millions of short-lived objects and holds hundreds of thousands until it
    is answered, so the passes keep running over them: 70-90 young passes and up to one full one per
    batch, 13-55 ms of its time (measured in process, start-up objects frozen as in a worker). A batch's
    objects are freed by their reference counts (it leaves none in cycles: a collection after one finds
    nothing), and give_back collects once it is done and lets the passes run again.
    """
    if not gc.isenabled():
        return False
    gc.disable()
    return True
