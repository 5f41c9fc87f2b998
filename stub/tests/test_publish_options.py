"""datasette publish's options as the CLI writes them into the manifest, served by the handler."""

import json
import os
import types
import unittest

import harness
from harness import activate, captured_output, make_task_root, request

from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils.asgi import Response

from datasette_lambda.start.plugin_secrets import PluginSecretsError, unpack_plugin_secrets


class MetadataFlags(unittest.TestCase):
    """--title, --license, --source and --about (and their URLs) end up as top-level metadata."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(
            metadata={
                "title": "Flag Title",
                "license": "CC-BY-4.0",
                "license_url": "https://creativecommons.org/licenses/by/4.0/",
                "source": "The Source",
                "source_url": "https://example.com/source",
            }
        )

    def setUp(self):
        activate(self.root.path)

    def test_title_license_and_source_show_on_the_page(self):
        page = request("/").text
        self.assertIn("<h1>Flag Title</h1>", page)
        self.assertIn('href="https://creativecommons.org/licenses/by/4.0/"', page)
        self.assertIn(">CC-BY-4.0</a>", page)
        self.assertIn('href="https://example.com/source"', page)


class CrossDatabaseQueries(unittest.TestCase):
    """--crossdb: /_memory attaches every database, so one query reads two of them."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(inline=("fixtures", "remote"), extra={"crossdb": True})
        cls.without = make_task_root(inline=("fixtures", "remote"))

    def test_one_query_reads_two_databases(self):
        activate(self.root.path)
        sql = (
            "select (select count(*) from fixtures.items) as items,"
            " (select count(*) from remote.remote_rows) as remote_rows"
        )
        response = request("/_memory.json", query={"sql": sql, "_shape": "array"})
        self.assertEqual(response.status, 200, response.text)
        rows = response.json()
        self.assertEqual(len(rows), 1)
        self.assertGreater(rows[0]["items"], 0)
        self.assertGreater(rows[0]["remote_rows"], 0)

    def test_without_crossdb_there_is_no_memory_database(self):
        activate(self.without.path)
        response = request("/_memory.json", query={"sql": "select 1"})
        self.assertEqual(response.status, 404)


class VersionNote(unittest.TestCase):
    def test_the_note_is_on_versions_json(self):
        activate(make_task_root(extra={"versionNote": "built by CI run 42"}).path)
        self.assertEqual(request("/-/versions.json").json()["datasette"]["note"], "built by CI run 42")


@hookimpl
def _secret_reader_routes():
    async def show(datasette):
        return Response.json(datasette.plugin_config("secret-reader") or {})

    return [(r"^/-/secret-reader$", show)]


# A plugin that shows the configuration Datasette resolves for it (Datasette's plugins are modules).
SecretReader = types.ModuleType("secret_reader")
SecretReader.register_routes = _secret_reader_routes  # type: ignore[attr-defined]


class PluginSecrets(unittest.TestCase):
    """--plugin-secret: metadata refers to PLUGIN_KEY, the value arrives packed in one variable."""

    VALUE = "s3cr3t-value-for-the-plugin"

    def setUp(self):
        pm.register(SecretReader, name="secret-reader")
        self.addCleanup(pm.unregister, name="secret-reader")
        self.addCleanup(os.environ.pop, "SECRET_READER_API_KEY", None)
        self.addCleanup(harness.deactivate)
        self.root = make_task_root(
            metadata={
                "title": "Secrets",
                "plugins": {"secret-reader": {"api_key": {"$env": "SECRET_READER_API_KEY"}, "plain": 1}},
            }
        )

    def test_the_plugin_reads_its_secret_through_metadata(self):
        with captured_output() as output:
            activate(
                self.root.path,
                env={"DATASETTE_LAMBDA_PLUGIN_SECRETS": json.dumps({"SECRET_READER_API_KEY": self.VALUE})},
            )
            config = request("/-/secret-reader").json()
            self.assertEqual(config, {"api_key": self.VALUE, "plain": 1})
            # Datasette shows the metadata as written: the reference, not the value.
            self.assertNotIn(self.VALUE, request("/-/metadata.json").text)
        self.assertNotIn(self.VALUE, output.getvalue())

    def test_without_the_variable_the_setting_is_empty(self):
        activate(self.root.path)
        self.assertEqual(request("/-/secret-reader").json(), {"api_key": None, "plain": 1})


