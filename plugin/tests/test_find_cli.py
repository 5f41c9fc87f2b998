"""How datasette publish lambda finds and starts datasette-lambda (find_cli.py):
DATASETTE_LAMBDA_BIN, then PATH, then npx with the plugin's own version; whatever
stops the CLI from starting is one line saying what to do, never npm's output.

First with which and run injected, then through Datasette's real CLI in a child
process with stand-in `node` and `npx` on PATH that answer as npm does.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import click  # noqa: E402
from plugin_checkout import PLUGIN_ROOT, RUN_PUBLISH, package_version  # first: the plugin from this checkout

from datasette_publish_lambda import find_cli  # noqa: E402

VERSION = package_version()

# What npm 11 prints when `npx --yes --package datasette-lambda@0.1.0 -- datasette-lambda`
# cannot fetch the package: not published (E404), and the registry unreachable.
NPM_404 = (
    """npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/datasette-lambda
npm error 404
npm error 404  The requested resource 'datasette-lambda@0.1.0' could not be found"""
    """ or you do not have permission to access it.
npm error 404
npm error 404 Note that you can also install from a
npm error 404 tarball, folder, http url, or git url.
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-06T15_29_11_291Z-debug-0.log
"""
)
NPM_OFFLINE = """npm error code ECONNREFUSED
npm error syscall connect
npm error errno ECONNREFUSED
npm error FetchError: request to http://127.0.0.1:9/datasette-lambda failed, reason: connect ECONNREFUSED 127.0.0.1:9
npm error     at ClientRequest.<anonymous> (/usr/lib/node_modules/npm/node_modules/minipass-fetch/lib/index.js:130:14)
npm error }
npm error
npm error If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-06T15_29_11_711Z-debug-0.log
"""
NPX = ["/usr/bin/npx", "--yes", "--package", f"datasette-lambda@{VERSION}", "--", "datasette-lambda"]


def assert_no_npm_output(test, text):
    """None of npm's error lines (nor its warnings) is in text."""
    for line in (NPM_404 + NPM_OFFLINE).splitlines():
        if line.startswith("npm "):
            test.assertNotIn(line, text)
    test.assertNotIn("npm warn", text)


def which(*present):
    return lambda name: f"/usr/bin/{name}" if name in present else None


class FakeRun:
    """run() stand-in: `node --version` prints node_version; npx's fetch exits fetch_code
    with fetch_stderr. Records every command."""

    def __init__(self, node_version="v24.1.0", fetch_code=0, fetch_stderr=""):
        self.node_version, self.fetch_code, self.fetch_stderr = node_version, fetch_code, fetch_stderr
        self.calls = []

    def __call__(self, args):
        self.calls.append(args)
        if args[1:] == ["--version"]:
            return subprocess.CompletedProcess(args, 0, self.node_version + "\n", "")
        return subprocess.CompletedProcess(args, self.fetch_code, VERSION + "\n", self.fetch_stderr)


def failure(environ, present, run):
    """The message cli_command fails with."""
    try:
        find_cli.cli_command(environ, which(*present), run)
    except click.ClickException as error:
        return error.message
    raise AssertionError("cli_command did not fail")


class Finds(unittest.TestCase):
    def test_environment_variable_first(self):
        run = FakeRun()
        self.assertEqual(
            find_cli.cli_command({"DATASETTE_LAMBDA_BIN": "/x/dl"}, which("datasette-lambda"), run), ["/x/dl"]
        )
        self.assertEqual(run.calls, [])
        self.assertEqual(
            find_cli.cli_command({"DATASETTE_LAMBDA_BIN": "/x/dl.js"}, which("node"), run),
            ["/usr/bin/node", "/x/dl.js"],
        )
        self.assertEqual(run.calls, [["/usr/bin/node", "--version"]])

    def test_path_before_npx(self):
        run = FakeRun()
        self.assertEqual(
            find_cli.cli_command({}, which("datasette-lambda", "npx", "node"), run), ["/usr/bin/datasette-lambda"]
        )
        self.assertEqual(run.calls, [])

    def test_npx_fetches_the_plugins_version_quietly_first(self):
        run = FakeRun()
        self.assertEqual(find_cli.cli_command({}, which("npx", "node"), run), NPX)
        self.assertEqual(run.calls, [["/usr/bin/node", "--version"], [*NPX, "--version"]])

    def test_the_plugins_version_is_the_npm_packages(self):
        self.assertEqual(find_cli.cli_version(), VERSION)


