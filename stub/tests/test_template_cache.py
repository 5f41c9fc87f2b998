"""Compiled templates (template_cache.py): used only where they fit. Whole sites with and
without them, each in a fresh process, are compared in test_fresh_instances.py."""

import json
import os
import shutil
import tempfile
import unittest
from unittest import mock

import harness  # noqa: F401  (first: sets up sys.path for the stub)
from harness import SESSION_DIR

from datasette_lambda.start import template_cache


def site_packages_dir():
    import datasette

    return os.path.dirname(os.path.dirname(os.path.abspath(datasette.__file__)))


def build_cache(out_dir):
    return template_cache.build(template_cache.datasette_environment(), out_dir, site_packages_dir(), "/opt/python")


class WhenTheCacheIsUsed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cache_dir = os.path.join(tempfile.mkdtemp(dir=SESSION_DIR), template_cache.CACHE_DIR_NAME)
        build_cache(cls.cache_dir)

    def fresh_datasette(self):
        from datasette.app import Datasette

        from datasette_lambda.serve.data_as_of import install_data_as_of

        ds = Datasette([])
        install_data_as_of(ds, lambda name: None)  # as datasette_app.build_datasette does
        return ds

    def test_cached_templates_are_not_compiled_again(self):
        ds = self.fresh_datasette()
        self.assertTrue(template_cache.attach(ds, self.cache_dir))
        with mock.patch.object(ds.jinja_env, "compile", wraps=ds.jinja_env.compile) as compile_:
            ds.jinja_env.get_template("index.html")
            ds.jinja_env.get_template("default:table.html")
        compile_.assert_not_called()

    def test_the_templates_with_the_data_as_of_line_are_not_compiled_again(self):
        ds = self.fresh_datasette()
        self.assertTrue(template_cache.attach(ds, self.cache_dir))
        for name in ("index.html", "database.html"):
            self.assertIn('class="data-as-of"', ds.jinja_env.loader.get_source(ds.jinja_env, name)[0])
        with mock.patch.object(ds.jinja_env, "compile", wraps=ds.jinja_env.compile) as compile_:
            ds.jinja_env.get_template("index.html")
            ds.jinja_env.get_template("database.html")
        compile_.assert_not_called()

    def test_a_template_with_other_source_compiles_from_its_own_source(self):
        from jinja2 import DictLoader, Environment

        env = Environment(
            loader=DictLoader({"index.html": "<p>{{ 1 + 1 }} overridden</p>"}), autoescape=True, enable_async=True
        )
        env.bytecode_cache = template_cache.PrecompiledTemplates(self.cache_dir)
        with mock.patch.object(env, "compile", wraps=env.compile) as compile_:
            template = env.get_template("index.html")
        compile_.assert_called_once()
        self.assertEqual(template.render(), "<p>2 overridden</p>")

    def test_an_environment_that_compiles_differently_is_not_given_the_cache(self):
        ds = self.fresh_datasette()
        ds.jinja_env.filters["from_a_plugin"] = lambda value: value  # as prepare_jinja2_environment may
        with self.assertLogs("datasette_lambda", "INFO") as logs:
            self.assertFalse(template_cache.attach(ds, self.cache_dir))
        self.assertIn("environment differ", logs.output[0])
        self.assertIsNone(ds.jinja_env.bytecode_cache)

    def test_another_python_or_jinja_is_not_given_the_cache(self):
        for field, value in (("python", "2.7"), ("jinja", "0.1"), ("format", 99)):
            with self.subTest(field):
                copy = os.path.join(tempfile.mkdtemp(dir=SESSION_DIR), "cache")
                shutil.copytree(self.cache_dir, copy)
                index_path = os.path.join(copy, template_cache.INDEX_NAME)
                with open(index_path) as f:
                    index = json.load(f)
                index[field] = value
                with open(index_path, "w") as f:
                    json.dump(index, f)
                self.assertFalse(template_cache.attach(self.fresh_datasette(), copy))

    def test_no_cache_no_change(self):
        ds = self.fresh_datasette()
        self.assertFalse(template_cache.attach(ds, os.path.join(SESSION_DIR, "no-such-cache")))
        self.assertIsNone(ds.jinja_env.bytecode_cache)

    def test_building_twice_gives_the_same_bytes(self):
        # The layer zip must be reproducible (same input, same sha256).
        again = os.path.join(tempfile.mkdtemp(dir=SESSION_DIR), "again")
        build_cache(again)
        self.assertEqual(sorted(os.listdir(again)), sorted(os.listdir(self.cache_dir)))
        for name in os.listdir(again):
            with open(os.path.join(again, name), "rb") as a, open(os.path.join(self.cache_dir, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)

    def test_compiled_code_names_the_files_lambda_will_have(self):
        with open(os.path.join(self.cache_dir, f"{template_cache.cache_key('index.html')}.cache"), "rb") as f:
            self.assertIn(b"/opt/python/datasette/templates/index.html", f.read())


if __name__ == "__main__":
    unittest.main()
