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
THRESHOLD = 128 * 1024  # glibc's own starting value for both


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def keep_small() -> None:
    """Fix malloc's thresholds at 128 KiB, for the life of the process.

    By default glibc raises them as the process frees large blocks (up to 32 MiB to map, twice that to
    trim): after one largest batch, a worker's threads keep tens of MiB of freed heap that malloc_trim
    does not return (it leaves each thread heap's top alone). Fixed, blocks from 128 KiB up are mapped and
    unmapped on their own, and a heap's free top over 128 KiB goes back at once. Measured with
    tests/test_memory.py: the pod's peak fell from 433-440 MiB to 386-397 MiB.
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_TRIM_THRESHOLD, THRESHOLD)
        libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)


def give_back() -> None:
    """A batch's objects can sit in reference cycles (an exception's traceback holds the parsed body)
    until the collector's next full pass, which may be far away: collect now, then return the free
    pages of every heap (malloc_trim)."""
    gc.collect()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
