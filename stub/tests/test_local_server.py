"""tests/local_server.py: the handler served over real HTTP on 127.0.0.1 (see FIXTURES.md)."""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import CODE_DIR, LAYER_DIR, SESSION_DIR, TESTS_DIR, make_task_root

import pytest

from live_publishing import publish, write_rows_db
from moto_server import DUMMY_AWS_ENV, MotoServer

# local_server.py's --layer-dir, as benchmarks and other tests use it with a built layer.
pytestmark = pytest.mark.layer

SERVER = os.path.join(TESTS_DIR, "local_server.py")


class LocalServer:
    """local_server.py in a child process, as another engineer's test would start it."""

    def __init__(self, task_root, env):
        self.log = tempfile.NamedTemporaryFile(dir=SESSION_DIR, prefix="local-server-", suffix=".log", delete=False)
        command = [
            sys.executable,
            SERVER,
            "--task-root",
            task_root,
            "--port",
            "0",
            "--code-dir",
            CODE_DIR,
            "--stop-on-eof",
        ]
        if LAYER_DIR:
            command += ["--layer-dir", LAYER_DIR]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
        )
        line = self.process.stdout.readline()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"local_server did not start: {line!r}\n{self.stderr()}")
        self.port = int(line.split()[1])

    def get(self, path, method="GET", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def stderr(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.log.close()
        return self.process.returncode


class ServesATaskRoot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(prefix="x", cors=True)
        cls.server = LocalServer(cls.root.path, {"DATASETTE_LAMBDA_BUCKET": None, "DATASETTE_SECRET": "local"})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_pages_json_redirects_and_head(self):
        status, headers, body = self.server.get("/x/fixtures/items.json?_shape=array&_size=max")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(len(json.loads(body)), 25)
        self.assertEqual(headers["access-control-allow-origin"], "*")
        self.assertEqual(int(headers["content-length"]), len(body))
        status, headers, _ = self.server.get("/")
        self.assertEqual((status, headers["location"]), (302, "/x/"))
        status, headers, _ = self.server.get("/x/fixtures/dotted%2Etable")  # the raw path reaches the stub
        self.assertEqual(status, 302)
        self.assertTrue(headers["location"].endswith("/x/fixtures/dotted~2Etable"), headers["location"])
        status, _, body = self.server.get("/x/", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        status, headers, body = self.server.get("/x/-/datasette-lambda.json")
        self.assertEqual((status, headers["cache-control"]), (200, "no-store"))
        self.assertEqual(list(json.loads(body)["databases"]), ["fixtures"])

    def test_absolute_urls_use_the_local_host_and_scheme(self):
        status, _, body = self.server.get("/x/fixtures/items.json?_size=5")
        self.assertEqual(status, 200)
        next_url = json.loads(body)["next_url"]
        self.assertTrue(next_url.startswith(f"http://127.0.0.1:{self.server.port}/x/fixtures/items.json?"), next_url)

    def test_concurrent_requests(self):
        paths = ["/x/", "/x/fixtures", "/x/fixtures/items", "/x/fixtures/items.json", "/x/-/databases.json"] * 4
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda p: self.server.get(p)[0], paths))
        self.assertEqual(statuses, [200] * len(paths))


class FollowsLiveDataOverHttp(unittest.TestCase):
    def test_a_push_shows_up_where_push_polls_for_it(self):
        moto = MotoServer()
        self.addCleanup(moto.stop)
        s3 = moto.client()
        s3.create_bucket(Bucket="local-server-site")
        server = LocalServer(
            make_task_root().path,
            dict(
                DUMMY_AWS_ENV,
                AWS_ENDPOINT_URL=moto.endpoint,
                DATASETTE_LAMBDA_BUCKET="local-server-site",
                DATASETTE_LAMBDA_LIVE_SECONDS="0.2",
                DATASETTE_SECRET="local",
            ),
        )
        self.addCleanup(server.stop)
        self.assertEqual(server.get("/extra")[0], 404)
        path = write_rows_db(os.path.join(SESSION_DIR, "local-server", "extra.db"), ["pushed"])
        entry = publish(s3, "local-server-site", "extra", path)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = json.loads(server.get("/-/datasette-lambda.json")[2])
            if (status["databases"].get("extra") or {}).get("sha256") == entry["sha256"]:
                break
            time.sleep(0.1)
        else:
            self.fail(f"never served; server log:\n{server.stderr()[-3000:]}")
        self.assertTrue(status["databases"]["extra"]["live"])
        _, _, body = server.get("/extra/readings.json?_shape=array")
        self.assertEqual(json.loads(body), [{"id": 1, "label": "pushed"}])
        self.assertEqual(server.stop(), 0)
        self.assertIn("datasette-lambda: live data: added extra", server.stderr())


if __name__ == "__main__":
    unittest.main()