class FailsInOneLine(unittest.TestCase):
    def assert_one_line(self, message, *expected):
        self.assertNotIn("\n", message)
        assert_no_npm_output(self, message)
        for text in expected:
            self.assertIn(text, message)

    def test_without_node_or_npx(self):
        for environ, present in (({}, ()), ({}, ("node",)), ({}, ("npx",)), ({"DATASETTE_LAMBDA_BIN": "/x/dl.js"}, ())):
            message = failure(environ, present, FakeRun())
            self.assert_one_line(message, "Node.js 22.13 or newer", "https://nodejs.org/", "DATASETTE_LAMBDA_BIN")

    def test_node_too_old_before_npm_is_asked(self):
        for version in ("v22.12.0", "v18.19.1"):
            run = FakeRun(node_version=version)
            self.assert_one_line(
                failure({}, ("npx", "node"), run),
                "Node.js 22.13 or newer",
                f"/usr/bin/node is {version}",
                "https://nodejs.org/",
            )
            self.assertEqual(run.calls, [["/usr/bin/node", "--version"]])
        self.assert_one_line(
            failure({"DATASETTE_LAMBDA_BIN": "/x/dl.js"}, ("node",), FakeRun(node_version="v20.0.0")), "is v20.0.0"
        )
        self.assert_one_line(
            failure({}, ("npx", "node"), FakeRun(node_version="not node")), "/usr/bin/node is not a working Node.js"
        )

    def test_a_package_npx_cannot_fetch(self):
        for stderr, code in ((NPM_404, "E404"), (NPM_OFFLINE, "ECONNREFUSED")):
            message = failure({}, ("npx", "node"), FakeRun(fetch_code=1, fetch_stderr=stderr))
            self.assertEqual(
                message,
                f"could not fetch datasette-lambda@{VERSION} from the npm registry (npm: {code}): "
                f"install it with `npm install -g datasette-lambda@{VERSION}`, "
                "or set DATASETTE_LAMBDA_BIN to a checkout's bin/datasette-lambda.js",
            )
        self.assert_one_line(
            failure({}, ("npx", "node"), FakeRun(fetch_code=1, fetch_stderr="")),
            f"could not fetch datasette-lambda@{VERSION} from the npm registry: ",
        )

    def test_node_versions(self):
        self.assertEqual(find_cli.parse_node_version("v22.13.0\n"), (22, 13))
        self.assertEqual(find_cli.parse_node_version("v24.0.0-nightly2025"), (24, 0))
        for text in ("", "22.13.0", "v22", "node v22.13.0", None):
            self.assertIsNone(find_cli.parse_node_version(text), text)


def stand_in(path, body):
    """An executable Python script at path."""
    with open(path, "w") as handle:
        handle.write(f"#!{sys.executable}\nimport os, sys\n{body}")
    os.chmod(path, 0o755)


class ThroughDatasettesCli(unittest.TestCase):
    """`datasette publish lambda` in a child process whose PATH holds only stand-ins."""

    def publish(self, node_version="v24.1.0", fetch_code=0, fetch_stderr="", run_code=0, with_node=True):
        directory = tempfile.TemporaryDirectory(prefix="dl-plugin-npx-")
        self.addCleanup(directory.cleanup)
        tmp = directory.name
        bin_dir, log = os.path.join(tmp, "bin"), os.path.join(tmp, "npx-calls.jsonl")
        os.mkdir(bin_dir)
        with open(os.path.join(tmp, "data.db"), "w"):
            pass  # click checks that FILES exist
        if with_node:
            stand_in(os.path.join(bin_dir, "node"), f"print({node_version!r})\n")
            stand_in(
                os.path.join(bin_dir, "npx"),
                f"import json\nopen({log!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
                "if sys.argv[-1] == '--version':\n"
                f"    print({VERSION!r})\n"
                "    sys.stderr.write('npm warn exec The following package was not found and will be installed\\n')\n"
                f"    sys.stderr.write({fetch_stderr!r}); sys.exit({fetch_code})\n"
                f"print('the CLI on stdout'); sys.stderr.write('the CLI on stderr\\n'); sys.exit({run_code})\n",
            )
        env = {key: value for key, value in os.environ.items() if key != "DATASETTE_LAMBDA_BIN"}
        env.update(PATH=bin_dir, PYTHONPATH=PLUGIN_ROOT)
        result = subprocess.run(
            [sys.executable, "-c", RUN_PUBLISH, "publish", "lambda", "data.db", "--name", "mysite"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        calls = []
        if os.path.exists(log):
            with open(log) as handle:
                calls = [json.loads(line) for line in handle]
        return result, calls

    def assert_one_error_line(self, result, starts):
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith(f"Error: {starts}"), lines[0])
        assert_no_npm_output(self, result.stderr)

    def test_npm_404_is_one_line(self):
        result, calls = self.publish(fetch_code=1, fetch_stderr=NPM_404)
        self.assert_one_error_line(
            result, f"could not fetch datasette-lambda@{VERSION} from the npm registry (npm: E404): install it with"
        )
        self.assertEqual(calls, [[*NPX[1:], "--version"]], "the CLI itself never ran")

    def test_registry_unreachable_is_one_line(self):
        result, _ = self.publish(fetch_code=1, fetch_stderr=NPM_OFFLINE)
        self.assert_one_error_line(
            result, f"could not fetch datasette-lambda@{VERSION} from the npm registry (npm: ECONNREFUSED)"
        )

    def test_old_node_is_one_line_and_npx_is_not_run(self):
        result, calls = self.publish(node_version="v18.19.1")
        self.assert_one_error_line(result, "datasette publish lambda needs Node.js 22.13 or newer")
        self.assertIn("is v18.19.1", result.stderr)
        self.assertEqual(calls, [])

    def test_no_node_is_one_line(self):
        result, _ = self.publish(with_node=False)
        self.assert_one_error_line(result, "datasette publish lambda needs Node.js 22.13 or newer")
        self.assertIn("DATASETTE_LAMBDA_BIN", result.stderr)

    def test_once_fetched_the_clis_output_passes_through(self):
        result, calls = self.publish(run_code=3)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertEqual((result.stdout, result.stderr), ("the CLI on stdout\n", "the CLI on stderr\n"))
        self.assertEqual(calls, [[*NPX[1:], "--version"], [*NPX[1:], "update-stack", "mysite", "data.db"]])


if __name__ == "__main__":
    unittest.main()
