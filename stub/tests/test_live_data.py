"""Live data: the real stub follows live/manifest.json in a local moto bucket, no rebuild.

Databases are published into the bucket by the real publisher (live_publishing.py), the
site is driven with Function URL events, and the check interval runs on a clock the tests
move (the instance's clock), so nothing waits 15 seconds.
"""

import json
import os
import re
import tempfile
import unittest
from unittest import mock

import harness
from harness import SESSION_DIR, activate, captured_output, cloudfront_request, make_task_root, request

import live_publishing
from fixture_databases import sha256_of
from live_publishing import write_rows_db
from moto_server import DUMMY_AWS_ENV, ModuleMoto

MANIFEST_KEY = "live/manifest.json"
moto = ModuleMoto()  # one server for the module
setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)
INTERVAL = 15


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


_count = 0


def unique(prefix):
    global _count
    _count += 1
    return f"{prefix}-{_count}"


def stub_lines(out):
    """The stub's own log lines (Mangum and botocore log too)."""
    return [line for line in out.getvalue().splitlines() if line.startswith("datasette-lambda:")]


class S3Calls:
    """Every request the instance's S3 client sends (operation, key, If-None-Match) and the
    HTTP status of every answer, from botocore's own events."""

    def __init__(self, client):
        self.sent = []
        self.statuses = []
        client.meta.events.register("before-send.s3.*", self._before_send)
        client.meta.events.register("after-call.s3.*", self._after_call)

    def _before_send(self, request, event_name, **kwargs):
        condition = request.headers.get("If-None-Match")
        if isinstance(condition, bytes):
            condition = condition.decode("ascii")
        self.sent.append((event_name.rsplit(".", 1)[-1], request.url.split("?")[0].rsplit("/", 2)[-2:], condition))

    def _after_call(self, http_response, event_name, **kwargs):
        self.statuses.append((event_name.rsplit(".", 1)[-1], http_response.status_code))

    def clear(self):
        self.sent.clear()
        self.statuses.clear()


class LiveSite(unittest.TestCase):
    """A fresh bucket and instance per test: fixtures.db deployed inline, live data on."""

    prefix: str | None = None
    deployed_data_as_of: str | None = None
    metadata: dict | None = None
    interval = str(INTERVAL)

    def setUp(self):
        self.bucket = unique("live-site")
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)
        overrides = {"fixtures": {"dataAsOf": self.deployed_data_as_of}} if self.deployed_data_as_of else None
        self.task_root = make_task_root(prefix=self.prefix, database_overrides=overrides, metadata=self.metadata)
        self.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="sandbox-tmp-")
        self.env = dict(
            DUMMY_AWS_ENV,
            AWS_ENDPOINT_URL=moto.endpoint,
            DATASETTE_LAMBDA_BUCKET=self.bucket,
            DATASETTE_LAMBDA_LIVE_SECONDS=self.interval,
        )
        self.clock = FakeClock()
        self.addCleanup(harness.deactivate)
        harness.new_instance(
            dict(self.env, LAMBDA_TASK_ROOT=self.task_root.path, DATASETTE_SECRET=harness.TEST_SECRET),
            self.sandbox_tmp,
            clock=self.clock,
        )
        self.base = f"/{self.prefix}/" if self.prefix else "/"
        self.files = os.path.join(SESSION_DIR, unique("live-files"))

    def start(self):
        """Build the instance (its cold start checks the manifest) and watch its S3 calls."""
        self.assertEqual(request(self.base).status, 200)
        self.site = harness.instance().site
        self.calls = S3Calls(harness.instance().s3_client())
        return self.site

    def publish(self, name, path, data_as_of=None, upload=True):
        """Publish through the real publisher; upload=False then deletes the object, so the
        manifest names a missing one. Returns the entry."""
        entry = live_publishing.publish(self.s3, self.bucket, name, path, data_as_of)
        if not upload:
            self.s3.delete_object(Bucket=self.bucket, Key=entry["key"])
        return entry

    def remove(self, name):
        live_publishing.remove(self.s3, self.bucket, name)

    def put_raw(self, body):
        """Replace the manifest with these bytes as they are (a broken or foreign publisher's)."""
        return self.s3.put_object(Bucket=self.bucket, Key=MANIFEST_KEY, Body=body)["ETag"]

    def delete_manifest(self):
        self.s3.delete_object(Bucket=self.bucket, Key=MANIFEST_KEY)

    def etag(self):
        return self.s3.head_object(Bucket=self.bucket, Key=MANIFEST_KEY)["ETag"]

    def db_file(self, name, labels, table="readings"):
        return write_rows_db(os.path.join(self.files, unique(name), f"{name}.db"), labels, table)

    def next_check(self):
        self.clock.advance(INTERVAL)

    def check_and_download(self):
        """The interval passes; a request checks (and starts any download, in the background);
        the downloads run to their end, as they do while requests keep coming (Lambda runs an
        instance's threads only then). The next request swaps in what they brought."""
        self.next_check()
        self.assertEqual(request(self.base + "-/datasette-lambda.json").status, 200)
        self.assertTrue(harness.instance().site.live.downloads.wait_idle(60), "the downloads never ended")

    def labels(self, database, table="readings"):
        response = request(f"{self.base}{database}/{table}.json", query="_shape=array&_size=max")
        self.assertEqual(response.status, 200, response.text[:300])
        return [row["label"] for row in response.json()]

    def status(self, path):
        return request(self.base + path).status

    def cached_file(self, entry, name):
        return os.path.join(self.sandbox_tmp, "datasette-lambda", entry["sha256"], f"{name}.db")


