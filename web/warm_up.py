"""Work the explorer does ahead of need (loading spaCy for evidence, matplotlib's fonts for charts), held back
until the server is idle: a visitor who opens a report the moment `kg serve` starts is not kept waiting while
the two cores load libraries nobody has asked for yet.

`when_idle(app, name, work)` runs `work` in a daemon thread once no request has been in flight for `QUIET`
seconds; nothing runs in a testing app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask

QUIET = 1.0  # seconds without a request in flight before the background work starts
_STATE = "warm_up"


class _Activity:
    """Requests in flight and when the last one ended, for one app."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.last_end = time.monotonic()

    def begin(self) -> None:
        with self.lock:
            self.in_flight += 1

    def end(self, _error=None) -> None:
        with self.lock:
            self.in_flight -= 1
            self.last_end = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last request ended, 0 while one is in flight."""
        with self.lock:
            return 0.0 if self.in_flight else time.monotonic() - self.last_end


def _activity(app: Flask) -> _Activity:
    activity = app.extensions.get(_STATE)
    if activity is None:
        activity = app.extensions[_STATE] = _Activity()
        app.before_request(activity.begin)
        app.teardown_request(activity.end)
    return activity


def when_idle(app: Flask, name: str, work: Callable[[], None]) -> None:
    """Run `work` in the background once `app` has been idle for QUIET seconds (not in a testing app)."""
    if app.testing:
        return
    activity = _activity(app)

    def wait_then_work():
        while (idle := activity.idle_for()) < QUIET:
            time.sleep(QUIET - idle if idle else QUIET / 4)
        work()

    threading.Thread(target=wait_then_work, name=name, daemon=True).start()
