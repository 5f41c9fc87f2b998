"""convert/publish.py: the manifest protocol of docs/live-data.md against a local moto S3 server,
with the contract's pure changes (contract/live_manifest.py)."""

import json
import tempfile
import threading
import unittest
from datetime import datetime, timedelta, timezone

import harness  # noqa: F401  (sys.path for the stub)
from harness import SESSION_DIR

from botocore.exceptions import ClientError

from datasette_lambda.contract.live_manifest import (
    LIVE_MANIFEST_KEY,
    LiveManifestError,
    empty_live_manifest,
    live_database_key,
    read_live_manifest,
    serialize_live_manifest,
    with_failure,
    with_published,
    with_removed,
)
from datasette_lambda.contract.names import LiveNameError
from datasette_lambda.convert.publish import (
    ManifestBusy,
    backoff,
    collect_garbage,
    publish_database,
    put_conditionally,
    read_manifest,
    update_manifest,
)
from moto_server import MotoServer

moto = None
SHA_A = "a" * 64
SHA_B = "b" * 64


def setUpModule():
    global moto
    moto = MotoServer()


def tearDownModule():
    moto.stop()


def entry(name, sha256):
    return {"key": live_database_key(sha256, name), "sha256": sha256, "bytes": 1, "tables": {}}


def publish(name, sha256):
    return lambda manifest: with_published(manifest, name, entry(name, sha256), [])


class Bucket:
    _count = 0

    def new_bucket(self):
        Bucket._count += 1
        self.bucket = f"live-publish-{Bucket._count}"
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)

    def manifest(self):
        body = self.s3.get_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["Body"].read()
        return read_live_manifest(body.decode())


class Layout(unittest.TestCase):
    def test_layout(self):
        self.assertEqual(live_database_key(SHA_A, "sales"), f"live/db/{SHA_A}/sales.db")


class PureManifest(unittest.TestCase):
    def test_round_trip_is_stable_and_keeps_unknown_fields(self):
        manifest = {
            "format": 1,
            "future": {"x": 1},
            "databases": {"sales": entry("sales", SHA_A), "animals": entry("animals", SHA_B)},
            "failed": {"bad.csv": {"reason": "bad.csv:3: no", "at": "t", "key": "failed/bad.csv"}},
        }
        text = serialize_live_manifest(read_live_manifest(json.dumps(manifest)))
        self.assertEqual(json.loads(text), manifest)
        self.assertLess(text.index(b'"animals"'), text.index(b'"sales"'))
        self.assertEqual(serialize_live_manifest(read_live_manifest(text.decode())), text)

    def test_entries_no_reader_serves_are_written_back_as_they_were(self):
        foreign = {"format": 1, "databases": {"_internal": {"key": 5}, "s": entry("s", SHA_A)}, "failed": {"x": 1}}
        written = json.loads(serialize_live_manifest(with_published(foreign, "t", entry("t", SHA_B), [])))
        self.assertEqual(written["databases"]["_internal"], {"key": 5})
        self.assertEqual(written["failed"], {"x": 1})
        self.assertEqual(sorted(written["databases"]), ["_internal", "s", "t"])
        self.assertEqual(sorted(with_removed(foreign, "_internal")["databases"]), ["s"])
        self.assertIsNone(with_removed(foreign, "nope"))

    def test_changes_touch_only_their_entry(self):
        base = dict(
            empty_live_manifest(),
            databases={"keep": entry("keep", SHA_A)},
            failed={"s.csv": {"reason": "r", "at": "t", "key": "failed/s.csv"}},
        )
        published = with_published(base, "s", entry("s", SHA_B), ["s.csv"])
        self.assertEqual(sorted(published["databases"]), ["keep", "s"])
        self.assertEqual(published["failed"], {})
        failed = with_failure(base, "x.csv", {"reason": "x.csv:1: no", "at": "t", "key": "failed/x.csv"})
        self.assertEqual(failed["databases"], base["databases"])
        self.assertEqual(sorted(failed["failed"]), ["s.csv", "x.csv"])
        self.assertEqual(sorted(base["failed"]), ["s.csv"], "the input is not changed")

    def test_backoff_grows_capped_and_jittered(self):
        self.assertAlmostEqual(backoff(1, lambda: 0), 0.05)
        self.assertAlmostEqual(backoff(4, lambda: 0), 0.4)
        self.assertAlmostEqual(backoff(20, lambda: 0.999999), 3.0, places=4)


