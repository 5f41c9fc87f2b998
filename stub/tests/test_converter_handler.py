"""converter_handler: files put into incoming/ become live databases (or go to failed/), driven
by EventBridge "Object Created" events against a local moto S3 server, with a tiny fake
converter (SQLite passes through; anything else fails with a line number)."""

import hashlib
import json
import os
import pathlib
import re
import shutil
import sqlite3
import tempfile
import threading
import unittest
from datetime import datetime, timedelta, timezone

import harness  # noqa: F401  (sys.path for the stub)
from harness import CONTRACT_DIR, SESSION_DIR, captured_output

from datasette_lambda.contract.live_manifest import (
    LIVE_MANIFEST_KEY,
    empty_live_manifest,
    live_database_key,
    read_live_manifest,
    serialize_live_manifest,
)
from datasette_lambda.convert.function import (
    COPY_BYTES_PER_SECOND,
    RESERVE_SECONDS,
    budget_seconds,
    incoming_object,
    make_handler,
    reason_line,
)
from moto_server import MotoServer

moto = None
SQLITE_HEADER = b"SQLite format 3\x00"


def setUpModule():
    global moto
    moto = MotoServer()


def tearDownModule():
    moto.stop()


class FakeConversionError(Exception):
    """Shaped as convert.py's ConversionError(file, line, reason)."""

    def __init__(self, file, line, reason):
        super().__init__(f"{file}:{line}: {reason}")
        self.file, self.line, self.reason = file, line, reason


def fake_convert(paths, out_path, *, budget=None):
    """SQLite passes through; a .csv with a row of the wrong width fails at that line."""
    (path,) = paths
    head = pathlib.Path(path).read_bytes()[:16]
    if head == SQLITE_HEADER:
        shutil.copyfile(path, out_path)
        with sqlite3.connect(out_path) as db:
            names = [row[0] for row in db.execute("select name from sqlite_master where type = 'table'")]
            tables = {name: {"count": db.execute(f'select count(*) from "{name}"').fetchone()[0]} for name in names}
        data = pathlib.Path(out_path).read_bytes()
        return {"database": out_path, "tables": tables, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    width = len(lines[0].split(","))
    for number, line in enumerate(lines, start=1):
        if len(line.split(",")) != width:
            raise FakeConversionError(path, number, f"expected {width} columns, got {len(line.split(','))}")
    raise FakeConversionError(path, None, "the fake converter only takes SQLite")


def sqlite_bytes(rows):
    path = tempfile.mktemp(dir=SESSION_DIR, suffix=".db")
    with sqlite3.connect(path) as db:
        db.execute("create table items (id integer primary key, name text)")
        db.executemany("insert into items (name) values (?)", [(f"row {i}",) for i in range(rows)])
    return pathlib.Path(path).read_bytes()


def object_created(bucket, key, size=5, etag="b1946ac92492d2347c6235b4d2611184"):
    """An EventBridge event exactly as the S3 user guide shows one ("EventBridge event message
    structure", Object created), for this bucket and key."""
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "111122223333",
        "time": "2021-11-12T00:00:00Z",
        "region": "ca-central-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": size,
                "etag": etag,
                "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
                "sequencer": "617f08299329d189",
            },
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "source-ip-address": "1.2.3.4",
            "reason": "PutObject",
        },
    }


