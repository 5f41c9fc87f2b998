"""datasette publish's options, shown on a package the CLI built with them (FIXTURES.md).

test/stub/built-options.test.ts runs the CLI with built_options_fixture.py's arguments
(plus --install of plugin_wheel.py's wheel), with and without --prefix, unzips the
package and the layer, and runs this module with DL_TASK_ROOT, DL_LAYER_DIR and
DL_BUILT_OPTIONS=1. Each test shows one option's effect through the handler, as
Lambda runs it.
"""

import json
import os
import unittest

from harness import LAYER_DIR, PACKAGE_ROOT, activate, captured_output, deactivate, read_manifest, request

from built_options_fixture import FOOTER, PAGE_SIZE, PLUGIN_SECRET, SECRET_VARIABLE, STYLE, TITLE, VERSION_NOTE

BUILT = os.environ.get("DL_BUILT_OPTIONS") == "1"


@unittest.skipUnless(
    BUILT and PACKAGE_ROOT and LAYER_DIR,
    "set DL_BUILT_OPTIONS=1, DL_TASK_ROOT and DL_LAYER_DIR to a build of write_fixture's arguments",
)
class BuiltWithPublishOptions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        manifest = read_manifest(PACKAGE_ROOT)
        cls.base = manifest["settings"].get("base_url", "/")
        # As Lambda hands it over: the PluginSecrets stack parameter, one JSON variable.
        cls.env = {"DATASETTE_LAMBDA_PLUGIN_SECRETS": json.dumps({SECRET_VARIABLE: PLUGIN_SECRET})}

    @classmethod
    def tearDownClass(cls):
        deactivate()
        os.environ.pop(SECRET_VARIABLE, None)

    def setUp(self):
        # One instance for the class: the first activation unpacks the secret into the environment.
        with captured_output() as self.output:
            activate(PACKAGE_ROOT, env=self.env)

    def get(self, path, **kwargs):
        """path under the site's base URL (--prefix)."""
        return request(self.base + path.lstrip("/"), **kwargs)

    def test_the_title_is_on_the_page(self):
        page = self.get("/")
        self.assertEqual(page.status, 200)
        self.assertIn(f"<h1>{TITLE}</h1>", page.text)

    def test_the_setting_is_in_settings_json(self):
        self.assertEqual(self.get("/-/settings.json").json()["default_page_size"], PAGE_SIZE)

    def test_the_version_note_is_on_versions_json(self):
        self.assertEqual(self.get("/-/versions.json").json()["datasette"]["note"], VERSION_NOTE)

    def test_a_cross_database_query_is_answered(self):
        sql = "select l.name as left_name, r.name as right_name from [left].items l join [right].items r using (id)"
        response = self.get("/_memory.json", query=f"sql={sql.replace(' ', '+')}&_shape=array")
        self.assertEqual(response.status, 200, response.text)
        self.assertEqual(response.json(), [{"left_name": "a", "right_name": "x"}])

    def test_the_plugins_dir_plugin_is_loaded_and_reads_its_secret(self):
        self.assertIn("built_dir_plugin.py", [p["name"] for p in self.get("/-/plugins.json").json()])
        self.assertEqual(self.get("/-/built-dir-plugin").json(), {"config": {"token": PLUGIN_SECRET}})
        # The package holds the reference only; the site shows the reference, not the value.
        self.assertNotIn(PLUGIN_SECRET, self.get("/-/metadata.json").text)
        self.assertNotIn(PLUGIN_SECRET, self.output.getvalue())

    def test_the_template_override_is_rendered(self):
        self.assertIn(FOOTER, self.get("/").text)
        self.assertIn(FOOTER, self.get("/left").text)

    def test_the_static_file_is_served_under_its_mount(self):
        response = self.get("/assets/style.css")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.text, STYLE)
        self.assertEqual(self.get("/assets/missing.css").status, 404)


if __name__ == "__main__":
    unittest.main()