class ConditionalWrites(Bucket, unittest.TestCase):
    def setUp(self):
        self.new_bucket()

    def test_read_without_a_manifest(self):
        self.assertEqual(read_manifest(self.s3, self.bucket), (empty_live_manifest(), None))

    def test_create_then_replace_with_the_etag(self):
        update_manifest(self.s3, self.bucket, publish("a", SHA_A))
        manifest, etag = read_manifest(self.s3, self.bucket)
        self.assertEqual(sorted(manifest["databases"]), ["a"])
        self.assertTrue(etag)
        update_manifest(self.s3, self.bucket, publish("b", SHA_B))
        self.assertEqual(sorted(self.manifest()["databases"]), ["a", "b"])

    def test_nothing_to_write(self):
        self.assertEqual(update_manifest(self.s3, self.bucket, lambda m: None), empty_live_manifest())
        with self.assertRaises(ClientError):
            self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)

    def test_another_write_in_between_is_read_again_and_kept(self):
        update_manifest(self.s3, self.bucket, publish("a", SHA_A))
        other = moto.client()
        races = {"left": 2}

        def race(params, **kwargs):
            # Another publisher writes after we read and before our PUT lands, twice.
            if params.get("Key") == LIVE_MANIFEST_KEY and races["left"] > 0:
                races["left"] -= 1
                update_manifest(other, self.bucket, publish(f"other{races['left']}", SHA_B))

        self.s3.meta.events.register("before-parameter-build.s3.PutObject", race)
        sleeps = []
        update_manifest(self.s3, self.bucket, publish("b", SHA_B), sleep=sleeps.append, random=lambda: 0)
        self.assertEqual(sorted(self.manifest()["databases"]), ["a", "b", "other0", "other1"])
        self.assertEqual(sleeps, [0.05, 0.1])

    def test_a_manifest_deleted_in_between_is_created_again(self):
        update_manifest(self.s3, self.bucket, publish("a", SHA_A))
        other = moto.client()
        once = {"left": 1}

        def delete_first(params, **kwargs):
            if params.get("Key") == LIVE_MANIFEST_KEY and once["left"]:
                once["left"] = 0
                other.delete_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)

        self.s3.meta.events.register("before-parameter-build.s3.PutObject", delete_first)
        update_manifest(self.s3, self.bucket, publish("b", SHA_B), sleep=lambda s: None)
        self.assertEqual(sorted(self.manifest()["databases"]), ["b"])

    def test_gives_up_after_ten_lost_races(self):
        other = moto.client()
        count = {"n": 0}

        def always(params, **kwargs):
            if params.get("Key") == LIVE_MANIFEST_KEY:
                count["n"] += 1
                other.put_object(
                    Bucket=self.bucket,
                    Key=LIVE_MANIFEST_KEY,
                    Body=serialize_live_manifest(dict(empty_live_manifest(), n=count["n"])),
                )

        self.s3.meta.events.register("before-parameter-build.s3.PutObject", always)
        with self.assertRaises(ManifestBusy):
            update_manifest(self.s3, self.bucket, publish("a", SHA_A), sleep=lambda s: None)
        self.assertEqual(count["n"], 10)

    def test_conditions_as_headers_for_an_older_botocore(self):
        # Lambda's bundled botocore may not know IfMatch; the headers work the same.
        put_conditionally(self.s3, self.bucket, "live/x.json", b"1", if_none_match="*", as_headers=True)
        with self.assertRaises(ClientError) as caught:
            put_conditionally(self.s3, self.bucket, "live/x.json", b"2", if_none_match="*", as_headers=True)
        self.assertEqual(caught.exception.response["Error"]["Code"], "PreconditionFailed")
        etag = self.s3.head_object(Bucket=self.bucket, Key="live/x.json")["ETag"]
        with self.assertRaises(ClientError):
            put_conditionally(self.s3, self.bucket, "live/x.json", b"3", if_match='"0000"', as_headers=True)
        put_conditionally(self.s3, self.bucket, "live/x.json", b"4", if_match=etag, as_headers=True)
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="live/x.json")["Body"].read(), b"4")
        # And no condition leaks into the next, plain, PutObject on this client.
        self.s3.put_object(Bucket=self.bucket, Key="live/x.json", Body=b"5")

    def test_an_unreadable_manifest_is_not_overwritten(self):
        self.s3.put_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY, Body=b'{"format": 9}')
        with self.assertRaises(LiveManifestError):
            update_manifest(self.s3, self.bucket, publish("a", SHA_A))
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["Body"].read(), b'{"format": 9}')


