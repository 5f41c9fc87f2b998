"""Scheduled imports (`datasette-lambda schedule`): the converter function, invoked with the event
EventBridge Scheduler sends, fetches a URL from a local HTTP server (never the internet),
converts it and publishes it into a local moto S3 bucket, only when it changed.

The event is the schedule's target Input, delivered as the Lambda event: EventBridge Scheduler's
templated Lambda target invokes the function with the Input as its payload ("Using templated
targets in EventBridge Scheduler", https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html).
The server speaks HTTP/1.1 conditional requests as RFC 9110 says (13.1.2 If-None-Match,
13.1.3 If-Modified-Since: a 304 without a body)."""

import json
import os
import shutil
import sqlite3
import tempfile
import threading
import unittest
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness  # noqa: F401  (sys.path for the stub)
from harness import SESSION_DIR, captured_output

from datasette_lambda.contract.live_manifest import LIVE_MANIFEST_KEY as MANIFEST_KEY
from datasette_lambda.contract.live_manifest import read_live_manifest
from datasette_lambda.contract.scheduled_import import (
    ScheduledImportError,
    is_scheduled_import,
    parse_scheduled_import,
    parse_state,
    state_key,
)
from datasette_lambda.convert import fetch as fetch_module
from datasette_lambda.convert.fetch import FetchError, NotModified, display_url, fetch, file_name
from datasette_lambda.convert.function import make_handler
from datasette_lambda.convert.scheduled_import import data_as_of
from golden_examples import golden_examples
from moto_server import MotoServer

moto = None


def setUpModule():
    global moto
    moto = MotoServer()


def tearDownModule():
    moto.stop()


