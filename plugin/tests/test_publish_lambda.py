"""datasette publish lambda: the argv translation (pure), --help through
Datasette's real CLI, and an end-to-end dry run compared file by file with the
CLI's own. How the CLI is found and started: test_find_cli.py.

Run: .venv/bin/python -m pytest plugin/tests
The plugin is used from this checkout (plugin_checkout.py).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import click  # noqa: E402
import datasette.cli  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from plugin_checkout import PLUGIN_ROOT, REPO_ROOT, RUN_PUBLISH  # first: the plugin from this checkout

from datasette_publish_lambda.cli_arguments import translate  # noqa: E402

BIN = os.path.join(REPO_ROOT, "bin", "datasette-lambda.js")


def params(**given):
    base = {"name": "mysite", "files": ("a.db",)}
    base.update(given)
    return base


class Translate(unittest.TestCase):
    def test_minimal(self):
        self.assertEqual(translate(params()), (["update-stack", "mysite", "a.db"], {}))

    def test_every_option(self):
        args, env = translate(
            params(
                files=("a.db", "b.csv"),
                metadata="meta.yml",
                title="T",
                license="CC-BY-4.0",
                license_url="https://l",
                source="S",
                source_url="https://s",
                about="A",
                about_url="https://a",
                install=("datasette-cluster-map", "datasette-vega"),
                plugins_dir="plugins",
                template_dir="templates",
                static=(("assets", "/abs/static"),),
                version_note="v1",
                setting=(("sql_time_limit_ms", "3500"), ("default_page_size", "50")),
                crossdb=True,
                cors=True,
                prefix="data",
                domain="data.example.com",
                no_cdn=True,
                external=True,
                memory=2048,
                timeout=20,
                max_instances=8,
                runtime="python3.12",
                arch="x86_64",
                snapstart=True,
                into="data",
                pk="id",
                fts=("title", "body"),
                encoding="cp1252",
                data_as_of="2026-12-01",
                region="eu-west-1",
                profile="work",
                endpoint_url="http://127.0.0.1:5000",
                dry_run=True,
                out="build",
                json_output=True,
                quiet=True,
                verbose=True,
                extra_options="--cors --crossdb",
            )
        )
        self.assertEqual(env, {})
        self.assertEqual(args[:5], ["update-stack", "mysite", "a.db", "b.csv", "--metadata"])
        joined = " ".join(args)
        for expected in (
            "--metadata meta.yml",
            "--title T",
            "--license CC-BY-4.0",
            "--license_url https://l",
            "--source S",
            "--source_url https://s",
            "--about A",
            "--about_url https://a",
            "--install datasette-cluster-map",
            "--install datasette-vega",
            "--plugins-dir plugins",
            "--template-dir templates",
            "--static assets:/abs/static",
            "--version-note v1",
            "--setting sql_time_limit_ms 3500",
            "--setting default_page_size 50",
            "--crossdb",
            "--cors",
            "--prefix data",
            "--domain data.example.com",
            "--no-cdn",
            "--external",
            "--memory 2048",
            "--timeout 20",
            "--max-instances 8",
            "--runtime python3.12",
            "--arch x86_64",
            "--snapstart",
            "--into data",
            "--pk id",
            "--fts title --fts body",
            "--encoding cp1252",
            "--data-as-of 2026-12-01",
            "--region eu-west-1",
            "--profile work",
            "--endpoint-url http://127.0.0.1:5000",
            "--dry-run",
            "--out build",
            "--json",
            "--quiet",
            "--verbose",
            "--extra-options=--cors --crossdb",
        ):
            self.assertIn(expected, joined)

    def test_secrets_go_through_the_environment_only(self):
        args, env = translate(
            params(secret="sekrit-1", plugin_secret=(("datasette-auth-github", "client_secret", "sekrit-2"),)),
            secret_given=True,
        )
        self.assertNotIn("sekrit", " ".join(args))
        self.assertNotIn("--secret", args)
        self.assertNotIn("--plugin-secret", args)
        self.assertEqual(env["DATASETTE_PUBLISH_SECRET"], "sekrit-1")
        self.assertEqual(
            json.loads(env["DATASETTE_PUBLISH_PLUGIN_SECRETS"]),
            [["datasette-auth-github", "client_secret", "sekrit-2"]],
        )

    def test_datasettes_random_default_secret_is_not_passed(self):
        # Datasette's common --secret defaults to a random value; the site keeps its own instead.
        self.assertEqual(translate(params(secret="random-default"), secret_given=False)[1], {})

    def test_in_place_and_its_mode(self):
        args, _ = translate(params(in_place="cached", cache_days=30))
        self.assertEqual(args[3:], ["--in-place", "cached", "--cache-days", "30"])
        self.assertEqual(translate(params(in_place="direct"))[0][3:], ["--in-place", "direct"])
        self.assertNotIn("--in-place", translate(params())[0])

    def test_branch_is_refused(self):
        with self.assertRaises(click.UsageError) as caught:
            translate(params(branch="main"))
        self.assertIn("--branch is not supported", caught.exception.message)

    def test_extra_options_pass_through_as_one_argument(self):
        # The CLI splits and translates them (refusing by name what it lacks); "=" keeps a leading - a value.
        for given in ("--setting sql_time_limit_ms 3500 --version-note 'a b'", "--port 9000", ""):
            args, _ = translate(params(extra_options=given))
            self.assertEqual(args, ["update-stack", "mysite", "a.db", f"--extra-options={given}"])
        self.assertNotIn("--extra-options", " ".join(translate(params(extra_options=None))[0]))


def publish_with_fake_cli(args, records, exit_code=0, env=None, input=None):
    """Runs `datasette publish lambda ARGS` through Datasette's CLI with a stand-in
    datasette-lambda (DATASETTE_LAMBDA_BIN) that writes `records`, a Python expression over
    sys.argv and os.environ, as JSON, and exits with exit_code. Returns (result, recorded)."""
    with tempfile.TemporaryDirectory(prefix="dl-plugin-fake-") as tmp:
        record = os.path.join(tmp, "record.json")
        fake = os.path.join(tmp, "fake-datasette-lambda")
        with open(fake, "w") as handle:
            handle.write(
                f"#!{sys.executable}\nimport json, os, sys\n"
                f"json.dump({records}, open({record!r}, 'w'))\nsys.exit({exit_code})\n"
            )
        os.chmod(fake, 0o755)
        result = CliRunner().invoke(
            datasette.cli.cli,
            ["publish", "lambda", *args],
            input=input,
            env={"DATASETTE_LAMBDA_BIN": fake, **(env or {})},
        )
        recorded = None
        if os.path.exists(record):
            with open(record) as handle:
                recorded = json.load(handle)
    return result, recorded


# Neither secret comes from the test run's own environment.
NO_SECRETS_IN_ENV = {"DATASETTE_PUBLISH_SECRET": None, "DATASETTE_PUBLISH_PLUGIN_SECRETS": None}


class Runs(unittest.TestCase):
    def test_argv_environment_and_exit_code_through_datasettes_cli(self):
        result, seen = publish_with_fake_cli(
            [
                __file__,
                "-n",
                "mysite",
                "--cors",
                "--extra-options",
                "--crossdb --version-note 'a b'",
                "--secret",
                "flag-secret-1",
                "--plugin-secret",
                "datasette-auth-github",
                "client_secret",
                "plugin-secret-2",
            ],
            "{'argv': sys.argv[1:], 'env': dict(os.environ)}",
            exit_code=3,
            env=NO_SECRETS_IN_ENV,
        )
        self.assertEqual(result.exit_code, 3, result.output)
        self.assertEqual(
            seen["argv"],
            ["update-stack", "mysite", __file__, "--extra-options=--crossdb --version-note 'a b'", "--cors"],
        )
        self.assertEqual(seen["env"]["DATASETTE_PUBLISH_SECRET"], "flag-secret-1")
        self.assertEqual(
            json.loads(seen["env"]["DATASETTE_PUBLISH_PLUGIN_SECRETS"]),
            [["datasette-auth-github", "client_secret", "plugin-secret-2"]],
        )

    def test_in_place_alone_is_direct_and_keeps_the_files(self):
        result, seen = publish_with_fake_cli(
            [__file__, "-n", "mysite", "--in-place"], "{'argv': sys.argv[1:]}", env=NO_SECRETS_IN_ENV
        )
        self.assertEqual(result.exit_code, 0, result.output)
        self.assertEqual(seen["argv"], ["update-stack", "mysite", __file__, "--in-place", "direct"])

    def test_metadata_from_stdin_goes_through_a_file(self):
        metadata = "sys.argv[sys.argv.index('--metadata') + 1]"
        result, seen = publish_with_fake_cli(
            [__file__, "-n", "mysite", "-m", "-"],
            f"{{'path': {metadata}, 'content': open({metadata}).read()}}",
            input='{"title": "From stdin"}',
        )
        self.assertEqual(result.exit_code, 0, result.output)
        self.assertTrue(seen["path"].endswith("metadata.json"))
        self.assertEqual(json.loads(seen["content"]), {"title": "From stdin"})
        self.assertFalse(os.path.exists(seen["path"]), "the temporary file is removed")

    def test_datasettes_random_secret_is_not_sent(self):
        result, seen = publish_with_fake_cli([__file__, "-n", "mysite"], "dict(os.environ)", env=NO_SECRETS_IN_ENV)
        self.assertEqual(result.exit_code, 0, result.output)
        self.assertNotIn("DATASETTE_PUBLISH_SECRET", seen)
        self.assertNotIn("DATASETTE_PUBLISH_PLUGIN_SECRETS", seen)


class Help(unittest.TestCase):
    def test_help_lists_datasettes_options_and_ours(self):
        result = CliRunner().invoke(datasette.cli.cli, ["publish", "--help"])
        self.assertIn("lambda", result.output)
        result = CliRunner().invoke(datasette.cli.cli, ["publish", "lambda", "--help"])
        self.assertEqual(result.exit_code, 0, result.output)
        for option in (
            "--name",
            "--metadata",
            "--title",
            "--install",
            "--plugin-secret",
            "--secret",
            "--static",
            "--cors",
            "--prefix",
            "--region",
            "--profile",
            "--endpoint-url",
            "--domain",
            "--no-cdn",
            "--external",
            "--memory",
            "--timeout",
            "--max-instances",
            "--runtime",
            "--arch",
            "--snapstart",
            "--fts",
            "--encoding",
            "--setting",
            "--crossdb",
            "--dry-run",
            "--out",
            "--json",
        ):
            self.assertIn(option, result.output)

    def test_name_is_required_and_branch_refused(self):
        result = CliRunner().invoke(datasette.cli.cli, ["publish", "lambda", __file__])
        self.assertEqual(result.exit_code, 2)
        self.assertIn("--name", result.output)
        result = CliRunner().invoke(
            datasette.cli.cli, ["publish", "lambda", __file__, "--name", "s", "--branch", "main"]
        )
        self.assertEqual(result.exit_code, 2)
        self.assertIn("--branch is not supported", result.output)

    @unittest.skipUnless(
        any(
            ep.value == "datasette_publish_lambda"
            for ep in __import__("importlib.metadata").metadata.entry_points(group="datasette")
        ),
        "plugin not installed (pip install -e plugin); its hook was registered in-process",
    )
    def test_installed_entry_point(self):
        self.assertIn("lambda", datasette.cli.publish.commands)


def hashes(directory):
    found = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, directory)] = hashlib.sha256(handle.read()).hexdigest()
    return found


@unittest.skipUnless(
    shutil.which("node") and os.path.exists(os.path.join(REPO_ROOT, "node_modules")), "needs Node.js and npm ci"
)
class EndToEnd(unittest.TestCase):
    def test_dry_run_matches_the_clis(self):
        with tempfile.TemporaryDirectory(prefix="dl-plugin-") as tmp:
            db = os.path.join(tmp, "sample.db")
            with sqlite3.connect(db) as connection:
                connection.execute("create table items (id integer primary key, name text)")
                connection.executemany("insert into items (name) values (?)", [("one",), ("two",)])
            connection.close()
            options = [
                "--dry-run",
                "--runtime",
                "python3.11",
                "--arch",
                "x86_64",
                "--cors",
                "--prefix",
                "data",
                "--title",
                "Sample",
                "--setting",
                "sql_time_limit_ms",
                "3500",
                "--json",
                "--extra-options",
                "--crossdb --version-note 'a b' --setting default_page_size 7",
            ]
            env = {
                **{key: value for key, value in os.environ.items() if not key.startswith("DATASETTE_PUBLISH_")},
                "PATH": os.path.join(REPO_ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""),
                "DATASETTE_LAMBDA_CACHE": os.path.join(REPO_ROOT, ".cache", "test"),
                "NO_COLOR": "1",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                "DATASETTE_LAMBDA_BIN": BIN,
            }
            direct_out = os.path.join(tmp, "direct")
            node = shutil.which("node")
            assert node is not None, "node on PATH"
            direct = subprocess.run(
                [node, BIN, "update-stack", "mysite", db, "--out", direct_out, *options],
                env=env,
                capture_output=True,
                text=True,
            )
            self.assertEqual(direct.returncode, 0, direct.stderr)

            plugin_out = os.path.join(tmp, "plugin")
            secret = "plugin-secret-value-e2e-91c3"
            code = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    RUN_PUBLISH,
                    "publish",
                    "lambda",
                    db,
                    "--name",
                    "mysite",
                    "--out",
                    plugin_out,
                    *options,
                    "--plugin-secret",
                    "datasette-auth-github",
                    "client_secret",
                    secret,
                ],
                env={**env, "PYTHONPATH": PLUGIN_ROOT},
                capture_output=True,
                text=True,
            )
            self.assertEqual(code.returncode, 0, code.stderr)
            self.assertNotIn(secret, code.stdout + code.stderr)
            self.assertEqual(json.loads(code.stdout)["stack"], "mysite")

            # The plugin secret changes the manifest (its $env reference), hence the package: compare
            # the rest file by file, and the package apart from that with a run without it.
            again_out = os.path.join(tmp, "plugin-again")
            again = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    RUN_PUBLISH,
                    "publish",
                    "lambda",
                    db,
                    "--name",
                    "mysite",
                    "--out",
                    again_out,
                    *options,
                ],
                env={**env, "PYTHONPATH": PLUGIN_ROOT},
                capture_output=True,
                text=True,
            )
            self.assertEqual(again.returncode, 0, again.stderr)
            self.assertEqual(hashes(again_out), hashes(direct_out))
            self.assertEqual(json.loads(again.stdout)["artifacts"], json.loads(direct.stdout)["artifacts"])
            for path in hashes(plugin_out):
                with open(os.path.join(plugin_out, path), "rb") as handle:
                    self.assertNotIn(secret.encode(), handle.read(), path)
            manifest = subprocess.run(
                [
                    "unzip",
                    "-p",
                    os.path.join(
                        plugin_out,
                        "artifacts",
                        next(a["key"] for a in json.loads(code.stdout)["artifacts"] if a["key"].startswith("package/")),
                    ),
                    "manifest.json",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            self.assertEqual(
                json.loads(manifest)["metadata"]["plugins"],
                {"datasette-auth-github": {"client_secret": {"$env": "DATASETTE_AUTH_GITHUB_CLIENT_SECRET"}}},
            )
            # --extra-options reached the site, not just the command line.
            self.assertEqual(json.loads(manifest)["crossdb"], True)
            self.assertEqual(json.loads(manifest)["versionNote"], "a b")
            settings = json.loads(manifest)["settings"]
            self.assertEqual((settings["sql_time_limit_ms"], settings["default_page_size"]), (3500, 7))

    def test_extra_options_the_cli_refuses_fail_naming_the_option(self):
        with tempfile.TemporaryDirectory(prefix="dl-plugin-") as tmp:
            db = os.path.join(tmp, "sample.db")
            sqlite3.connect(db).close()
            env = {
                **os.environ,
                "PYTHONPATH": PLUGIN_ROOT,
                "DATASETTE_LAMBDA_BIN": BIN,
                "NO_COLOR": "1",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            }
            result = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    RUN_PUBLISH,
                    "publish",
                    "lambda",
                    db,
                    "--name",
                    "mysite",
                    "--dry-run",
                    "--out",
                    os.path.join(tmp, "out"),
                    "--extra-options",
                    "--cors --port 9000",
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertTrue(result.stderr.startswith("Error: --extra-options: --port is not used"), result.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "out")))


if __name__ == "__main__":
    unittest.main()
