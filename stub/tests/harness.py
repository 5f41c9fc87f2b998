"""Shared set-up for the stub tests: where the code comes from, task roots, the active site.

Two modes (see FIXTURES.md):
  (a) default: the datasette_lambda package is copied to a temporary code directory and
      imported from there; Datasette and Mangum come from the running Python's environment.
  (b) DL_TASK_ROOT set (an unzipped package built by the CLI): the stub is imported from it,
      and its manifest and databases are served as they are (test_package.py).
      DL_LAYER_DIR (an unzipped layer) puts its python/ first on sys.path, as Lambda's
      /opt/python; DL_ARTIFACTS_DIR (files at their S3 key, e.g. the dry run's artifacts/)
      provides the objects of the package's S3 databases.
Import this module before anything that imports datasette.

The handler keeps one Instance per process, as Lambda keeps one per instance; the tests
make their own (harness.instance()): activate() and new_instance() replace it with one built
from the environment they set, with the options they pass (a clock, an S3 client factory...).
"""

import atexit
import contextlib
import io
import json
import logging
import os
import shutil
import sys
import tempfile

import fixture_databases
from lambda_events import make_cloudfront_event, make_event, response_body

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
STUB_DIR = os.path.dirname(TESTS_DIR)
PACKAGE = "datasette_lambda"  # the runtime's package, under STUB_DIR and at a package's root
# The contract with the CLI: names.json, the schemas and their golden examples (in stub/, always).
CONTRACT_DIR = os.path.join(STUB_DIR, PACKAGE, "contract")
PACKAGE_ROOT = os.environ.get("DL_TASK_ROOT") or None
LAYER_DIR = os.environ.get("DL_LAYER_DIR") or None
ARTIFACTS_DIR = os.environ.get("DL_ARTIFACTS_DIR") or None

TEST_SECRET = "stub-tests-secret-0123456789"

SESSION_DIR = tempfile.mkdtemp(prefix="datasette-lambda-stub-tests-")
atexit.register(shutil.rmtree, SESSION_DIR, True)


def _code_dir():
    if PACKAGE_ROOT:
        return PACKAGE_ROOT
    code = os.path.join(SESSION_DIR, "code")
    shutil.copytree(
        os.path.join(STUB_DIR, PACKAGE), os.path.join(code, PACKAGE), ignore=shutil.ignore_patterns("__pycache__")
    )
    return code


CODE_DIR = _code_dir()
if PACKAGE_ROOT:
    sys.dont_write_bytecode = True  # leave the unzipped package as the CLI built it
if LAYER_DIR:
    sys.path.insert(0, os.path.join(LAYER_DIR, "python"))
sys.path.insert(0, CODE_DIR)  # like Lambda: the task root first, then /opt/python

# The handler module first: its import runs the import diet before anything imports Datasette.
from datasette_lambda import handler  # noqa: E402, F401
from datasette_lambda.config import Config  # noqa: E402
from datasette_lambda.instance import Instance  # noqa: E402

# ---------------------------------------------------------------------------
# Fixture databases and task roots

FIXTURE_WRITERS = {
    "fixtures": fixture_databases.write_fixtures_db,
    "remote": fixture_databases.write_remote_db,
    "large": fixture_databases.write_large_db,
}
_fixture_cache: dict[str, str] = {}


def fixture_file(name):
    """Path of a generated fixture database (made once per session; copy before changing)."""
    if name not in _fixture_cache:
        directory = os.path.join(SESSION_DIR, "fixtures")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"{name}.db")
        FIXTURE_WRITERS[name](path)
        _fixture_cache[name] = path
    return _fixture_cache[name]


class TaskRoot:
    def __init__(self, path, manifest, s3_objects):
        self.path = path
        self.manifest = manifest
        self.s3_objects = s3_objects  # {key: local file to upload}


def make_task_root(
    inline=("fixtures",),
    s3=(),
    prefix=None,
    cors=False,
    metadata=None,
    settings=None,
    inspect_overrides=None,
    database_overrides=None,
    inline_keys=False,
    extra=None,
):
    """A task root as the CLI would build it: databases/<fileName> and manifest.json.

    inline/s3 name fixture databases. inline_keys gives inline databases their S3 key too
    (the CLI uploads a copy of each for downloads); s3_objects then holds those copies.
    inspect_overrides {db: {table: count}} replaces
    counts in the manifest's inspect data; database_overrides {db: {field: value}}
    replaces fields of a manifest database entry (e.g. a wrong sha256). extra adds
    top-level manifest fields (e.g. {"crossdb": True}).
    """
    root = tempfile.mkdtemp(dir=SESSION_DIR, prefix="task-root-")
    os.makedirs(os.path.join(root, "databases"))
    databases, inspect, s3_objects = [], {}, {}
    for location, names in (("inline", inline), ("s3", s3)):
        for name in names:
            source = fixture_file(name)
            sha = fixture_databases.sha256_of(source)
            entry = {
                "name": name,
                "fileName": f"{name}.db",
                "sha256": sha,
                "bytes": os.path.getsize(source),
                "location": location,
            }
            if location == "inline":
                shutil.copy2(source, os.path.join(root, "databases", entry["fileName"]))
            if location == "s3" or inline_keys:
                entry["key"] = f"db/{sha}/{entry['fileName']}"
                s3_objects[entry["key"]] = source
            counts = fixture_databases.table_counts(source)
            counts.update((inspect_overrides or {}).get(name, {}))
            inspect[name] = {
                "hash": sha,
                "size": entry["bytes"],
                "file": entry["fileName"],
                "tables": {table: {"count": n} for table, n in counts.items()},
            }
            entry.update((database_overrides or {}).get(name, {}))
            databases.append(entry)
    settings = dict(settings or {})
    if prefix:
        settings["base_url"] = f"/{prefix}/"
    manifest = {
        "format": 1,
        "databases": databases,
        "inspect": inspect,
        "metadata": metadata or {"title": "Stub test site"},
        "settings": settings,
        "cors": cors,
        "prefix": prefix,
        **(extra or {}),
    }
    write_manifest(root, manifest)
    return TaskRoot(root, manifest, s3_objects)


