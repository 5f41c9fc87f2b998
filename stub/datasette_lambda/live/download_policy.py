"""How long a live download may run and when a failed one is tried again (docs/live-data.md).

Defaults for Lambda; tests pass their own (and their own clocks). A download's deadline
counts only the time it could run (running_deadline.py): an instance frozen between
requests does not use it up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from datasette_lambda.databases import tmp_space

MB = 1024 * 1024


@dataclass(frozen=True)
class DownloadPolicy:
    # A download may run for its size at min_bytes_per_second, and at least min_deadline_seconds:
    # S3 gives a Lambda function tens of MB/s, so one this slow is stuck, not busy.
    min_deadline_seconds: float = 120.0
    min_bytes_per_second: float = 5 * MB
    # A failed download is tried again at the first check after first_retry_seconds, then
    # after twice as long each time, never more than max_retry_seconds.
    first_retry_seconds: float = 30.0
    max_retry_seconds: float = 900.0
    # What a download's running time is measured with.
    running_clock: Callable[[], float] = time.monotonic
    # (size, free bytes) of the file system of a path: /tmp's room.
    tmp_usage: Callable[[str], tuple[int, int]] = tmp_space.usage

    def deadline_seconds(self, size: int) -> float:
        return max(self.min_deadline_seconds, size / self.min_bytes_per_second)

    def retry_after(self, failures: int) -> float:
        """Seconds before the next try, after `failures` failed ones (1 or more)."""
        return min(self.max_retry_seconds, self.first_retry_seconds * 2 ** min(failures - 1, 30))
