"""The converter imports alone: the CLI runs it on the user's machine with only its own
packages (sqlite-utils, openpyxl, python-frontmatter, PyYAML), and the converter function
needs nothing of the site. Checked in a fresh interpreter, whose sys.modules says what
importing it brought in."""

import json
import os
import subprocess
import sys
import unittest

from harness import CODE_DIR

ENTRY_POINTS = (
    "datasette_lambda.convert",
    "datasette_lambda.convert.__main__",  # python -m datasette_lambda.convert
    "datasette_lambda.convert.function",  # the converter function's handler
)
# What the converter must not bring in: the site's dependencies and the site's modules.
FORBIDDEN = (
    "datasette",
    "mangum",
    "jinja2",
    "datasette_lambda.serve",
    "datasette_lambda.start",
    "datasette_lambda.databases",
    "datasette_lambda.live",
    "datasette_lambda.instance",
    "datasette_lambda.handler",
)
PROBE = (
    "import importlib, json, sys\n"
    "for name in sys.argv[1:]: importlib.import_module(name)\n"
    "print(json.dumps(sorted(sys.modules)))"
)


class ConverterAlone(unittest.TestCase):
    def test_its_entry_points_import_nothing_of_the_site(self):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([CODE_DIR, *sys.path]), PYTHONDONTWRITEBYTECODE="1")
        done = subprocess.run([sys.executable, "-c", PROBE, *ENTRY_POINTS], capture_output=True, text=True, env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        modules = json.loads(done.stdout)
        for name in ENTRY_POINTS:
            self.assertIn(name, modules)
        imported = [m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
        self.assertEqual(imported, [], "the converter imported part of the site")

    def test_the_probe_sees_what_a_site_module_brings_in(self):
        # Control: the same probe on the site's entry point finds what the converter must not have.
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([CODE_DIR, *sys.path]), PYTHONDONTWRITEBYTECODE="1")
        done = subprocess.run(
            [sys.executable, "-c", PROBE, "datasette_lambda.instance"], capture_output=True, text=True, env=env
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        modules = json.loads(done.stdout)
        self.assertIn("datasette", modules)
        self.assertIn("mangum", modules)


if __name__ == "__main__":
    unittest.main()
