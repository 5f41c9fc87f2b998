"""Swapping a database under its name really serves the new file, on every thread, and
requests running while swaps happen all succeed.

Datasette 0.65 caches one connection per executor thread under the database's name; the
control test shows that trap with Datasette's own Database class, the others that the
stub's swap does not fall into it.
"""

import asyncio
import json
import os
import sqlite3
import tempfile
import threading
import unittest

import harness
from harness import SESSION_DIR, make_task_root, request

import live_publishing
from fixture_databases import sha256_of
from live_publishing import write_rows_db
from moto_server import DUMMY_AWS_ENV, ModuleMoto
from test_live_data import INTERVAL, FakeClock, unique

moto = ModuleMoto()  # one server for the module
setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)


def on_every_executor_thread(ds, database, sql):
    """Run sql on each of Datasette's executor threads at once (a barrier keeps each query
    on its own thread). Returns {thread id: (file the connection reads, rows)}."""
    threads = ds.setting("num_sql_threads")
    barrier = threading.Barrier(threads, timeout=20)

    def probe(conn):
        barrier.wait()
        file = conn.execute("pragma database_list").fetchone()[2]
        return threading.get_ident(), file, [tuple(row) for row in conn.execute(sql)]

    async def gather():
        return await asyncio.gather(*(database.execute_fn(probe) for _ in range(threads)))

    loop = asyncio.new_event_loop()  # not asyncio.run: it would unset the thread's loop Mangum uses
    try:
        results = loop.run_until_complete(gather())
    finally:
        loop.close()
    by_thread = {ident: (file, rows) for ident, file, rows in results}
    assert len(by_thread) == threads, "the probe did not reach every executor thread"
    return by_thread


class TheTrap(unittest.TestCase):
    """Control: with Datasette's own Database, a replacement under the same name is not read."""

    def test_datasette_065_reads_the_old_file_after_a_same_name_replace(self):
        from datasette.app import Datasette
        from datasette.database import Database

        directory = tempfile.mkdtemp(dir=SESSION_DIR)
        old = write_rows_db(os.path.join(directory, "v1", "trap_control.db"), ["old"])
        new = write_rows_db(os.path.join(directory, "v2", "trap_control.db"), ["new"])
        ds = Datasette(immutables=[old])
        try:
            before = on_every_executor_thread(ds, ds.databases["trap_control"], "select label from readings")
            self.assertEqual({rows[0][0] for _, rows in before.values()}, {"old"})
            ds.remove_database("trap_control")
            ds.add_database(Database(ds, path=new, is_mutable=False), name="trap_control")
            after = on_every_executor_thread(ds, ds.databases["trap_control"], "select label from readings")
            self.assertEqual(set(after), set(before))  # the same threads
            # Every thread still reads the file the name used to be.
            self.assertEqual({rows[0][0] for _, rows in after.values()}, {"old"})
            self.assertEqual({file for file, _ in after.values()}, {old})
        finally:
            for database in ds.databases.values():
                database.close()
            ds.executor.shutdown(wait=False)


class LiveSiteOnMoto(unittest.TestCase):
    manifest_extra: dict[str, bool] | None = (
        None  # top-level manifest fields of the site's package, e.g. {"crossdb": True}
    )

    def setUp(self):
        self.bucket = unique("swap-site")
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)
        self.task_root = make_task_root(extra=self.manifest_extra)
        self.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="sandbox-tmp-")
        self.clock = FakeClock()
        self.addCleanup(harness.deactivate)
        env = dict(
            DUMMY_AWS_ENV,
            AWS_ENDPOINT_URL=moto.endpoint,
            DATASETTE_LAMBDA_BUCKET=self.bucket,
            LAMBDA_TASK_ROOT=self.task_root.path,
            DATASETTE_SECRET=harness.TEST_SECRET,
        )
        harness.new_instance(env, self.sandbox_tmp, clock=self.clock)
        self.files = os.path.join(SESSION_DIR, unique("swap-files"))

    def publish(self, name, path):
        return live_publishing.publish(self.s3, self.bucket, name, path)

    def remove(self, name):
        live_publishing.remove(self.s3, self.bucket, name)

    def version(self, name, labels):
        return write_rows_db(os.path.join(self.files, unique(name), f"{name}.db"), labels)

    def check_now(self):
        """A due check: its request starts the downloads, which run to their end (as they do
        while requests keep coming), and the next request swaps them in."""
        self.clock.advance(INTERVAL)
        self.assertEqual(request("/-/datasette-lambda.json").status, 200)
        self.assertTrue(harness.instance().site.live.downloads.wait_idle(60), "the downloads never ended")
        self.assertEqual(request("/-/datasette-lambda.json").status, 200)

    def served_sha(self, name):
        return (request("/-/datasette-lambda.json").json()["databases"].get(name) or {}).get("sha256")