class Site:
    _count = 0

    def setUp(self):
        Site._count += 1
        self.bucket = f"converter-site-{Site._count}"
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)
        self.now = datetime.now(timezone.utc)
        self.tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="converter-tmp-")
        self.handler = self.make()

    def make(self, convert=fake_convert, now=None):
        return make_handler(
            convert=convert,
            s3_factory=moto.client,
            now=now or (lambda: self.now),
            temp_root=self.tmp,
            environ={"DATASETTE_LAMBDA_BUCKET": self.bucket},
        )

    def call(self, event, handler=None):
        """Runs the handler with its log captured (self.log)."""
        with captured_output() as out:
            result = (handler or self.handler)(event, None)
        self.log = out.getvalue()
        return result

    def drop(self, key, body):
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return object_created(self.bucket, key, size=len(body))

    def manifest(self):
        return read_live_manifest(self.s3.get_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["Body"].read().decode())

    def keys(self, prefix=""):
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def read(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()


class ConvertsIncomingFiles(Site, unittest.TestCase):
    def test_a_database_dropped_into_incoming_is_published_and_removed_from_incoming(self):
        data = sqlite_bytes(3)
        result = self.call(self.drop("incoming/sales.db", data))

        sha256 = hashlib.sha256(data).hexdigest()
        self.assertEqual(
            result, {"status": "published", "name": "sales", "key": live_database_key(sha256, "sales"), "changed": True}
        )
        self.assertEqual(self.read(live_database_key(sha256, "sales")), data)
        entry = self.manifest()["databases"]["sales"]
        self.assertEqual(entry["sha256"], sha256)
        self.assertEqual(entry["bytes"], len(data))
        self.assertEqual(entry["tables"], {"items": {"count": 3}})
        self.assertEqual(entry["source"], "sales.db")
        self.assertRegex(entry["dataAsOf"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertRegex(entry["publishedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(self.keys("incoming/"), [])
        self.assertEqual(self.keys("failed/"), [])
        self.assertEqual(shutil.os.listdir(self.tmp), [], "its /tmp work is cleaned up")

    def test_a_bad_file_goes_to_failed_with_its_reason_and_the_site_keeps_what_it_serves(self):
        self.call(self.drop("incoming/sales.db", sqlite_bytes(2)))
        served = self.manifest()["databases"]
        bad = b"id,name\n1,a\n2,b,c\n"

        result = self.call(self.drop("incoming/bad.csv", bad))

        reason = "bad.csv:3: expected 2 columns, got 3"
        self.assertEqual(result, {"status": "failed", "source": "bad.csv", "key": "failed/bad.csv", "reason": reason})
        self.assertEqual(self.read("failed/bad.csv"), bad)
        self.assertEqual(self.read("failed/bad.csv.error.txt"), (reason + "\n").encode())
        manifest = self.manifest()
        self.assertEqual(manifest["databases"], served, "what is served is untouched")
        self.assertEqual(set(manifest["failed"]), {"bad.csv"})
        self.assertEqual(manifest["failed"]["bad.csv"]["reason"], reason)
        self.assertEqual(manifest["failed"]["bad.csv"]["key"], "failed/bad.csv")
        self.assertEqual(self.keys("incoming/"), [])
        self.assertIn(f"incoming/bad.csv moved to failed/bad.csv: {reason}", self.log)
        self.assertNotIn("Traceback", self.log, "the file's fault: one line, no traceback")

    def test_a_name_datasette_keeps_goes_to_failed_with_the_line_push_gives_and_nothing_is_uploaded(self):
        # The same lines as the CLI's push and update-stack (contract/schemas/examples/names/cases.json).
        with open(os.path.join(CONTRACT_DIR, "schemas", "examples", "names", "cases.json"), encoding="utf-8") as f:
            errors = {case["file"]: case["error"] for case in json.load(f)["files"]}
        converted = []

        def watched(paths, out_path, **kwargs):
            converted.append(paths)
            return fake_convert(paths, out_path, **kwargs)

        for source in ("_internal.csv", "_memory.db", "-.csv"):
            with self.subTest(source=source):
                data = sqlite_bytes(1)
                result = self.call(self.drop(f"incoming/{source}", data), self.make(convert=watched))
                self.assertEqual(result["reason"], errors[source])
                self.assertEqual(self.read(f"failed/{source}.error.txt"), (errors[source] + "\n").encode())
                self.assertEqual(self.manifest()["failed"][source]["reason"], errors[source])
        self.assertEqual(converted, [], "refused before converting")
        self.assertEqual(self.keys("live/db/"), [], "nothing uploaded")
        self.assertEqual(self.manifest()["databases"], {})
        self.assertEqual(self.keys("incoming/"), [])

    def test_a_name_that_differs_only_in_case_from_a_served_one_is_refused_before_uploading(self):
        self.call(self.drop("incoming/Sales.db", sqlite_bytes(1)))
        self.s3.put_object(
            Bucket=self.bucket, Key="live/deployed.json", Body=json.dumps({"format": 1, "databases": {"Fixtures": {}}})
        )
        for source, other in (("sales.db", "Sales"), ("fixtures.db", "Fixtures")):
            with self.subTest(source=source):
                result = self.call(self.drop(f"incoming/{source}", sqlite_bytes(2)))
                name = source.removesuffix(".db")
                self.assertEqual(
                    result["reason"],
                    f'{source}: the database name "{name}" differs only in case from the database "{other}"; '
                    "rename the file",
                )
        self.assertEqual(sorted(self.manifest()["databases"]), ["Sales"])
        self.assertEqual(len(self.keys("live/db/")), 1, "only Sales was uploaded")

    def test_the_same_source_converting_later_clears_its_failure(self):
        self.call(self.drop("incoming/data.csv", b"a,b\n1\n"))
        self.assertIn("data.csv", self.manifest()["failed"])
        # A SQLite file under the same name now converts (the fake detects SQLite by its header).
        self.call(self.drop("incoming/data.csv", sqlite_bytes(1)))
        manifest = self.manifest()
        self.assertEqual(manifest["failed"], {})
        self.assertIn("data", manifest["databases"])

    def test_any_other_failure_is_recorded_too_with_its_kind(self):
        def broken(paths, out_path, **kwargs):
            raise RuntimeError("disk on fire\nsecond line")

        result = self.call(self.drop("incoming/x.db", sqlite_bytes(1)), self.make(convert=broken))
        self.assertEqual(result["reason"], "x.db: RuntimeError: disk on fire second line")
        self.assertEqual(self.read("failed/x.db.error.txt"), b"x.db: RuntimeError: disk on fire second line\n")
        self.assertIn("Traceback", self.log, "not the file's fault: the traceback is logged for the owner")

    def test_subfolders_and_url_encoded_keys(self):
        data = sqlite_bytes(1)
        self.s3.put_object(Bucket=self.bucket, Key="incoming/team a/my data.db", Body=data)
        # Keys in S3 notifications may arrive URL-encoded ("+" for a space).
        result = self.call(object_created(self.bucket, "incoming/team+a/my+data.db"))
        self.assertEqual(result["name"], "my_data")
        self.assertEqual(self.manifest()["databases"]["my_data"]["source"], "team a/my data.db")
        self.assertEqual(self.keys("incoming/"), [])

    def test_an_event_delivered_twice_is_handled_once(self):
        event = self.drop("incoming/sales.db", sqlite_bytes(1))
        self.call(event)
        etag = self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["ETag"]
        self.assertEqual(self.call(event), {"status": "gone", "key": "incoming/sales.db"})
        self.assertEqual(self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["ETag"], etag)

    def test_the_same_bytes_again_are_not_published_again(self):
        data = sqlite_bytes(2)
        self.call(self.drop("incoming/sales.db", data))
        result = self.call(self.drop("incoming/sales.db", data))
        self.assertEqual(result["changed"], False)
        self.assertEqual(self.keys("incoming/"), [])

    def test_other_events_are_ignored(self):
        self.s3.put_object(Bucket=self.bucket, Key="live/other.db", Body=b"x")
        for event in [
            object_created(self.bucket, "live/other.db"),
            object_created(self.bucket, "incoming/"),  # a console "folder"
            object_created(self.bucket, "incoming/sub/"),
            object_created("someone-elses-bucket", "incoming/x.db"),
            dict(object_created(self.bucket, "incoming/x.db"), **{"detail-type": "Object Deleted"}),
            {"source": "aws.s3", "detail-type": "Object Created", "detail": {}},
        ]:
            with self.subTest(event=json.dumps(event)[:120]):
                self.assertEqual(self.call(event), {"status": "ignored"})
        with self.assertRaises(Exception):  # noqa: B017  (any error will do: what matters is what it leaves)
            self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)

    def test_two_files_converted_at_once_both_land(self):
        handler_a, handler_b = self.make(), self.make()  # two instances, each its own client
        events = [self.drop("incoming/one.db", sqlite_bytes(1)), self.drop("incoming/two.db", sqlite_bytes(2))]
        start = threading.Barrier(2)
        results = []

        def run(handler, event):
            start.wait()
            results.append(handler(event, None))

        threads = [threading.Thread(target=run, args=pair) for pair in zip((handler_a, handler_b), events, strict=True)]
        with captured_output():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(sorted(r["status"] for r in results), ["published", "published"])
        self.assertEqual(sorted(self.manifest()["databases"]), ["one", "two"])

    def test_old_databases_nothing_names_are_collected_by_a_later_publish(self):
        self.call(self.drop("incoming/sales.db", sqlite_bytes(1)))
        old = self.manifest()["databases"]["sales"]["key"]
        later = self.make(now=lambda: self.now + timedelta(hours=1))
        self.call(self.drop("incoming/sales.db", sqlite_bytes(5)), later)
        new = self.manifest()["databases"]["sales"]["key"]
        self.assertEqual(self.keys("live/db/"), [new])
        self.assertNotEqual(old, new)


class WithTheRealConverter(Site, unittest.TestCase):
    """The handler as deployed: convert.convert_files (datasette_lambda.convert), imported by the handler itself."""

    def make(self, convert=None, now=None):
        return make_handler(
            s3_factory=moto.client,
            now=now or (lambda: self.now),
            temp_root=self.tmp,
            environ={"DATASETTE_LAMBDA_BUCKET": self.bucket},
        )

    def test_a_csv_becomes_a_typed_table_and_a_malformed_one_is_failed_with_its_line(self):
        result = self.call(self.drop("incoming/prices.csv", b"id,item,price\n1,tea,2.5\n2,cake,3\n"))
        self.assertEqual(result["status"], "published")
        entry = self.manifest()["databases"]["prices"]
        self.assertEqual(entry["tables"], {"prices": {"count": 2}})
        path = os.path.join(self.tmp, "check.db")
        with open(path, "wb") as f:
            f.write(self.read(entry["key"]))
        with sqlite3.connect(path) as db:
            self.assertEqual(
                db.execute("select id, item, price from prices order by id").fetchall(),
                [(1, "tea", 2.5), (2, "cake", 3.0)],
            )
        db.close()

        result = self.call(self.drop("incoming/bad.csv", b"id,name\n1,a\n2,b,c\n"))
        self.assertEqual(result["status"], "failed")
        self.assertTrue(result["reason"].startswith("bad.csv:3: "), result["reason"])
        self.assertEqual(self.read("failed/bad.csv.error.txt").decode().strip(), result["reason"])
        self.assertEqual(set(self.manifest()["databases"]), {"prices"})


class LambdaContext:
    """The two members of Lambda's Python context object the converter reads (Lambda Developer
    Guide, "Using the Lambda context object to retrieve Python function information",
    https://docs.aws.amazon.com/lambda/latest/dg/python-context.html): get_remaining_time_in_millis(),
    "the number of milliseconds left before the execution times out", and memory_limit_in_mb, "the
    amount of memory that's allocated for the function" (a string, as the runtime interface client
    reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE)."""

    def __init__(self, remaining_ms, memory_mb="2048"):
        self.remaining_ms, self.memory_limit_in_mb = remaining_ms, memory_mb

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


class SteppingClock:
    """A clock that moves `step` seconds on every reading: every check of the budget costs time,
    so a long file runs out of it after a known number of checks, whatever the machine's speed."""

    def __init__(self, step):
        self.step, self.now = step, 1000.0

    def __call__(self):
        self.now += self.step
        return self.now


ROWS = 100_000
BIG_CSV = ("id,name\n" + "".join(f"{i},row {i}\n" for i in range(ROWS))).encode()


class StopsBeforeTheFunctionEnds(Site, unittest.TestCase):
    """A conversion that would outlast the invocation stops early and moves the file to failed/.

    Lambda ends an invocation at its timeout and, for an asynchronous one such as EventBridge's,
    would retry it ("How Lambda handles errors and retries with asynchronous invocation":
    "Function errors include errors returned by the function's code and errors returned by the
    function's runtime, such as timeouts"; the template turns the retries off). A timed-out
    invocation could not move the file anywhere: the conversion stops while time is left."""

    def make(self, convert=None, now=None, clock=None, memory_used=None):
        return make_handler(
            s3_factory=moto.client,
            now=now or (lambda: self.now),
            temp_root=self.tmp,
            environ={"DATASETTE_LAMBDA_BUCKET": self.bucket},
            clock=clock or SteppingClock(0),
            memory_used=memory_used or (lambda: 100 * 1024 * 1024),
        )

    def call(self, event, handler=None, context=None):
        with captured_output() as out:
            result = (handler or self.handler)(event, context)
        self.log = out.getvalue()
        return result

    def assert_failed_and_nothing_published(self, result, pattern):
        self.assertEqual(result["status"], "failed", result)
        self.assertRegex(result["reason"], pattern)
        self.assertEqual(self.read("failed/big.csv"), BIG_CSV, "the file itself is kept in failed/")
        self.assertEqual(self.read("failed/big.csv.error.txt").decode(), result["reason"] + "\n")
        manifest = self.manifest()
        self.assertEqual(manifest["failed"]["big.csv"]["reason"], result["reason"])
        self.assertEqual(manifest["databases"], {})
        self.assertEqual(self.keys("incoming/"), [], "nothing is left behind to wait in incoming/")
        self.assertEqual(self.keys("live/db/"), [])
        self.assertNotIn("Traceback", self.log, "the file's size, not a fault of the function: one line")
        self.assertIn(f"incoming/big.csv moved to failed/big.csv: {result['reason']}", self.log)
        self.assertEqual(shutil.os.listdir(self.tmp), [], "its /tmp work is cleaned up")

    def test_a_file_that_cannot_finish_in_its_remaining_time_goes_to_failed_with_a_reason(self):
        # 30 s left after the reserve, and each look at the clock costs a second: the 100,000
        # rows need more looks than that (one every 2,000 rows, more inside SQLite's statements).
        context = LambdaContext(remaining_ms=int((RESERVE_SECONDS + len(BIG_CSV) / COPY_BYTES_PER_SECOND + 30) * 1000))
        result = self.call(self.drop("incoming/big.csv", BIG_CSV), self.make(clock=SteppingClock(1.0)), context)

        self.assert_failed_and_nothing_published(
            result,
            r"^big\.csv: did not finish within the function's time: [\d,]+ rows converted; "
            r"split the file or push it from your machine$",
        )
        converted = int(re.search(r"([\d,]+) rows", result["reason"]).group(1).replace(",", ""))
        self.assertTrue(0 < converted < ROWS, converted)

    def test_the_same_file_with_time_enough_is_published(self):
        # Control: the same clock and file, with the function's full 15 minutes.
        context = LambdaContext(remaining_ms=900_000)
        result = self.call(self.drop("incoming/big.csv", BIG_CSV), self.make(clock=SteppingClock(1.0)), context)
        self.assertEqual(result["status"], "published", result)
        self.assertEqual(self.manifest()["databases"]["big"]["tables"], {"big": {"count": ROWS}})

    def test_a_file_that_needs_more_memory_than_the_function_has_goes_to_failed_with_a_reason(self):
        # The process's resident memory grows by 10 MB a look, from 1.6 GB: past 85% of 2 GB soon.
        used = iter(range(1600 * 2**20, 2**40, 10 * 2**20))
        context = LambdaContext(remaining_ms=900_000, memory_mb="2048")
        result = self.call(self.drop("incoming/big.csv", BIG_CSV), self.make(memory_used=lambda: next(used)), context)
        self.assert_failed_and_nothing_published(
            result,
            r"^big\.csv: needed more memory than the function has \([\d,]+ MB in use, 1,740 MB allowed\)"
            r"(: [\d,]+ rows converted)?; split the file or push it from your machine$",
        )

    def test_a_database_that_could_not_be_uploaded_in_the_time_left_is_not_published(self):
        # The conversion ends with 10 s left: enough to upload a small database, not 600 MB.
        clock, data = SteppingClock(0), sqlite_bytes(2)

        def converted_late(size):
            def convert(paths, out_path, *, budget=None):
                pathlib.Path(out_path).write_bytes(data)
                clock.now = budget.deadline - 10
                return {"tables": {"items": {"count": 2}}, "bytes": size, "sha256": hashlib.sha256(data).hexdigest()}

            return make_handler(
                convert=convert,
                s3_factory=moto.client,
                now=lambda: self.now,
                temp_root=self.tmp,
                environ={"DATASETTE_LAMBDA_BUCKET": self.bucket},
                clock=clock,
            )

        context = LambdaContext(remaining_ms=900_000)
        result = self.call(self.drop("incoming/big.csv", BIG_CSV), converted_late(600 * 2**20), context)
        self.assert_failed_and_nothing_published(
            result,
            r"^big\.csv: did not finish within the function's time; split the file or push it from your machine$",
        )
        result = self.call(self.drop("incoming/big.csv", BIG_CSV), converted_late(len(data)), context)
        self.assertEqual(result["status"], "published", result)


class Helpers(unittest.TestCase):
    def test_reason_line(self):
        self.assertEqual(reason_line("a.csv", FakeConversionError("/tmp/x/a.csv", 7, "bad date")), "a.csv:7: bad date")
        self.assertEqual(
            reason_line("a.csv", FakeConversionError("/tmp/x/a.csv", None, "empty file")), "a.csv: empty file"
        )
        self.assertEqual(len(reason_line("a.csv", ValueError("x" * 5000))), 1000)

    def test_budget_seconds_keep_back_the_reserve_and_the_copy_to_failed(self):
        self.assertEqual(budget_seconds(900_000, 0), 900 - RESERVE_SECONDS)
        ten_gb = 10 * 2**30
        self.assertEqual(budget_seconds(900_000, ten_gb), 900 - RESERVE_SECONDS - ten_gb / COPY_BYTES_PER_SECOND)
        self.assertLess(budget_seconds(30_000, 0), 0, "less time than the reserve: stop at once")

    def test_incoming_object(self):
        event = object_created("b1", "incoming/a.csv")
        self.assertEqual(incoming_object(event, "b1"), ("b1", "incoming/a.csv"))
        self.assertEqual(incoming_object(event, None), ("b1", "incoming/a.csv"))
        with captured_output() as out:
            self.assertIsNone(incoming_object(event, "b2"))
        self.assertIn("ignoring an object of bucket b1", out.getvalue())


class ManifestUntouchedByIgnoredEvents(Site, unittest.TestCase):
    def test_a_manifest_that_exists_is_left_as_it_is(self):
        self.s3.put_object(
            Bucket=self.bucket, Key=LIVE_MANIFEST_KEY, Body=serialize_live_manifest(empty_live_manifest())
        )
        etag = self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["ETag"]
        self.call(object_created(self.bucket, "failed/x.csv"))
        self.assertEqual(self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["ETag"], etag)


if __name__ == "__main__":
    unittest.main()