class Source:
    """A local HTTP server whose resources the test sets: {path: (status, headers, body)}.

    ETag and Last-Modified headers given with a 200 make it answer conditional GETs with 304
    when they match (RFC 9110: If-None-Match wins over If-Modified-Since)."""

    def __init__(self):
        self.resources = {}
        self.requests = []  # (path, headers) of every request
        source = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (http.server's name)
                source.requests.append((self.path, dict(self.headers)))
                status, headers, body = source.resources.get(self.path, (404, {}, b"not found"))
                etag, modified = headers.get("ETag"), headers.get("Last-Modified")
                if status == 200 and (
                    (etag and self.headers.get("If-None-Match") == etag)
                    or (
                        not self.headers.get("If-None-Match")
                        and modified
                        and self.headers.get("If-Modified-Since") == modified
                    )
                ):
                    status, body = 304, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def serve(self, path, body, status=200, **headers):
        self.resources[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, body)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def event(schedule, url, database, **extra):
    return {
        "datasette-lambda": "scheduled-import",
        "format": 1,
        "schedule": schedule,
        "url": url,
        "database": database,
        "keyNames": False,
        **extra,
    }


MODIFIED = datetime(2026, 11, 30, 9, 0, 0, tzinfo=timezone.utc)


class Imports(unittest.TestCase):
    _count = 0

    def setUp(self):
        Imports._count += 1
        self.bucket = f"scheduled-site-{Imports._count}"
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)
        self.source = Source()
        self.addCleanup(self.source.stop)
        self.tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="import-tmp-")
        self.clock = [datetime(2026, 12, 1, 10, 0, 0, tzinfo=timezone.utc)]
        self.conversions = 0
        self.settings = "{}"

    def handler(self):
        from datasette_lambda.convert.conversion import convert_files

        def counting(paths, out_path, **options):
            self.conversions += 1
            return convert_files(paths, out_path, **options)

        environ = {"DATASETTE_LAMBDA_BUCKET": self.bucket, "DATASETTE_LAMBDA_CONVERT_SETTINGS": self.settings}
        return make_handler(
            convert=counting, s3_factory=moto.client, now=lambda: self.clock[0], temp_root=self.tmp, environ=environ
        )

    def run_import(self, path="/data/quakes.csv", database="quakes", **extra):
        self.clock[0] += timedelta(hours=1)
        with captured_output() as out:
            result = self.handler()(event("quakes-0123456789ab", self.source.base + path, database, **extra), None)
        self.log = out.getvalue()
        return result

    def manifest(self):
        return read_live_manifest(self.s3.get_object(Bucket=self.bucket, Key=MANIFEST_KEY)["Body"].read())

    def manifest_etag(self):
        return self.s3.head_object(Bucket=self.bucket, Key=MANIFEST_KEY)["ETag"]

    def state(self, schedule="quakes-0123456789ab"):
        return parse_state(self.s3.get_object(Bucket=self.bucket, Key=state_key(schedule))["Body"].read())

    def rows(self, database, sql):
        path = os.path.join(self.tmp, f"check-{database}.db")
        with open(path, "wb") as f:
            f.write(
                self.s3.get_object(Bucket=self.bucket, Key=self.manifest()["databases"][database]["key"])["Body"].read()
            )
        conn = sqlite3.connect(path)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
            os.remove(path)

    def test_first_run_publishes_then_304_nothing_then_a_change_a_new_version(self):
        self.source.serve(
            "/data/quakes.csv",
            b"id,mag\n1,4.5\n2,5.1\n",
            ETag='"v1"',
            Last_Modified=format_datetime(MODIFIED, usegmt=True),
        )
        first = self.run_import()
        self.assertEqual(first["status"], "published", self.log)
        entry = self.manifest()["databases"]["quakes"]
        self.assertEqual(entry["dataAsOf"], "2026-11-30T09:00:00Z", "the source's Last-Modified")
        self.assertEqual(entry["sourceUrl"], self.source.base + "/data/quakes.csv")
        self.assertEqual(entry["source"], self.source.base + "/data/quakes.csv")
        self.assertEqual(self.rows("quakes", "SELECT id, mag FROM quakes"), [(1, 4.5), (2, 5.1)])
        state = self.state()
        self.assertEqual(state["lastRun"], {"at": "2026-12-01T11:00:00Z", "result": "published"})
        self.assertEqual(state["lastChange"]["sha256"], entry["sha256"])
        self.assertEqual(state["source"]["etag"], '"v1"')
        self.assertEqual(self.s3.list_objects_v2(Bucket=self.bucket, Prefix="schedules/")["KeyCount"], 1)

        etag = self.manifest_etag()
        second = self.run_import()
        self.assertEqual(
            second,
            {
                "status": "unchanged",
                "schedule": "quakes-0123456789ab",
                "database": "quakes",
                "detail": "304 Not Modified",
            },
        )
        self.assertEqual(self.source.requests[-1][1].get("If-None-Match"), '"v1"')
        self.assertEqual(self.source.requests[-1][1].get("If-Modified-Since"), "Mon, 30 Nov 2026 09:00:00 GMT")
        self.assertEqual(self.manifest_etag(), etag, "the manifest is not written")
        self.assertEqual(self.conversions, 1)
        self.assertEqual(self.state()["lastRun"]["result"], "unchanged")

        later = MODIFIED + timedelta(days=1)
        self.source.serve(
            "/data/quakes.csv",
            b"id,mag\n1,4.5\n2,5.1\n3,6.0\n",
            ETag='"v2"',
            Last_Modified=format_datetime(later, usegmt=True),
        )
        third = self.run_import()
        self.assertEqual(third["status"], "published")
        changed = self.manifest()["databases"]["quakes"]
        self.assertNotEqual(changed["key"], entry["key"])
        self.assertEqual(changed["dataAsOf"], "2026-12-01T09:00:00Z")
        self.assertEqual(self.rows("quakes", "SELECT count(*) FROM quakes"), [(3,)])

    def test_a_source_without_validators_same_bytes_publish_nothing_and_convert_nothing(self):
        self.source.serve("/data/quakes.csv", b"id,mag\n1,4.5\n")
        self.assertEqual(self.run_import()["status"], "published")
        entry = self.manifest()["databases"]["quakes"]
        self.assertEqual(entry["dataAsOf"], "2026-12-01T11:00:00Z", "no Last-Modified: the fetch time")
        etag = self.manifest_etag()
        result = self.run_import()
        self.assertEqual((result["status"], result["detail"]), ("unchanged", "the same bytes"))
        self.assertNotIn("If-None-Match", self.source.requests[-1][1])
        self.assertEqual(self.conversions, 1, "the same bytes are not converted again")
        self.assertEqual(self.manifest_etag(), etag)

    def test_a_failing_source_keeps_the_last_good_data_and_records_why(self):
        self.source.serve("/data/quakes.csv", b"id,mag\n1,4.5\n", ETag='"v1"')
        self.run_import()
        served = self.manifest()["databases"]
        for status, body, reason in [
            (503, b"busy", "HTTP 503 Service Unavailable"),
            (200, b"id,mag\n1,4.5,extra\n", "quakes.csv:2: 3 fields where the header has 2"),
        ]:
            with self.subTest(status=status):
                self.source.serve("/data/quakes.csv", body, status=status, ETag=f'"{status}"')
                result = self.run_import()
                self.assertEqual(result["status"], "failed", self.log)
                self.assertEqual(result["detail"], reason)
                self.assertEqual(self.manifest()["databases"], served, "the site keeps what it serves")
                state = self.state()
                self.assertEqual(state["lastRun"], {"at": state["lastRun"]["at"], "result": "failed", "reason": reason})
                self.assertEqual(state["source"]["etag"], '"v1"', "the last good fetch's validators stay")
                self.assertNotIn("Traceback", self.log, "the source's fault: one line")
        self.source.server.shutdown()
        self.source.server.server_close()
        result = self.run_import()
        self.assertEqual(result["status"], "failed")
        self.assertTrue(result["detail"].startswith("could not connect: "), result["detail"])

    def test_after_rm_the_next_run_fetches_in_full_and_publishes_again(self):
        self.source.serve("/data/quakes.csv", b"id,mag\n1,4.5\n", ETag='"v1"')
        self.run_import()
        from datasette_lambda.convert.publish import update_manifest

        update_manifest(self.s3, self.bucket, lambda m: dict(m, databases={}))
        result = self.run_import()
        self.assertEqual(result["status"], "published")
        self.assertNotIn("If-None-Match", self.source.requests[-1][1])
        self.assertIn("quakes", self.manifest()["databases"])

    def test_the_sites_settings_or_the_schedules_own(self):
        self.settings = '{"fts": ["place"], "encoding": "cp1252"}'
        self.source.serve(
            "/feed", "id,place\n1,Zürich lake\n".encode("cp1252"), Content_Type="text/csv; charset=windows-1252"
        )
        self.assertEqual(self.run_import(path="/feed", database="feed")["status"], "published", self.log)
        self.assertEqual(self.rows("feed", "SELECT rowid FROM feed_fts WHERE feed_fts MATCH 'zürich'"), [(1,)])
        self.source.serve("/feed", "id,place\n1,Zürich lake\n".encode("latin-1"), Content_Type="text/csv")
        result = self.run_import(path="/feed", database="feed", fts=[], encoding="latin-1")
        self.assertEqual(result["status"], "published", "other options: converted again, without the index")
        self.assertEqual(self.rows("feed", "SELECT name FROM sqlite_master WHERE name LIKE 'feed_fts%'"), [])

    def test_geojson_and_into_a_database_named_otherwise(self):
        collection = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"n": 1}, "geometry": {"type": "Point", "coordinates": [2.35, 48.86]}}
            ],
        }
        self.source.serve("/maps/places.geojson", json.dumps(collection).encode())
        self.assertEqual(
            self.run_import(path="/maps/places.geojson", database="maps", keyNames=True)["status"], "published"
        )
        self.assertEqual(self.rows("maps", "SELECT n, latitude, longitude FROM places"), [(1, 48.86, 2.35)])

    def test_a_format_neither_the_address_nor_the_server_tells(self):
        self.source.serve("/blob", b"a,b\n1,2\n", Content_Type="application/octet-stream")
        result = self.run_import(path="/blob", database="blob")
        self.assertEqual(result["status"], "failed")
        self.assertIn("cannot tell its format (Content-Type application/octet-stream)", result["detail"])

    def test_a_redirect_to_another_scheme_is_refused(self):
        self.source.serve("/moved", b"", status=302, Location="ftp://127.0.0.1/quakes.csv")
        result = self.run_import(path="/moved")
        self.assertEqual(
            (result["status"], result["detail"]),
            ("failed", "redirected to ftp://127.0.0.1/quakes.csv, ftp: is not an http(s) address"),
        )
        self.source.serve("/old.csv", b"", status=301, Location="/data/quakes.csv")
        self.source.serve("/data/quakes.csv", b"id\n1\n")
        self.assertEqual(self.run_import(path="/old.csv")["status"], "published")


