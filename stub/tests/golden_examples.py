"""The golden examples of stub/datasette_lambda/contract/schemas/: what TypeScript writes and
Python reads (or the other way round), which the tests of both sides read."""

import json
import os

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasette_lambda", "contract", "schemas")


def golden_examples(name):
    """The examples file `name` (e.g. "convert-settings"), parsed."""
    with open(os.path.join(SCHEMAS, f"{name}.examples.json"), encoding="utf-8") as f:
        return json.load(f)
