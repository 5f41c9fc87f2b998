"""The plugin from this checkout, for the tests: put first on sys.path, its hook
registered on Datasette's publish group in-process when the plugin is not
installed (pip install -e plugin), and Datasette's real CLI in a child process
(`python -c RUN_PUBLISH publish lambda ...`, with PYTHONPATH=PLUGIN_ROOT)."""

import json
import os
import sys

PLUGIN_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(PLUGIN_ROOT)
sys.path.insert(0, PLUGIN_ROOT)

import datasette.cli  # noqa: E402

import datasette_publish_lambda  # noqa: E402

if "lambda" not in datasette.cli.publish.commands:
    datasette_publish_lambda.publish_subcommand(publish=datasette.cli.publish)

RUN_PUBLISH = """
import sys
import datasette.cli
import datasette_publish_lambda
if "lambda" not in datasette.cli.publish.commands:
    datasette_publish_lambda.publish_subcommand(publish=datasette.cli.publish)
sys.argv[0] = "datasette"
datasette.cli.cli()
"""


def package_version():
    """The npm package's version (package.json), which the plugin's must equal."""
    with open(os.path.join(REPO_ROOT, "package.json")) as handle:
        return json.load(handle)["version"]
