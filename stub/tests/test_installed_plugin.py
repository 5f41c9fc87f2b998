"""A plugin installed with `--install WHEEL` loads and works in the built package (FIXTURES.md).

Runs only when DL_INSTALLED_PLUGIN names the version of plugin_wheel.py's plugin that the
package at DL_TASK_ROOT was built with (its layer at DL_LAYER_DIR), as
test/stub/built-options.test.ts does:

    update-stack stubtest DB --install OUT/datasette_lambda_test_plugin-0.1-py3-none-any.whl ...
    DL_TASK_ROOT=... DL_LAYER_DIR=... DL_INSTALLED_PLUGIN=0.1 \\
        python -m pytest stub/tests/test_installed_plugin.py
"""

import os
import sys
import unittest

from harness import LAYER_DIR, PACKAGE_ROOT, activate, read_manifest, request

import plugin_wheel

VERSION = os.environ.get("DL_INSTALLED_PLUGIN") or None


@unittest.skipUnless(
    VERSION and PACKAGE_ROOT and LAYER_DIR,
    "set DL_INSTALLED_PLUGIN, DL_TASK_ROOT and DL_LAYER_DIR to a build with --install (plugin_wheel.py)",
)
class InstalledPlugin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        activate(PACKAGE_ROOT)
        manifest = read_manifest(PACKAGE_ROOT)
        # What the site serves: the manifest's databases, and /_memory with --crossdb.
        cls.databases = sorted(
            [db["name"] for db in manifest["databases"]] + (["_memory"] if manifest.get("crossdb") else [])
        )

    def test_listed_in_plugins_json(self):
        response = request("/-/plugins.json")
        self.assertEqual(response.status, 200)
        plugins = {plugin["name"]: plugin for plugin in response.json()}
        self.assertIn(plugin_wheel.NAME, plugins, response.text)
        self.assertEqual(plugins[plugin_wheel.NAME]["version"], VERSION)
        self.assertEqual(plugins[plugin_wheel.NAME]["hooks"], ["register_routes"])

    def test_its_route_answers(self):
        response = request(plugin_wheel.ROUTE)
        self.assertEqual(response.status, 200, response.text)
        self.assertEqual(
            response.json(),
            {"plugin": plugin_wheel.NAME, "version": VERSION, "databases": self.databases},
        )

    def test_imported_from_the_layer(self):
        request("/-/plugins.json")  # the site (and its plugins) is built on the first request
        module = sys.modules[plugin_wheel.NAME]
        layer_python = os.path.join(os.path.abspath(LAYER_DIR), "python")
        self.assertEqual(os.path.dirname(os.path.abspath(module.__file__)), layer_python)
        self.assertTrue(
            os.path.isfile(os.path.join(layer_python, f"{plugin_wheel.NAME}-{VERSION}.dist-info", "entry_points.txt"))
        )


if __name__ == "__main__":
    unittest.main()