class FollowsTheManifest(LiveSite):
    def test_a_pushed_database_appears_after_the_interval_without_a_rebuild(self):
        site = self.start()
        entry = self.publish("extra", self.db_file("extra", ["a", "b", "c"]))
        self.clock.advance(INTERVAL - 1)
        self.assertEqual(self.status("extra/readings.json"), 404)  # not due yet: not even looked
        self.assertEqual(self.calls.sent, [])
        self.clock.advance(1)
        # Due: this request checks and starts the download, in the background, and is served
        # what was served; once the download has ended, the next request swaps it in.
        self.assertEqual(self.status("extra/readings.json"), 404)
        self.assertEqual([op for op, _, _ in self.calls.sent][:1], ["GetObject"])  # the manifest
        self.assertTrue(harness.instance().site.live.downloads.wait_idle(60))
        self.assertEqual(self.labels("extra"), ["a", "b", "c"])
        self.assertIs(harness.instance().site, site)  # the same site, datasette and adapter: no rebuild
        self.assertTrue(os.path.exists(self.cached_file(entry, "extra")))
        index = request(self.base + ".json").json()
        self.assertEqual(list(index), ["fixtures", "extra"])
        self.assertEqual(self.status("fixtures/items.json"), 200)

    def test_a_replaced_database_serves_its_new_rows_and_its_old_file_goes(self):
        self.start()
        first = self.publish("extra", self.db_file("extra", ["v1 a", "v1 b"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["v1 a", "v1 b"])
        second = self.publish("extra", self.db_file("extra", ["v2 a", "v2 b", "v2 c"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["v2 a", "v2 b", "v2 c"])
        self.assertIn("3 rows", request(self.base + "extra/readings").text)
        self.assertFalse(os.path.exists(self.cached_file(first, "extra")))
        self.assertFalse(os.path.exists(os.path.dirname(self.cached_file(first, "extra"))))
        self.assertTrue(os.path.exists(self.cached_file(second, "extra")))
        # The download is the new file's object too.
        download = cloudfront_request(self.base + "extra.db")
        self.assertEqual(download.status, 302)
        self.assertIn(second["key"], download.header("location"))

    def test_a_removed_database_disappears_and_its_file_is_deleted(self):
        self.start()
        entry = self.publish("extra", self.db_file("extra", ["a"]))
        self.check_and_download()
        self.assertEqual(self.status("extra"), 200)
        self.remove("extra")
        self.check_and_download()
        self.assertEqual(self.status("extra"), 404)
        self.assertEqual(self.status("extra/readings.json"), 404)
        self.assertNotIn("extra", request(self.base + ".json").json())
        self.assertFalse(os.path.exists(self.cached_file(entry, "extra")))
        self.assertEqual(self.status("fixtures/items.json"), 200)

    def test_a_deleted_manifest_removes_every_live_database(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["a"]))
        self.check_and_download()
        self.assertEqual(self.status("extra"), 200)
        self.delete_manifest()
        self.check_and_download()
        self.assertEqual(self.status("extra"), 404)
        self.assertEqual(request("/-/datasette-lambda.json").json()["manifestEtag"], None)

    def test_a_live_database_replaces_a_deployed_one_of_its_name_until_removed(self):
        self.start()
        deployed_items = len(request(self.base + "fixtures/items.json?_shape=array&_size=max").json())
        self.assertEqual(deployed_items, 25)
        self.publish("fixtures", self.db_file("fixtures", ["live 1", "live 2"]))
        self.check_and_download()
        self.assertEqual(self.labels("fixtures"), ["live 1", "live 2"])
        self.assertEqual(self.status("fixtures/items.json"), 404)  # the deployed file's table
        index = request(self.base + ".json").json()
        self.assertEqual(list(index), ["fixtures"])  # in its place, not "fixtures_2"
        counts = {t["name"]: t["count"] for t in index["fixtures"]["tables_and_views_truncated"]}
        self.assertEqual(counts, {"readings": 2})  # the live manifest's counts, not the package's
        self.remove("fixtures")
        self.check_and_download()
        rows = request(self.base + "fixtures/items.json?_shape=array&_size=max").json()
        self.assertEqual(len(rows), 25)  # the deployed one is back, with its own counts
        table = request(self.base + "fixtures/items.json").json()
        self.assertEqual(table["filtered_table_rows_count"], 25)
        self.assertEqual(self.status("fixtures/readings.json"), 404)

    def test_the_cold_start_serves_what_is_already_published(self):
        self.publish("extra", self.db_file("extra", ["there at start"]))
        self.start()
        self.assertEqual(self.labels("extra"), ["there at start"])
        self.assertEqual([op for op, _, _ in self.calls.sent], [])  # nothing more to fetch

    def test_an_unchanged_manifest_costs_one_conditional_request_per_check(self):
        self.publish("extra", self.db_file("extra", ["a"]))
        self.start()
        etag = self.etag()
        for _ in range(20):  # requests between checks make no S3 call
            request(self.base + "extra/readings.json")
        self.assertEqual(self.calls.sent, [])
        for _ in range(3):
            self.next_check()
            for _ in range(5):
                self.assertEqual(self.labels("extra"), ["a"])
        self.assertEqual(self.calls.sent, [("GetObject", ["live", "manifest.json"], etag)] * 3)
        self.assertEqual(self.calls.statuses, [("GetObject", 304)] * 3)

    def test_no_manifest_is_one_request_per_check_and_nothing_else(self):
        self.start()
        self.next_check()
        self.assertEqual(request(self.base + "fixtures.json").status, 200)
        self.assertEqual(self.calls.sent, [("GetObject", ["live", "manifest.json"], None)])
        self.assertEqual(self.calls.statuses, [("GetObject", 404)])


class KeepsServingOnFailure(LiveSite):
    def test_a_failed_download_keeps_the_old_data_logs_one_line_and_is_retried(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["v1"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["v1"])
        path = self.db_file("extra", ["v2"])
        entry = self.publish("extra", path, upload=False)  # the manifest names a missing object
        with captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["v1"])
            self.assertEqual(self.labels("extra"), ["v1"])  # not due again: no retry, no line
        lines = [line for line in stub_lines(out) if "downloading extra" not in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("could not download database 'extra'", lines[0])
        self.assertIn("still serving the previous extra; trying again in 30 s", lines[0])
        self.assertNotIn("X-Amz-Signature", lines[0])
        self.s3.upload_file(path, self.bucket, entry["key"])  # published properly now
        with captured_output() as out:
            self.check_and_download()  # 15 s later: backing off, not tried yet
            self.assertEqual(self.labels("extra"), ["v1"])
        self.assertEqual(stub_lines(out), [])
        self.check_and_download()  # 30 s after the failure
        self.assertEqual(self.labels("extra"), ["v2"])

    def test_a_failed_first_download_of_a_replacement_keeps_the_deployed_database(self):
        self.start()
        self.publish("fixtures", self.db_file("fixtures", ["live"]), upload=False)
        with captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.status("fixtures/items.json"), 200)
        lines = [line for line in stub_lines(out) if "downloading fixtures" not in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("still serving the deployed fixtures", lines[0])
        self.assertFalse(request("/-/datasette-lambda.json").json()["databases"]["fixtures"]["live"])

    def test_a_corrupt_download_is_discarded_and_the_old_data_kept(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["v1"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["v1"])
        entry = self.publish("extra", self.db_file("extra", ["v2"]), upload=False)
        self.s3.put_object(Bucket=self.bucket, Key=entry["key"], Body=b"not the database")
        with captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["v1"])
        self.assertIn("failed its checksum", out.getvalue())
        self.assertIn("Publish it again", out.getvalue())
        self.assertEqual(os.listdir(os.path.dirname(self.cached_file(entry, "extra"))), [])

    def test_a_manifest_that_is_not_one_keeps_the_old_data_and_logs_one_line_per_check(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["v1"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["v1"])
        for body, why in ((b"{not json", "is not valid JSON"), (b'{"format": 1, "databases": {}}', "'failed'")):
            self.put_raw(body)
            with captured_output() as out:
                self.check_and_download()
                self.assertEqual(self.labels("extra"), ["v1"])
                self.assertEqual(self.status("fixtures/items.json"), 200)
            lines = stub_lines(out)
            self.assertEqual(len(lines), 1, lines)
            self.assertIn(why, lines[0])
            self.assertIn("still serving what was served", lines[0])

    def test_a_failed_check_keeps_serving_and_says_why_once(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["v1"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["v1"])
        self.delete_manifest()
        client = harness.instance().s3_client()
        from botocore.exceptions import EndpointConnectionError

        def unreachable(**kwargs):
            raise EndpointConnectionError(endpoint_url=f"{moto.endpoint}/{self.bucket}/live/manifest.json")

        with mock.patch.object(client, "get_object", unreachable), captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["v1"])
            self.assertEqual(self.labels("extra"), ["v1"])  # not retried until due again
        lines = stub_lines(out)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("could not read s3://", lines[0])
        self.assertIn("live/manifest.json", lines[0])
        # Reachable again: the manifest is gone now, so is the live database.
        self.check_and_download()
        self.assertEqual(self.status("extra"), 404)

    def test_access_denied_names_the_permissions_live_data_needs(self):
        from botocore.exceptions import ClientError

        self.start()
        denied = ClientError(
            {
                "Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            },
            "GetObject",
        )
        with (
            mock.patch.object(harness.instance().s3_client(), "get_object", side_effect=denied),
            captured_output() as out,
        ):
            self.check_and_download()
            self.assertEqual(self.status("fixtures.json"), 200)
        lines = stub_lines(out)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("AccessDenied (HTTP 403)", lines[0])
        self.assertIn("s3:ListBucket", lines[0])

    def test_a_missing_bucket_is_an_error_not_an_empty_manifest(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["v1"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["v1"])
        with (
            mock.patch.object(harness.instance().site.live.check, "bucket", "no-such-bucket-here"),
            captured_output() as out,
        ):
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["v1"])
        self.assertIn("NoSuchBucket", out.getvalue())


class OneBadEntry(LiveSite):
    """A manifest with one entry no reader serves next to good ones, as an older or foreign
    publisher might write it: every instance serves the others and logs one line naming it."""

    def write_with_bad_entries(self):
        """The real publisher's manifest, plus entries it would never write; returns its entries."""
        good = self.publish("extra", self.db_file("extra", ["good"]))
        other = self.publish("other", self.db_file("other", ["other"]))
        document = json.loads(self.s3.get_object(Bucket=self.bucket, Key=MANIFEST_KEY)["Body"].read())
        document["databases"]["_internal"] = dict(good, key=good["key"].replace("/extra.db", "/_internal.db"))
        document["databases"]["broken"] = {"key": "live/db/x/broken.db", "bytes": 1}
        self.put_raw(json.dumps(document).encode())
        return good, other

    def assert_one_line_per_bad_entry(self, out):
        lines = [line for line in stub_lines(out) if "skipped the entry" in line]
        self.assertEqual(
            lines,
            [
                'datasette-lambda: live data: skipped the entry "_internal" of live/manifest.json: '
                'the database name "_internal" is Datasette\'s own database; serving the others',
                'datasette-lambda: live data: skipped the entry "broken" of live/manifest.json: '
                "its sha256 is not 64 lower-case hex digits; serving the others",
            ],
        )

    def test_a_new_instance_serves_the_others(self):
        self.write_with_bad_entries()
        with captured_output() as out:
            self.start()  # its cold start reads the manifest
            self.assertEqual(self.labels("extra"), ["good"])
            self.assertEqual(self.labels("other"), ["other"])
        self.assert_one_line_per_bad_entry(out)
        self.assertEqual(list(request(self.base + ".json").json()), ["fixtures", "extra", "other"])
        self.assertTrue(harness.instance().site.datasette.databases["_internal"].is_memory, "Datasette's own, unharmed")
        status = request("/-/datasette-lambda.json").json()
        self.assertEqual(status["manifestEtag"], self.etag(), "followed: the bad entries will not get better")
        with captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["good"])
        self.assertEqual([line for line in stub_lines(out) if "skipped" in line], [], "logged once per manifest")

    def test_a_running_instance_serves_the_others_and_keeps_what_it_served_under_a_bad_name(self):
        self.start()
        self.publish("broken", self.db_file("broken", ["v1"]))
        self.check_and_download()
        self.assertEqual(self.labels("broken"), ["v1"])
        self.write_with_bad_entries()  # "broken" now has no sha256
        with captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["good"])
            self.assertEqual(self.labels("other"), ["other"])
            self.assertEqual(self.labels("broken"), ["v1"], "the previous version, as for a failed download")
        lines = [line for line in stub_lines(out) if "skipped the entry" in line]
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[1].endswith("; still serving the previous broken"), lines[1])
        self.remove("broken")  # rm of the bad entry: the instance lets go of it
        with captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.status("broken"), 404)
            self.assertEqual(self.labels("extra"), ["good"])
        self.assertIn("removed broken", out.getvalue())


class SameNameInOtherLetters(LiveSite):
    def test_a_live_name_that_shadows_a_deployed_one_in_other_letters_is_skipped(self):
        self.start()
        document = {"format": 1, "databases": {}, "failed": {}}
        entry = self.publish("extra", self.db_file("extra", ["a"]))
        document["databases"]["Fixtures"] = entry
        document["databases"]["extra"] = entry
        self.put_raw(json.dumps(document).encode())
        with captured_output() as out:
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["a"])
        self.assertIn(
            '"Fixtures" of live/manifest.json: the database name "Fixtures" differs only in case', out.getvalue()
        )
        self.assertEqual(list(request(self.base + ".json").json()), ["fixtures", "extra"])


class NothingSecretIsLogged(LiveSite):
    def test_checks_and_downloads_log_no_signature_or_token_even_at_debug(self):
        self.start()
        with captured_output() as out:  # the root logger at DEBUG
            self.publish("extra", self.db_file("extra", ["a"]))
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["a"])
            self.check_and_download()
            self.assertEqual(self.labels("extra"), ["a"])
        # The manifest, the database (the transfer manager's HeadObject, then its ranges), a 304.
        self.assertEqual(
            self.calls.statuses, [("GetObject", 200), ("HeadObject", 200), ("GetObject", 200), ("GetObject", 304)]
        )
        log = out.getvalue()
        self.assertIn("datasette-lambda: live data: added extra", log)
        for secret in ("Signature=", "X-Amz-Security-Token", "Authorization", "AWS4-HMAC-SHA256"):
            self.assertNotIn(secret, log)


