"""Each client's budget of query time on /sparql: at most so many seconds of query evaluation in any minute,
as the Wikidata Query Service allows (60 s a minute); a client that spent it is answered 429 with the
seconds to wait (Retry-After), so a heavy client slows itself and not the others.

A client is its network address (the address the request came from: behind a reverse proxy every client has
the proxy's address, so give each its own budget there). The time charged is what its queries took in the
query workers, whether answered, failed or stopped.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class ClientBudget:
    """Seconds of query time each client may use in any `window` seconds (a sliding window)."""

    def __init__(self, seconds: float, window: float = 60.0, clock=time.monotonic):
        self.seconds = float(seconds)
        self.window = float(window)
        self._clock = clock
        self._spent: dict[str, deque[tuple[float, float]]] = {}  # client -> (when charged, seconds)
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[tuple[float, float]]:
        charges = self._spent.setdefault(client, deque())
        while charges and charges[0][0] <= now - self.window:
            charges.popleft()
        return charges

    def spent(self, client: str) -> float:
        """Seconds `client` used in the last window."""
        with self._lock:
            return sum(seconds for _, seconds in self._recent(client, self._clock()))

    def retry_after(self, client: str) -> int:
        """0 when `client` may run a query now; else the whole seconds until its spending in the window
        falls below the budget."""
        with self._lock:
            now = self._clock()
            charges = self._recent(client, now)
            over = sum(seconds for _, seconds in charges) - self.seconds
            if over < 0:
                return 0
            for when, seconds in charges:  # the oldest charges leave the window first
                over -= seconds
                if over < 0:
                    return max(1, math.ceil(when + self.window - now))
            return max(1, math.ceil(self.window))

    def charge(self, client: str, seconds: float) -> None:
        """Count `seconds` of query time against `client`."""
        with self._lock:
            now = self._clock()
            self._recent(client, now).append((now, seconds))
            if len(self._spent) > 10_000:  # forget clients with nothing left in the window
                for name in [c for c, charges in self._spent.items() if not self._recent(c, now)]:
                    del self._spent[name]