class SwapBeatsTheTrap(LiveSiteOnMoto):
    def test_after_a_replace_every_thread_that_had_a_connection_reads_the_new_file(self):
        first = self.version("extra", ["v1"])
        self.publish("extra", first)
        self.assertEqual(request("/extra/readings.json").status, 200)
        ds = harness.instance().site.datasette
        old_database = ds.databases["extra"]
        before = on_every_executor_thread(ds, old_database, "select label from readings")
        self.assertEqual({rows[0][0] for _, rows in before.values()}, {"v1"})

        second = self.version("extra", ["v2"])
        self.publish("extra", second)
        self.check_now()
        new_database = ds.databases["extra"]
        self.assertIsNot(new_database, old_database)
        after = on_every_executor_thread(ds, new_database, "select label from readings")
        self.assertEqual(set(after), set(before))  # the very threads that held a v1 connection
        self.assertEqual({rows[0][0] for _, rows in after.values()}, {"v2"})
        self.assertEqual({os.path.basename(os.path.dirname(file)) for file, _ in after.values()}, {sha256_of(second)})
        # And through the site, whichever thread each query lands on.
        for _ in range(3 * ds.setting("num_sql_threads")):
            rows = request("/extra/readings.json?_shape=array").json()
            self.assertEqual([r["label"] for r in rows], ["v2"])
        # The replaced object's connections were closed and its file deleted.
        self.assertTrue(old_database._all_file_connections)
        for conn in old_database._all_file_connections:
            with self.assertRaises(Exception):  # noqa: B017  (any error will do: what matters is what it leaves)
                conn.execute("select 1")
        self.assertFalse(os.path.exists(old_database.path))

    def test_a_deployed_database_replaced_by_a_live_one_and_back(self):
        self.assertEqual(request("/fixtures/items.json").status, 200)
        ds = harness.instance().site.datasette
        deployed = ds.databases["fixtures"]
        before = on_every_executor_thread(ds, deployed, "select count(*) from sqlite_master where name = 'items'")
        self.assertEqual({rows[0][0] for _, rows in before.values()}, {1})

        self.publish("fixtures", self.version("fixtures", ["live"]))
        self.check_now()
        live = ds.databases["fixtures"]
        after = on_every_executor_thread(ds, live, "select count(*) from sqlite_master where name = 'items'")
        self.assertEqual(set(after), set(before))
        self.assertEqual({rows[0][0] for _, rows in after.values()}, {0})  # the live file: no items

        self.remove("fixtures")
        self.check_now()
        self.assertIs(ds.databases["fixtures"], deployed)  # the deployed object, still open
        back = on_every_executor_thread(ds, deployed, "select count(*) from items")
        self.assertEqual({rows[0][0] for _, rows in back.values()}, {25})
        self.assertTrue(os.path.exists(deployed.path))


class InternalCatalog(LiveSiteOnMoto):
    """Datasette's _internal catalog (root only) describes the file served, not its name's past."""

    def catalog_tables(self, name):
        from itsdangerous import URLSafeSerializer

        root = URLSafeSerializer(harness.TEST_SECRET, "actor").dumps({"a": {"id": "root"}})
        response = request(
            "/_internal/tables.json", query=f"_shape=array&database_name={name}", cookies=[f"ds_actor={root}"]
        )
        self.assertEqual(response.status, 200, response.text[:300])
        return sorted(row["table_name"] for row in response.json())

    def test_a_replacement_of_the_same_schema_version_and_a_removal(self):
        first = self.version("extra", ["v1"])
        second = write_rows_db(os.path.join(self.files, "other", "extra.db"), ["v2"], table="renamed")
        versions = set()
        for path in (first, second):
            conn = sqlite3.connect(path)
            versions.add(conn.execute("pragma schema_version").fetchone()[0])
            conn.close()
        self.assertEqual(len(versions), 1)  # what Datasette compares, by name
        self.publish("extra", first)
        self.check_now()
        self.assertEqual(self.catalog_tables("extra"), ["readings"])
        self.publish("extra", second)
        self.check_now()
        self.assertEqual(self.catalog_tables("extra"), ["renamed"])
        self.remove("extra")
        self.check_now()
        self.assertEqual(self.catalog_tables("extra"), [])
        self.assertEqual(self.catalog_tables("fixtures"), ["blobs", "categories", "dotted.table", "items"])


