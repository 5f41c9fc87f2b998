"""How long, and with how much memory, a conversion may run: the converter function's limits.

The converter function (function.py) makes a Budget from its Lambda context; the CLI's
conversion on the user's machine has none. The conversion asks it every ROWS_PER_CHECK rows
and, through SQLite's progress handler, inside long statements (the final copy, VACUUM,
quick_check). Past the deadline or the memory watermark it raises OutOfBudget, whose reason
says how far it got and what to do, so the function can still move the file to failed/
before Lambda would end the invocation.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

ROWS_PER_CHECK = 2000
# SQLite calls the progress handler every this many virtual machine instructions: a few
# milliseconds of work at most, so a long statement is interrupted soon after the deadline.
SQLITE_STEPS_PER_CHECK = 100_000
ADVICE = "split the file or push it from your machine"
MB = 1024 * 1024

T = TypeVar("T")


class OutOfBudget(Exception):
    """The conversion stopped before the function's time or memory ran out. Shaped like a
    ConversionError without a line, so the function reports it as the file's reason."""

    line = None

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def resident_bytes() -> int | None:
    """This process's resident memory (Linux's /proc/self/statm, in pages), or None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Budget:
    """A deadline `seconds` from now by `clock`, and a memory watermark in bytes (or None)."""

    def __init__(
        self,
        seconds: float,
        memory_bytes: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        memory_used: Callable[[], int | None] = resident_bytes,
    ) -> None:
        self.clock = clock
        self.deadline = clock() + seconds
        self.memory_bytes = memory_bytes
        self.memory_used = memory_used
        self.rows = 0
        # Set once over budget: SQLite's handler can only interrupt, the caller raises this.
        self.exceeded: OutOfBudget | None = None

    def check(self, needed_seconds: float = 0) -> None:
        """Raises OutOfBudget past the deadline (less `needed_seconds`) or the watermark."""
        if self.exceeded is None:
            self.exceeded = self._over(needed_seconds)
        if self.exceeded is not None:
            raise self.exceeded

    def _over(self, needed_seconds: float) -> OutOfBudget | None:
        done = f": {self.rows:,} rows converted;" if self.rows else ";"
        if self.clock() + needed_seconds >= self.deadline:
            return OutOfBudget(f"did not finish within the function's time{done} {ADVICE}")
        if self.memory_bytes is not None:
            used = self.memory_used()
            if used is not None and used >= self.memory_bytes:
                return OutOfBudget(
                    f"needed more memory than the function has ({used // MB:,} MB in use, "
                    f"{self.memory_bytes // MB:,} MB allowed){done} {ADVICE}"
                )
        return None

    def metered(self, rows: Iterator[T]) -> Iterator[T]:
        """`rows`, counted, with the budget checked every ROWS_PER_CHECK of them."""
        for row in rows:
            self.rows += 1
            if self.rows % ROWS_PER_CHECK == 0:
                self.check()
            yield row

    def watch(self, conn: sqlite3.Connection) -> None:
        """A statement on `conn` over budget is interrupted (sqlite3.OperationalError); see raise_if_exceeded."""
        conn.set_progress_handler(self._interrupt, SQLITE_STEPS_PER_CHECK)

    def _interrupt(self) -> int:
        if self.exceeded is None:
            self.exceeded = self._over(0)
        return 0 if self.exceeded is None else 1

    def raise_if_exceeded(self) -> None:
        """After a failed statement: the OutOfBudget behind it, if that is what interrupted it."""
        if self.exceeded is not None:
            raise self.exceeded
