"""Requests in progress, so what a swap replaced is released only once nothing can use it.

A request looks up its Database objects as it goes; one that started before a swap may
still query the replaced object (on a thread that has not connected to it yet, say). So
closing its connections or deleting its file at the swap would fail that request. Each
request is counted under the generation it started in; a swap retires what it replaced
under a new generation, and a retired thing is released when no request of an earlier
generation is left. In Lambda (one request at a time per instance) the check runs before
its request is counted, so that is at once; under threads (tests, local_server.py) it is
when the last older request ends, even while newer ones keep arriving.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._running: dict[int, int] = {}  # generation -> requests in progress
        self._retired: list[tuple[int, Callable[[], None]]] = []  # (generation, release)

    def started(self) -> int:
        with self._lock:
            generation = self._generation
            self._running[generation] = self._running.get(generation, 0) + 1
            return generation

    def finished(self, generation: int) -> None:
        with self._lock:
            left = self._running[generation] - 1
            if left:
                self._running[generation] = left
            else:
                del self._running[generation]

    def retire(self, release: Callable[[], None]) -> None:
        """release() is called (by take_releasable's caller) once no older request runs."""
        with self._lock:
            self._generation += 1
            self._retired.append((self._generation, release))

    def has_retired(self) -> bool:
        return bool(self._retired)

    def take_releasable(self) -> list[Callable[[], None]]:
        """The releases nothing can need any more, removed from the list."""
        with self._lock:
            oldest = min(self._running, default=None)
            ready = [r for g, r in self._retired if oldest is None or oldest >= g]
            self._retired = [(g, r) for g, r in self._retired if not (oldest is None or oldest >= g)]
            return ready