def write_manifest(root, manifest):
    with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)


def read_manifest(root):
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------------------
# The active site

# Unset unless a test sets them: in particular no real AWS credentials reach the stub.
MANAGED_ENV = (
    "LAMBDA_TASK_ROOT",
    "DATASETTE_SECRET",
    "DATASETTE_LAMBDA_BUCKET",
    "DATASETTE_LAMBDA_LIVE_SECONDS",
    "DATASETTE_LAMBDA_PLUGIN_SECRETS",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)
_active = None
_instance = None
_options: dict[str, object] = {}


def instance():
    """The instance the tests' requests go to (None before the first activate())."""
    return _instance


def activate(root, env=None, temp_root=None):
    """Serve task root `root` from a fresh instance (unless it is already the active one).

    env sets the function's variables; by default LAMBDA_TASK_ROOT=root and a fixed
    DATASETTE_SECRET. A value of None removes the variable. temp_root stands in for the
    sandbox's /tmp (where S3 databases are cached).
    """
    global _active
    wanted = {"LAMBDA_TASK_ROOT": root, "DATASETTE_SECRET": TEST_SECRET}
    wanted.update(env or {})
    key = (root, tuple(sorted(wanted.items(), key=lambda kv: kv[0])), temp_root)
    if key == _active:
        return
    new_instance(wanted, temp_root)
    _active = key


def new_instance(env, temp_root=None, init=False, **options):
    """A new Lambda instance with these variables, replacing the active one.

    The environment is set too (boto3 reads AWS_* from it; plugin secrets are unpacked
    into it). options go to Instance (clock, s3_factory, patience_seconds,
    init_wait_seconds) and stay for restart(). With init, the instance starts as Lambda's
    init phase starts it (at import, before any request); otherwise its first request
    starts it."""
    global _active, _options
    for name in set(MANAGED_ENV) | set(env):
        value = env.get(name)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    tempfile.tempdir = temp_root  # None: back to the default
    _options = options
    _replace(init)
    _active = None
    return _instance


def _replace(init=False):
    global _instance
    if _instance is not None:
        _instance.close()
    _instance = Instance(Config.from_environ(os.environ), **_options)
    if init:
        _instance.start()


def restart():
    """A new instance of the active site (same environment and options): the site is built again."""
    _replace()


def deactivate():
    global _active, _instance, _options
    if _instance is not None:
        _instance.close()
    _instance, _options = None, {}
    tempfile.tempdir = None
    _active = None


class Response:
    def __init__(self, raw):
        self.raw = raw
        self.status = raw["statusCode"]
        self.headers = raw.get("headers") or {}
        self.cookies = raw.get("cookies") or []
        self.body = response_body(raw)

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


def request(path, query=None, method="GET", headers=None, body=None, cookies=None):
    """Invoke the handler with a Function URL event straight from a client (--no-cdn);
    path as sent on the wire (encoded)."""
    if query is None and "?" in path:
        path, query = path.split("?", 1)
    event = make_event(method, path, query, headers, body, cookies)
    return Response(_instance.handle(event, None))


def cloudfront_request(path, query=None, method="GET", headers=None, body=None, cookies=None, **kwargs):
    """The same request made to CloudFront: the event is signed by its Origin Access Control."""
    if query is None and "?" in path:
        path, query = path.split("?", 1)
    event = make_cloudfront_event(method, path, query, headers, body, cookies, **kwargs)
    return Response(_instance.handle(event, None))


@contextlib.contextmanager
def captured_output():
    """Everything the stub could print: log records (any logger) and stdout/stderr."""
    stream = io.StringIO()
    log_handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(log_handler)
    root.setLevel(logging.DEBUG)
    try:
        with contextlib.redirect_stderr(stream), contextlib.redirect_stdout(stream):
            yield stream
    finally:
        root.removeHandler(log_handler)
        root.setLevel(old_level)
