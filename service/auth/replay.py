"""JWT ids already used, each kept until its token expires, so none is accepted twice.

In-process: with several worker processes or replicas, a token replayed to another process is not seen;
those deployments need a shared cache (e.g. Redis `SET key 1 NX EXAT exp`) behind the same interface.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable


class ReplayCache:
    def __init__(self, clock: Callable[[], float] = time.time, max_entries: int = 1_000_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._seen: dict[tuple[str, str], float] = {}
        self._expiry: list[tuple[float, tuple[str, str]]] = []
        self._lock = threading.Lock()

    def first_use(self, issuer: str, jti: str, until: float) -> bool:
        """Record (issuer, jti) until `until` (epoch seconds); False when it was already recorded."""
        key = (issuer, jti)
        with self._lock:
            self._forget_expired()
            if key in self._seen:
                return False
            if len(self._seen) >= self._max:
                # Refuse rather than forget: forgetting an unexpired id would allow a replay.
                return False
            self._seen[key] = until
            heapq.heappush(self._expiry, (until, key))
            return True

    def _forget_expired(self) -> None:
        now = self._clock()
        while self._expiry and self._expiry[0][0] < now:
            until, key = heapq.heappop(self._expiry)
            if self._seen.get(key) == until:
                del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)