class CrossDatabaseFollowsLiveData(LiveSiteOnMoto):
    """--crossdb: /_memory's connections attach the files served now, on every thread."""

    manifest_extra = {"crossdb": True}

    def labels_everywhere(self, ds, sql):
        return {tuple(rows) for _, rows in on_every_executor_thread(ds, ds.databases["_memory"], sql).values()}

    def test_added_replaced_and_removed_live_databases(self):
        self.assertEqual(request("/_memory.json?sql=select+1").status, 200)
        ds = harness.instance().site.datasette
        # Every thread has a /_memory connection before anything is published.
        self.assertEqual(self.labels_everywhere(ds, "select count(*) from fixtures.items"), {((25,),)})

        self.publish("extra", self.version("extra", ["v1"]))
        self.check_now()
        self.assertEqual(self.labels_everywhere(ds, "select label from extra.readings"), {(("v1",),)})
        sql = "select+label+from+extra.readings+join+fixtures.items+on+items.id+%3D+1"
        self.assertEqual(request(f"/_memory.json?sql={sql}&_shape=array").json(), [{"label": "v1"}])

        first_memory = ds.databases["_memory"]
        self.publish("extra", self.version("extra", ["v2"]))
        self.check_now()
        self.assertIsNot(ds.databases["_memory"], first_memory)
        self.assertEqual(self.labels_everywhere(ds, "select label from extra.readings"), {(("v2",),)})
        # The replaced /_memory's connections (and so their attachments) are closed.
        self.assertTrue(first_memory._all_file_connections)
        for conn in first_memory._all_file_connections:
            with self.assertRaises(Exception):  # noqa: B017  (any error will do: what matters is what it leaves)
                conn.execute("select 1")

        self.remove("extra")
        self.check_now()
        response = request("/_memory.json?sql=select+label+from+extra.readings")
        self.assertEqual(response.status, 400)
        self.assertIn("no such table", response.text)
        self.assertEqual(self.labels_everywhere(ds, "select count(*) from fixtures.items"), {((25,),)})

    def test_an_unchanged_check_keeps_memory_and_its_connections(self):
        self.publish("extra", self.version("extra", ["v1"]))
        self.check_now()
        ds = harness.instance().site.datasette
        memory = ds.databases["_memory"]
        self.check_now()
        self.assertIs(ds.databases["_memory"], memory)


class RequestsDuringSwaps(LiveSiteOnMoto):
    WORKERS = 4
    VERSIONS = 6

    def test_requests_hammering_while_swapping_all_succeed(self):
        versions = {}  # sha256 -> labels

        def publish(n):
            labels = [f"v{n} row {i}" for i in range(1, n + 1)]
            path = self.version("extra", labels)
            versions[sha256_of(path)] = labels
            self.publish("extra", path)
            return path

        publish(1)
        self.assertEqual(request("/extra/readings.json").status, 200)
        seen, failures = [], []
        stop = threading.Event()
        paths = [
            "/extra/readings.json?_shape=array",
            "/",
            "/extra",
            "/.json",
            "/extra/readings",
            "/fixtures.json",
            "/fixtures",
            "/-/databases.json",
        ]

        def worker(offset):
            loop = asyncio.new_event_loop()  # Mangum runs each request on the thread's loop
            asyncio.set_event_loop(loop)
            try:
                i = offset
                while not stop.is_set():
                    path = paths[i % len(paths)]
                    i += 1
                    response = request(path)
                    if response.status != 200:
                        failures.append((path, response.status, response.text[:300]))
                    elif path.startswith("/extra/readings.json"):
                        seen.append(tuple(row["label"] for row in response.json()))
            except Exception as e:  # noqa: BLE001  reported below, not lost in the thread
                failures.append(("exception", type(e).__name__, str(e)[:300]))
            finally:
                asyncio.set_event_loop(None)
                loop.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(self.WORKERS)]
        for thread in threads:
            thread.start()
        try:
            for n in range(2, self.VERSIONS + 1):
                path = publish(n)
                self.clock.advance(INTERVAL)  # due: whichever request comes next swaps, on its thread
                for _ in range(2000):  # up to 20 s on a busy machine
                    if self.served_sha("extra") == sha256_of(path):
                        break
                    threading.Event().wait(0.01)
                else:
                    self.fail(f"version {n} was never served")
                threading.Event().wait(0.1)  # let requests run on the new version too
            # A deployed database replaced and brought back while the hammering goes on.
            self.publish("fixtures", self.version("fixtures", ["live fixtures"]))
            self.clock.advance(INTERVAL)
            threading.Event().wait(0.2)
            self.remove("fixtures")
            self.clock.advance(INTERVAL)
            threading.Event().wait(0.2)
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
        self.assertEqual(failures, [])
        self.assertGreater(len(seen), 5)
        # Every answer was one whole version, never a mix or an empty table.
        self.assertEqual(set(seen) - {tuple(v) for v in versions.values()}, set())
        last = [labels for labels in versions.values() if len(labels) == self.VERSIONS][0]
        self.assertEqual([r["label"] for r in request("/extra/readings.json?_shape=array").json()], last)
        self.assertEqual(request("/fixtures/items.json").status, 200)
        # Nothing runs now: every replaced file is gone, the served one stays.
        request("/")
        cache = os.path.join(self.sandbox_tmp, "datasette-lambda")
        left = {sha for sha in os.listdir(cache) if os.listdir(os.path.join(cache, sha))}
        self.assertEqual(left, {sha for sha, labels in versions.items() if labels == last})
        status = json.loads(request("/-/datasette-lambda.json").body)
        self.assertFalse(status["databases"]["fixtures"]["live"])


if __name__ == "__main__":
    unittest.main()
