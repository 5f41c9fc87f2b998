"""Which live databases not to download again yet: failed ones back off, refused ones wait for good.

Keyed by (name, sha256): a new version of a database is a new download, tried at once.
Times are the instance's clock (the one that schedules checks).
"""

from __future__ import annotations

from datasette_lambda.live.download_policy import DownloadPolicy

Key = tuple[str, str]  # (name, sha256)


class Backoff:
    def __init__(self, policy: DownloadPolicy) -> None:
        self.policy = policy
        self._failures: dict[Key, tuple[int, float]] = {}  # key -> (failures, may try again at)

    def failed(self, key: Key, now: float) -> float:
        """Record one more failure; returns the seconds before the next try."""
        failures = self._failures.get(key, (0, 0.0))[0] + 1
        delay = self.policy.retry_after(failures)
        self._failures[key] = (failures, now + delay)
        return delay

    def refused(self, key: Key) -> None:
        """Never again on this instance (it cannot fit)."""
        self._failures[key] = (self._failures.get(key, (0, 0.0))[0] + 1, float("inf"))

    def may_try(self, key: Key, now: float) -> bool:
        entry = self._failures.get(key)
        return entry is None or now >= entry[1]

    def succeeded(self, key: Key) -> None:
        self._failures.pop(key, None)

    def keep_only(self, keys: set[Key]) -> None:
        """Forget databases no longer published (or published in another version)."""
        for key in set(self._failures) - keys:
            del self._failures[key]

    def clear(self) -> None:
        """Everything may be tried at once (after a SnapStart restore: another clock, maybe another /tmp)."""
        self._failures.clear()