class Fetching(unittest.TestCase):
    def setUp(self):
        self.source = Source()
        self.addCleanup(self.source.stop)
        self.dir = tempfile.mkdtemp(prefix="fetch-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_the_size_limit_by_content_length_and_as_it_streams(self):
        self.source.serve("/big.csv", b"x" * 5000)
        with self.assertRaises(FetchError) as caught:
            fetch(self.source.base + "/big.csv", os.path.join(self.dir, "f"), max_bytes=1000)
        self.assertEqual(str(caught.exception), "5,000 bytes, over the 1,000-byte limit of a scheduled import")
        self.assertEqual(fetch_module.MAX_BYTES, 1024**3, "1 GiB, as docs/cli.md says")

    def test_the_time_limit(self):
        self.source.serve("/slow.csv", b"x" * (3 * 1024 * 1024))
        ticks = iter(range(0, 10_000, 100))
        with self.assertRaises(FetchError) as caught:
            fetch(
                self.source.base + "/slow.csv",
                os.path.join(self.dir, "f"),
                clock=lambda: next(ticks),
                download_seconds=150,
            )
        self.assertIn("not downloaded within 150 s", str(caught.exception))

    def test_304_and_headers(self):
        self.source.serve("/a.csv", b"a\n1\n", ETag='"x"')
        fetched = fetch(self.source.base + "/a.csv", os.path.join(self.dir, "f"))
        self.assertEqual((fetched.size, fetched.etag), (4, '"x"'))
        self.assertEqual(fetch(self.source.base + "/a.csv", os.path.join(self.dir, "g"), etag='"x"'), NotModified())
        self.assertEqual(self.source.requests[-1][1]["User-Agent"], fetch_module.USER_AGENT)

    def test_only_http(self):
        with self.assertRaises(FetchError):
            fetch("file:///etc/passwd", os.path.join(self.dir, "f"))

    def test_never_the_functions_own_runtime_api(self):
        # Lambda's runtime API listens on the instance itself (AWS_LAMBDA_RUNTIME_API, "host:port");
        # a GET of its /next would take the function's next event. Here the source stands in for it.
        api = f"127.0.0.1:{self.source.server.server_port}"
        self.source.serve("/2018-06-01/runtime/invocation/next", b"{}")
        with self.assertRaises(FetchError) as caught:
            fetch(
                f"http://localhost:{self.source.server.server_port}/2018-06-01/runtime/invocation/next",
                os.path.join(self.dir, "f"),
                runtime_api=api,
            )
        self.assertEqual(str(caught.exception), "refused: that is the Lambda Runtime API of the function itself")
        other = Source()
        self.addCleanup(other.stop)
        other.serve("/data.csv", b"", status=302, Location=f"http://{api}/2018-06-01/runtime/invocation/next")
        with self.assertRaises(FetchError) as caught:
            fetch(other.base + "/data.csv", os.path.join(self.dir, "g"), runtime_api=api)
        self.assertIn("refused: that is the Lambda Runtime API", str(caught.exception))
        self.assertEqual([path for path, _ in self.source.requests], [], "never asked")


class Pure(unittest.TestCase):
    def test_display_url_drops_credentials_and_query(self):
        self.assertEqual(
            display_url("https://user:pw@example.org:8443/a/b.csv?key=s3cr3t#x"), "https://example.org:8443/a/b.csv"
        )

    def test_file_name(self):
        known = (".csv", ".json", ".geojson")
        self.assertEqual(file_name("https://x.org/a/My%20Data.csv?x=1", "db", None, known), "My Data.csv")
        self.assertEqual(
            file_name("https://x.org/api/items", "items", "application/json; charset=utf-8", known), "items.json"
        )
        self.assertEqual(file_name("https://x.org/api/items", "items", "text/html", known), None)

    def test_data_as_of(self):
        fetched = datetime(2026, 12, 1, 10, 0, 5, tzinfo=timezone.utc)
        self.assertEqual(data_as_of("Mon, 30 Nov 2026 09:00:00 GMT", fetched), "2026-11-30T09:00:00Z")
        self.assertEqual(data_as_of(None, fetched), "2026-12-01T10:00:05Z")
        self.assertEqual(data_as_of("yesterday", fetched), "2026-12-01T10:00:05Z")


class Contract(unittest.TestCase):
    """The golden examples test/live/schedule-state.test.ts and test/plan/schedule.test.ts use too."""

    @classmethod
    def setUpClass(cls):
        cls.examples = golden_examples("scheduled-import")

    def test_the_events_the_cli_writes_are_read(self):
        for example in self.examples["events"]["valid"]:
            event_ = example["event"]
            self.assertTrue(is_scheduled_import(event_))
            job = parse_scheduled_import(event_)
            self.assertEqual(
                (job.schedule, job.url, job.database), (event_["schedule"], event_["url"], event_["database"])
            )
            self.assertEqual(job.fts, tuple(event_["fts"]) if "fts" in event_ else None)
            self.assertEqual(job.key_names, event_["keyNames"])

    def test_others_are_refused(self):
        for example in self.examples["events"]["invalid"]:
            with self.subTest(why=example["why"]), self.assertRaises(ScheduledImportError):
                parse_scheduled_import(example["event"])
        self.assertFalse(is_scheduled_import({"source": "aws.s3"}))

    def test_the_records_are_what_this_code_writes(self):
        for state in self.examples["states"]:
            self.assertEqual(parse_state(json.dumps(state)), state)
        self.assertIsNone(parse_state("{}"))


if __name__ == "__main__":
    unittest.main()
