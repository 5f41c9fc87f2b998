"""A local moto S3 server in a child process, on a free 127.0.0.1 port.

A child process keeps moto (Flask, Werkzeug, its own Jinja2) away from the Datasette
under test, which in package mode comes from the layer.
"""

import os
import subprocess
import sys

_SERVER = r"""
import logging, os, sys, threading
logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
# Test patch: S3 checks a PutObject's If-Match / If-None-Match and writes in one atomic
# step; moto checks, then writes, without a lock (moto/s3/responses.py, put_object), so
# two conditional PUTs at once could both pass. Serialise the conditional ones.
from moto.s3.responses import S3Response
_put_object, _conditional = S3Response.put_object, threading.Lock()
def _atomic_put_object(self):
    if self.headers.get("If-Match") or self.headers.get("If-None-Match"):
        with _conditional:
            return _put_object(self)
    return _put_object(self)
S3Response.put_object = _atomic_put_object
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # until the parent closes our stdin
os._exit(0)  # nothing to keep: server.stop() would wait out Werkzeug's 0.5 s shutdown poll
"""

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


class MotoServer:
    def __init__(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONPATH")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError("moto server did not start (is moto[server] installed?)")
        self.endpoint = f"http://127.0.0.1:{int(line)}"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()


class ModuleMoto:
    """One moto server per test module, started and stopped by the module's hooks:

    moto = ModuleMoto()
    setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)
    """

    def __init__(self):
        self._server = None

    def module_hooks(self, before_stop=None):
        def set_up():
            self._server = MotoServer()

        def tear_down():
            if before_stop is not None:
                before_stop()
            self._server.stop()

        return set_up, tear_down

    @property
    def endpoint(self):
        return self._server.endpoint

    def client(self):
        return self._server.client()
