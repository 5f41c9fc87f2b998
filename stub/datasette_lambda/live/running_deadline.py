"""A deadline over the time a thread could actually run.

Lambda freezes an instance between requests (docs/architecture.md): a download started
by one request runs only while requests are in progress, and the clock keeps going while
it is frozen. So a deadline on the clock alone would end a download on a quiet site
that had hardly run. The download asks expired() every fraction of a second while it
runs; a longer gap between two asks is time it was frozen (or starved) and counts as
max_step at most.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RunningDeadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic, max_step: float = 1.0) -> None:
        self.seconds = seconds
        self._clock = clock
        self._max_step = max_step
        self._last = clock()
        self.ran = 0.0  # seconds counted so far

    def expired(self) -> bool:
        now = self._clock()
        self.ran += min(max(0.0, now - self._last), self._max_step)
        self._last = now
        return self.ran >= self.seconds