class UnpackPluginSecrets(unittest.TestCase):
    def test_each_value_becomes_a_variable(self):
        environ = {"DATASETTE_LAMBDA_PLUGIN_SECRETS": json.dumps({"A_KEY": "1", "B_KEY": "2"})}
        self.assertEqual(unpack_plugin_secrets(environ["DATASETTE_LAMBDA_PLUGIN_SECRETS"], environ), ["A_KEY", "B_KEY"])
        self.assertEqual((environ["A_KEY"], environ["B_KEY"]), ("1", "2"))
        self.assertEqual(unpack_plugin_secrets(None, {}), [])
        self.assertEqual(unpack_plugin_secrets("{}", {}), [])

    def test_bad_packing_fails_without_showing_values(self):
        for packed in ('{"A_KEY": "hidden-value"', '["hidden-value"]', '{"lower": "hidden-value"}', '{"A_KEY": 5}'):
            with self.subTest(packed=packed), self.assertRaises(PluginSecretsError) as caught:
                unpack_plugin_secrets(packed, {})
            self.assertNotIn("hidden-value", str(caught.exception))


PLUGIN_SOURCE = """
from datasette import hookimpl
from datasette.utils.asgi import Response


@hookimpl
def register_routes():
    async def show(datasette):
        return Response.json(datasette.plugin_config("dir-plugin") or {})

    return [(r"^/-/dir-plugin$", show)]
"""


def make_site_with_assets(prefix=None, env_secret=False):
    """A task root as the CLI builds it with --plugins-dir, --template-dir and --static."""
    metadata = {"title": "Assets"}
    if env_secret:
        metadata["plugins"] = {"dir-plugin": {"token": {"$env": "DIR_PLUGIN_TOKEN"}}}
    root = make_task_root(
        prefix=prefix,
        metadata=metadata,
        extra={
            "pluginsDir": "site/plugins",
            "templateDir": "site/templates",
            "staticMounts": [{"mount": "assets", "dir": "site/static/0"}, {"mount": "docs/v1", "dir": "site/static/1"}],
        },
    )
    files = {
        "site/plugins/dir_plugin.py": PLUGIN_SOURCE,
        "site/templates/_footer.html": "<p>Footer from the template dir</p>",
        "site/static/0/style.css": "body { color: teal }",
        "site/static/1/guide/intro.txt": "read me",
    }
    for name, text in files.items():
        path = os.path.join(root.path, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return root


class PackageAssets(unittest.TestCase):
    """--plugins-dir, --template-dir and --static: served from the package, with and without --prefix."""

    def setUp(self):
        # Datasette registers a plugins-dir module in its global plugin manager, by file name.
        self.addCleanup(lambda: pm.unregister(name="dir_plugin.py") if pm.has_plugin("dir_plugin.py") else None)
        self.addCleanup(harness.deactivate)

    def test_plugin_is_loaded_and_works(self):
        activate(make_site_with_assets().path)
        plugins = request("/-/plugins.json").json()
        self.assertIn("dir_plugin.py", [p["name"] for p in plugins])
        self.assertEqual(request("/-/dir-plugin").json(), {})

    def test_template_override_is_rendered(self):
        activate(make_site_with_assets().path)
        self.assertIn("Footer from the template dir", request("/").text)
        self.assertIn("Footer from the template dir", request("/fixtures").text)

    def test_static_files_are_served_under_their_mounts(self):
        activate(make_site_with_assets().path)
        self.assertEqual(request("/assets/style.css").text, "body { color: teal }")
        self.assertEqual(request("/docs/v1/guide/intro.txt").text, "read me")
        self.assertEqual(request("/assets/missing.css").status, 404)

    def test_static_files_and_templates_under_a_prefix(self):
        activate(make_site_with_assets(prefix="x").path)
        self.assertEqual(request("/x/assets/style.css").text, "body { color: teal }")
        self.assertEqual(request("/x/docs/v1/guide/intro.txt").text, "read me")
        self.assertIn("Footer from the template dir", request("/x/").text)
        self.assertEqual(request("/x/-/dir-plugin").status, 200)

    def test_plugin_reads_a_plugin_secret(self):
        value = "token-for-the-dir-plugin"
        self.addCleanup(os.environ.pop, "DIR_PLUGIN_TOKEN", None)
        with captured_output() as output:
            activate(
                make_site_with_assets(env_secret=True).path,
                env={"DATASETTE_LAMBDA_PLUGIN_SECRETS": json.dumps({"DIR_PLUGIN_TOKEN": value})},
            )
            self.assertEqual(request("/-/dir-plugin").json(), {"token": value})
        self.assertNotIn(value, output.getvalue())


if __name__ == "__main__":
    unittest.main()
