"""convert/budget.py: the converter function's time and memory budget, and the conversion
stopping on it (every ROWS_PER_CHECK rows, and inside SQLite statements), with a clock and a
memory reading passed in: no test here waits on real time."""

import mmap
import os
import sqlite3
import tempfile
import unittest

import harness  # noqa: F401  (sys.path for the stub)
from harness import SESSION_DIR

from datasette_lambda.convert.budget import ROWS_PER_CHECK, Budget, OutOfBudget, resident_bytes
from datasette_lambda.convert.conversion import convert_files

MB = 1024 * 1024


class SteppingClock:
    """Moves `step` seconds on every reading."""

    def __init__(self, step=1.0):
        self.step, self.now = step, 0.0

    def __call__(self):
        self.now += self.step
        return self.now


def rows(count):
    return iter([(line, [str(line)]) for line in range(count)])


class Deadline(unittest.TestCase):
    def test_rows_are_counted_and_the_clock_read_every_ROWS_PER_CHECK_rows(self):
        # Created at t=1 with 2.5 s: deadline 3.5. Checks at t=2, 3 pass; the third (t=4) stops it.
        budget = Budget(2.5, clock=SteppingClock())
        seen = []
        with self.assertRaises(OutOfBudget) as stopped:
            for row in budget.metered(rows(10 * ROWS_PER_CHECK)):
                seen.append(row)
        self.assertEqual(len(seen), 3 * ROWS_PER_CHECK - 1, "stopped at the check, before handing on that row")
        self.assertEqual(budget.rows, 3 * ROWS_PER_CHECK)
        self.assertEqual(
            stopped.exception.reason,
            f"did not finish within the function's time: {3 * ROWS_PER_CHECK:,} rows converted; "
            "split the file or push it from your machine",
        )
        self.assertIsNone(stopped.exception.line, "shaped like a ConversionError without a line")

    def test_with_time_enough_every_row_comes_through(self):
        budget = Budget(1000, clock=SteppingClock())
        self.assertEqual(len(list(budget.metered(rows(10 * ROWS_PER_CHECK)))), 10 * ROWS_PER_CHECK)
        budget.check()

    def test_once_over_it_stays_over_and_says_so_without_rows_when_there_were_none(self):
        clock = SteppingClock()
        budget = Budget(0.5, clock=clock)
        with self.assertRaises(OutOfBudget) as first:
            budget.check()
        self.assertEqual(
            first.exception.reason,
            "did not finish within the function's time; split the file or push it from your machine",
        )
        clock.now = -1000  # even a clock that went back does not undo it
        with self.assertRaises(OutOfBudget) as again:
            budget.check()
        self.assertIs(again.exception, first.exception)

    def test_time_needed_afterwards_is_asked_for_up_front(self):
        budget = Budget(100, clock=SteppingClock(0))
        budget.check(99)
        with self.assertRaises(OutOfBudget):
            budget.check(100)


class Memory(unittest.TestCase):
    def test_past_the_watermark_it_stops_saying_how_much(self):
        readings = iter([500 * MB, 900 * MB, 1800 * MB])
        budget = Budget(1000, 1700 * MB, clock=SteppingClock(), memory_used=lambda: next(readings))
        with self.assertRaises(OutOfBudget) as stopped:
            list(budget.metered(rows(10 * ROWS_PER_CHECK)))
        self.assertEqual(
            stopped.exception.reason,
            f"needed more memory than the function has (1,800 MB in use, 1,700 MB allowed): "
            f"{3 * ROWS_PER_CHECK:,} rows converted; split the file or push it from your machine",
        )

    def test_without_a_watermark_or_a_reading_memory_is_not_checked(self):
        Budget(1000, None, clock=SteppingClock(), memory_used=lambda: 10**15).check()
        Budget(1000, 1 * MB, clock=SteppingClock(), memory_used=lambda: None).check()

    def test_resident_bytes_reads_this_process_and_sees_it_grow(self):
        # /proc/self/statm is Linux's: Lambda's, and CI's.
        # A mapping of its own, each page written: malloc could hand back heap pages an earlier
        # test of this process already made resident, and the process would not grow.
        with mmap.mmap(-1, 32 * MB) as block:
            before = resident_bytes()
            self.assertIsInstance(before, int)
            for offset in range(0, len(block), mmap.PAGESIZE):
                block[offset] = 1
            after = resident_bytes()
        self.assertGreaterEqual(after - before, 24 * MB)


def counting_to(n):
    """A statement of roughly 10 steps of SQLite's virtual machine per number counted."""
    return f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) SELECT count(*) FROM c"


class InsideSqlite(unittest.TestCase):
    def watched(self, seconds):
        conn = sqlite3.connect(":memory:")
        self.addCleanup(conn.close)
        budget = Budget(seconds, clock=SteppingClock())
        budget.watch(conn)
        return conn, budget

    def test_a_long_statement_is_interrupted_and_the_budget_says_why(self):
        conn, budget = self.watched(3)
        with self.assertRaises(sqlite3.OperationalError):
            conn.execute(counting_to(10**7)).fetchone()  # seconds of work, if not interrupted
        with self.assertRaises(OutOfBudget):
            budget.raise_if_exceeded()

    def test_a_statement_within_budget_is_left_alone(self):
        conn, budget = self.watched(1000)
        self.assertEqual(conn.execute(counting_to(100_000)).fetchone(), (100_000,))
        budget.raise_if_exceeded()


class ConvertFilesOnABudget(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=SESSION_DIR, prefix="budget-")

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_a_csv_stops_on_the_budget_and_leaves_nothing_behind(self):
        path = self.write("big.csv", ("id,name\n" + "".join(f"{i},n{i}\n" for i in range(20_000))).encode())
        out = os.path.join(self.dir, "big.db")
        with self.assertRaises(OutOfBudget) as stopped:
            convert_files([path], out, budget=Budget(4.5, clock=SteppingClock()))
        self.assertRegex(
            stopped.exception.reason, r"^did not finish within the function's time: [\d,]+ rows converted;"
        )
        self.assertEqual(sorted(os.listdir(self.dir)), ["big.csv"], "no database, no partial or staging file")

    def test_an_sqlite_input_interrupted_in_its_check_is_out_of_time_not_corrupt(self):
        source = os.path.join(self.dir, "many.db")
        with sqlite3.connect(source) as db:
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            db.executemany("INSERT INTO t (v) VALUES (?)", [(f"value {i}",) for i in range(200_000)])
            db.execute("CREATE INDEX t_v ON t (v)")
        db.close()
        with self.assertRaises(OutOfBudget) as stopped:
            convert_files([source], os.path.join(self.dir, "out.db"), budget=Budget(1.5, clock=SteppingClock()))
        self.assertNotIn("corrupt", stopped.exception.reason)
        self.assertEqual(sorted(os.listdir(self.dir)), ["many.db"])

    def test_without_a_budget_the_same_file_converts(self):
        path = self.write("big.csv", ("id,name\n" + "".join(f"{i},n{i}\n" for i in range(20_000))).encode())
        result = convert_files([path], os.path.join(self.dir, "big.db"))
        self.assertEqual(result["tables"], {"big": {"count": 20_000}})


if __name__ == "__main__":
    unittest.main()