def sqlite_file(content):
    path = tempfile.mktemp(dir=SESSION_DIR, suffix=".db")
    with open(path, "wb") as f:
        f.write(content)
    return path


class Publishing(Bucket, unittest.TestCase):
    def setUp(self):
        self.new_bucket()
        self.now = datetime.now(timezone.utc)

    def publish(self, name, content, **extra):
        args = dict(
            name=name,
            path=sqlite_file(content),
            tables={name: {"count": 1}},
            data_as_of="2026-11-30T09:00:00Z",
            source=f"{name}.csv",
            now=self.now,
        )
        args.update(extra)
        return publish_database(self.s3, self.bucket, **args)

    def test_uploads_then_names_it_clearing_its_failure(self):
        self.s3.put_object(
            Bucket=self.bucket,
            Key=LIVE_MANIFEST_KEY,
            Body=serialize_live_manifest(
                with_failure(
                    empty_live_manifest(),
                    "sales.csv",
                    {"reason": "sales.csv:2: no", "at": "t", "key": "failed/sales.csv"},
                )
            ),
        )
        published, changed = self.publish("sales", b"sales v1")
        self.assertTrue(changed)
        manifest = self.manifest()
        self.assertEqual(manifest["failed"], {})
        self.assertEqual(manifest["databases"]["sales"], published)
        self.assertEqual(published["source"], "sales.csv")
        self.assertEqual(published["dataAsOf"], "2026-11-30T09:00:00Z")
        self.assertEqual(published["bytes"], len(b"sales v1"))
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=published["key"])["Body"].read(), b"sales v1")

    def test_a_name_the_rule_refuses_raises_before_anything_is_uploaded(self):
        for name in ("_internal", "_memory", "-", "a b"):
            with self.subTest(name=name), self.assertRaises(LiveNameError) as caught:
                self.publish(name, b"x")
            self.assertTrue(str(caught.exception).startswith(f"{name}.csv: "), caught.exception)
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=self.bucket))

    def test_the_same_bytes_again_change_nothing(self):
        self.publish("sales", b"same")
        etag = self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["ETag"]
        _, changed = self.publish("sales", b"same")
        self.assertFalse(changed)
        self.assertEqual(self.s3.head_object(Bucket=self.bucket, Key=LIVE_MANIFEST_KEY)["ETag"], etag)

    def test_garbage_collection_spares_named_and_young_databases(self):
        first, _ = self.publish("sales", b"v1")
        second, _ = self.publish("sales", b"v2")
        self.assertEqual(
            len(self.s3.list_objects_v2(Bucket=self.bucket, Prefix="live/db/")["Contents"]), 2, "v1 is young: kept"
        )
        deleted = collect_garbage(self.s3, self.bucket, self.now + timedelta(hours=1))
        self.assertEqual(deleted, [first["key"]])
        self.assertEqual(
            [o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket, Prefix="live/db/")["Contents"]],
            [second["key"]],
        )

    def test_publishes_racing_in_threads_all_land(self):
        names = [f"db{i}" for i in range(6)]
        errors = []
        start = threading.Barrier(len(names))

        def run(name):
            try:
                start.wait()
                publish_database(
                    moto.client(),
                    self.bucket,
                    name=name,
                    path=sqlite_file(name.encode()),
                    tables={},
                    data_as_of=None,
                    source=f"{name}.csv",
                    now=self.now,
                )
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(self.manifest()["databases"]), names)


if __name__ == "__main__":
    unittest.main()