class DataAsOf(LiveSite):
    deployed_data_as_of = "2026-11-30T09:15:00Z"
    LIVE = "2026-12-01T10:00:00Z"

    @staticmethod
    def shown(html):
        return re.findall(r'<p class="data-as-of">Data as of <time datetime="([^"]+)">([^<]+)</time> UTC</p>', html)

    def test_deployed_and_live_databases_show_their_time_on_three_places(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["a"]), data_as_of=self.LIVE)
        self.check_and_download()
        index = request(self.base).text
        self.assertEqual(
            self.shown(index), [(self.deployed_data_as_of, "2026-11-30 09:15:00"), (self.LIVE, "2026-12-01 10:00:00")]
        )
        # Under each database's own heading.
        self.assertLess(index.index(">fixtures</a>"), index.index("2026-11-30 09:15:00"))
        self.assertLess(index.index("2026-11-30 09:15:00"), index.index(">extra</a>"))
        self.assertEqual(
            self.shown(request(self.base + "fixtures").text), [(self.deployed_data_as_of, "2026-11-30 09:15:00")]
        )
        self.assertEqual(self.shown(request(self.base + "extra").text), [(self.LIVE, "2026-12-01 10:00:00")])
        self.assertEqual(request(self.base + "fixtures.json").json()["data_as_of"], self.deployed_data_as_of)
        self.assertEqual(request(self.base + "extra.json").json()["data_as_of"], self.LIVE)
        databases = {d["name"]: d.get("data_as_of") for d in request(self.base + "-/databases.json").json()}
        self.assertEqual(databases, {"fixtures": self.deployed_data_as_of, "extra": self.LIVE})
        # A query's JSON is its rows, not the database's description.
        query = request(self.base + "extra.json", query="sql=select+1+as+one&_shape=array").json()
        self.assertEqual(query, [{"one": 1}])

    def test_a_live_replacement_shows_its_own_time_and_the_deployed_one_comes_back(self):
        self.start()
        self.publish("fixtures", self.db_file("fixtures", ["a"]), data_as_of=self.LIVE)
        self.check_and_download()
        self.assertEqual(request(self.base + "fixtures.json").json()["data_as_of"], self.LIVE)
        self.assertEqual(self.shown(request(self.base).text), [(self.LIVE, "2026-12-01 10:00:00")])
        self.remove("fixtures")
        self.check_and_download()
        self.assertEqual(request(self.base + "fixtures.json").json()["data_as_of"], self.deployed_data_as_of)

    def comparable(self, body, plain_root):
        """Without what differs between two sites anyway: task root paths, query times."""
        for root in (plain_root.path, self.task_root.path):
            body = body.replace(root.encode(), b"")
        body = re.sub(rb"took [0-9.]+ms", b"", body)
        return re.sub(rb'"query_ms": [0-9.e-]+', b"", body)

    def test_the_pages_are_otherwise_byte_for_byte_the_same(self):
        self.start()
        with_time = {
            path: request(self.base + path).body for path in ("", "fixtures", "fixtures.json", "-/databases.json")
        }
        plain_root = make_task_root(prefix=self.prefix)  # the same site without dataAsOf
        activate(plain_root.path, {"DATASETTE_LAMBDA_BUCKET": None})
        for path, body in with_time.items():
            with self.subTest(path=path):
                plain = request(self.base + path).body
                self.assertNotIn(b"data-as-of", plain)
                self.assertNotIn(b"data_as_of", plain)
                without = re.sub(rb'\n    <p class="data-as-of">.*?</p>', b"", body)
                without = re.sub(rb', "data_as_of": "[^"]*"', b"", without)
                without, plain = (self.comparable(b, plain_root) for b in (without, plain))
                self.assertNotEqual(without, body)  # there was something to take out
                self.assertEqual(without, plain)


class DataAsOfUnderAPrefix(DataAsOf):
    prefix = "x"


class StatusEndpoint(LiveSite):
    prefix = "x"
    deployed_data_as_of = "2026-11-30T09:15:00Z"

    def test_says_what_this_instance_serves(self):
        self.start()
        fixtures_sha = self.task_root.manifest["databases"][0]["sha256"]
        response = request("/x/-/datasette-lambda.json")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("cache-control"), "no-store")
        self.assertIn("application/json", response.header("content-type"))
        status = response.json()
        self.assertEqual(
            status["databases"],
            {
                "fixtures": {"sha256": fixtures_sha, "dataAsOf": "2026-11-30T09:15:00Z", "live": False},
            },
        )
        self.assertIsNone(status["manifestEtag"])  # nothing published yet
        self.assertRegex(status["checkedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        entry = self.publish("extra", self.db_file("extra", ["a"]), data_as_of="2026-12-01T10:00:00Z")
        path = self.db_file("fixtures", ["b"])
        self.publish("fixtures", path, data_as_of="2026-12-02T10:00:00Z")
        self.check_and_download()
        status = request("/x/-/datasette-lambda.json").json()
        self.assertEqual(
            status["databases"],
            {
                "fixtures": {"sha256": sha256_of(path), "dataAsOf": "2026-12-02T10:00:00Z", "live": True},
                "extra": {"sha256": entry["sha256"], "dataAsOf": "2026-12-01T10:00:00Z", "live": True},
            },
        )
        self.assertEqual(status["manifestEtag"], self.etag())
        self.assertEqual(list(status), ["databases", "manifestEtag", "checkedAt"])

    def test_only_under_the_prefix_and_only_for_reading(self):
        self.start()
        self.assertEqual(request("/-/datasette-lambda.json").status, 302)  # into the prefix, as any path
        self.assertEqual(request("/x/-/datasette-lambda.json", method="HEAD").body, b"")
        self.assertEqual(request("/x/-/datasette-lambda.json", method="HEAD").status, 200)
        self.assertNotEqual(request("/x/-/datasette-lambda.json", method="POST").status, 200)

    def test_a_check_due_is_made_by_the_poll_itself(self):
        # push polls: the poll that finds the check due starts the download, a later one
        # (once it has ended) is answered with the new database.
        self.start()
        entry = self.publish("extra", self.db_file("extra", ["a"]))
        self.next_check()
        self.assertNotIn("extra", request("/x/-/datasette-lambda.json").json()["databases"])
        self.assertTrue(harness.instance().site.live.downloads.wait_idle(60))
        status = request("/x/-/datasette-lambda.json").json()
        self.assertEqual(status["databases"]["extra"]["sha256"], entry["sha256"])


class StatusOnAClosedSite(LiveSite):
    """A site whose metadata lets only root in: the status page tells an anonymous visitor
    nothing they could not see, and still answers push's question."""

    metadata = {"title": "Closed", "allow": {"id": "root"}, "databases": {"extra": {"allow": {"id": "editor"}}}}

    def start(self):
        self.assertEqual(request("/").status, 403)  # builds the instance; its cold start checks
        return harness.instance().site

    def as_actor(self, actor, query=None):
        ds = harness.instance().site.datasette
        cookie = f"ds_actor={ds.sign({'a': {'id': actor}}, 'actor')}"
        return request("/-/datasette-lambda.json", query=query, cookies=[cookie]).json()

    def test_an_anonymous_visitor_learns_only_whether_the_bytes_they_name_are_served(self):
        self.start()
        entry = self.publish("extra", self.db_file("extra", ["secret"]))
        self.check_and_download()
        question = f"expect=extra:{entry['sha256']}&expect=other:{entry['sha256']}&expect=fixtures:{'0' * 64}"
        anonymous = request("/-/datasette-lambda.json", query=question)
        self.assertEqual(anonymous.status, 200)
        self.assertEqual(
            anonymous.json(),
            {
                "databases": {},
                "manifestEtag": None,
                "checkedAt": None,
                "expected": {"extra": True, "other": False, "fixtures": False},
            },
        )
        self.assertEqual(
            request("/-/datasette-lambda.json", query=f"expect=extra:{'1' * 64}").json()["expected"], {"extra": False}
        )
        self.assertNotIn(b"extra", request("/-/datasette-lambda.json").body)

    def test_each_visitor_sees_what_the_sites_permissions_let_them_see(self):
        self.start()
        self.publish("extra", self.db_file("extra", ["secret"]))
        self.check_and_download()
        root = self.as_actor("root")  # the instance, and every database but one for editors only
        self.assertEqual(list(root["databases"]), ["fixtures"])
        self.assertEqual(root["manifestEtag"], self.etag())
        self.assertIsNotNone(root["checkedAt"])
        self.assertEqual(self.as_actor("someone")["databases"], {})  # not let in at all

    def test_a_question_that_is_not_name_and_sha256_is_a_400(self):
        self.start()
        for query in ("expect=extra", f"expect=:{'a' * 64}", f"expect=extra:{'A' * 64}", "expect=extra:abc"):
            with self.subTest(query=query):
                response = request("/-/datasette-lambda.json", query=query)
                self.assertEqual(response.status, 400)
                self.assertIn("NAME:SHA256", response.json()["error"])


class LiveDataOff(LiveSite):
    interval = "0"

    def test_no_check_at_all_and_the_endpoint_says_so(self):
        self.publish("extra", self.db_file("extra", ["a"]))
        self.start()
        for _ in range(3):
            self.next_check()
            self.assertEqual(self.status("extra"), 404)
        self.assertEqual(self.calls.sent, [])
        self.assertIsNone(harness.instance().site.live)
        status = request("/-/datasette-lambda.json").json()
        self.assertEqual((status["manifestEtag"], status["checkedAt"]), (None, None))
        self.assertEqual(list(status["databases"]), ["fixtures"])


class LiveDataWithoutDeployedDatabases(LiveSite):
    def test_a_site_deployed_without_databases_serves_what_is_pushed(self):
        root = make_task_root(inline=())
        harness.new_instance(
            dict(self.env, LAMBDA_TASK_ROOT=root.path, DATASETTE_SECRET=harness.TEST_SECRET),
            self.sandbox_tmp,
            clock=self.clock,
        )
        self.start()
        self.publish("extra", self.db_file("extra", ["a"]))
        self.check_and_download()
        self.assertEqual(self.labels("extra"), ["a"])
        self.assertIn(">extra</a>", request("/").text)


class IntervalSetting(unittest.TestCase):
    def test_default_off_and_bad_values(self):
        from datasette_lambda.config import Config

        def live_interval(environ):
            return Config.from_environ(environ).live_seconds

        self.assertEqual(live_interval({}), 15)
        self.assertEqual(live_interval({"DATASETTE_LAMBDA_LIVE_SECONDS": "60"}), 60)
        self.assertEqual(live_interval({"DATASETTE_LAMBDA_LIVE_SECONDS": "0.5"}), 0.5)
        self.assertIsNone(live_interval({"DATASETTE_LAMBDA_LIVE_SECONDS": "0"}))
        for bad in ("soon", "-1", "nan", "inf"):
            with self.subTest(value=bad), captured_output() as out:
                self.assertEqual(live_interval({"DATASETTE_LAMBDA_LIVE_SECONDS": bad}), 15)
            self.assertIn("is not a number of seconds", out.getvalue())


if __name__ == "__main__":
    unittest.main()
